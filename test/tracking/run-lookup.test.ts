import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { findFinishedRun, findKilledRun } from '../../runtime/tracking/run-lookup.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { ABLATE_TAGS, runTags } from '../../runtime/tracking/run-tags.ts';
import { tempDir } from './fixture-store.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let store: FileStoreTracker;
beforeEach(async () => {
  tmp = await tempDir();
  store = new FileStoreTracker(join(tmp.dir, 'mlruns'));
});
afterEach(async () => tmp.cleanup());

describe('runTags', () => {
  it('combines ablate tags with MLflow source tags', () => {
    expect(runTags({ specHash: 'h', sourceFile: 'experiments/quickstart.abl', gitCommit: 'abc', backend: 'wasm', ablateVersion: '0.1.0', phantom: true, experiment: 'quick', extra: { note: 'x' } })).toEqual({
      'ablate.specHash': 'h',
      'ablate.sourceFile': 'experiments/quickstart.abl',
      'ablate.kind': 'run',
      'ablate.experiment': 'quick',
      'ablate.backend': 'wasm',
      'ablate.version': '0.1.0',
      'ablate.data.phantom': 'true',
      'mlflow.source.name': 'experiments/quickstart.abl',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': 'abc',
      note: 'x',
    });
  });
});

describe('finding runs by spec hash', () => {
  it('finds the newest FINISHED run of a hash, and a KILLED one to resume', async () => {
    expect(await findFinishedRun(store, 'quick', 'h1')).toBeUndefined();
    const start = async (hash: string, t: number): Promise<RunLogger> =>
      RunLogger.start(store, { experimentName: 'quick', tags: { [ABLATE_TAGS.specHash]: hash }, startTime: t, now: () => t + 1 });
    const old = await start('h1', 100);
    await old.finish();
    const newer = await start('h1', 200);
    await newer.finish();
    const failed = await start('h1', 300);
    await failed.fail(new Error('boom'));
    const other = await start('h2', 400);
    await other.kill();

    expect((await findFinishedRun(store, 'quick', 'h1'))?.info.runId).toBe(newer.runId);
    expect(await findFinishedRun(store, 'quick', 'h2')).toBeUndefined();
    expect((await findKilledRun(store, 'quick', 'h2'))?.info.runId).toBe(other.runId);
    expect(await findFinishedRun(store, 'other-experiment', 'h1')).toBeUndefined();
  });
});
