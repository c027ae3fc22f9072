/** A reused run whose results.json is empty or damaged: an error naming the run, the store and the file, with a hint (was a bare SyntaxError). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readRunResults, RunResultsError } from '../../runtime/reports/run-results.ts';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ablate-results-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it.each([
  ['', 'not valid JSON (the file is empty)'],
  ['{"format":"ablate-res', 'not valid JSON ('],
  ['null', 'not an ablate results file (format undefined, version undefined)'],
])('results.json %j', async (content, what) => {
  const store = new FileStoreTracker(join(dir, 'mlruns'));
  const exp = await store.getOrCreateExperiment('ablate');
  const run = await store.createRun({ experimentId: exp.experimentId });
  await store.logText(run.runId, content, 'results.json');
  const e = await readRunResults(store, run.runId).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(RunResultsError);
  expect((e as Error).message).toContain(`results.json of run ${run.runId} in ${store.uri}: ${what}`);
  expect((e as RunResultsError).hint).toMatch(/ablate run --force/);
});
