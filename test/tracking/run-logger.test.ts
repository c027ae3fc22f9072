import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStoreTracker, readMlflowStore } from '../../runtime/tracking/mlflow-filestore.ts';
import { nestRuns } from '../../runtime/tracking/run-tree.ts';
import { ERROR_ARTIFACT, ERROR_TAG, RunLogger } from '../../runtime/tracking/run-logger.ts';
import { runFilter } from '../../runtime/tracking/run-search.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import { tempDir } from './fixture-store.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let store: FileStoreTracker;
let clock: number;
const now = (): number => ++clock;

beforeEach(async () => {
  tmp = await tempDir();
  store = new FileStoreTracker(join(tmp.dir, 'mlruns'));
  clock = 1700000000000;
});
afterEach(async () => tmp.cleanup());

describe('RunLogger on a FileStore', () => {
  it('logs the IR as params (long values as artifacts), buffered metrics by step, and finishes', async () => {
    const run = await RunLogger.start(store, { experimentName: 'cardiac', runName: 'ours', tags: { 'ablate.specHash': 'h1' }, flushEvery: 3, now });
    const ir = { model: { joint: 'v3', depths: [2, 2, 2, 2] }, data: { cases: Array.from({ length: 150 }, (_, i) => `case_${i}`) } };
    const flat = await run.logParamsFrom(ir);
    expect(flat.longValues.map((l) => l.artifactPath)).toEqual(['params/data.cases.txt']);
    await run.logJson(ir, 'ir/run.json');
    expect(Buffer.from(await store.readArtifact(run.runId, 'ir/run.json')).toString('utf8')).toBe(`${JSON.stringify(ir, null, 2)}\n`);

    run.logMetrics({ 'loss.seg.ct': 0.5, 'loss.seg.mri': 0.6 }, 0);
    expect(run.pendingMetrics).toBe(2);
    run.logMetric('val.dice.ct', 0.7, 0); // third value: flushed in the background
    expect(run.pendingMetrics).toBe(0);
    run.logMetrics({ 'loss.seg.ct': 0.4 }, 1);
    await run.finish();
    expect(run.ended).toBe('FINISHED');

    const back = await store.getRun(run.runId);
    expect(back.info.status).toBe('FINISHED');
    expect(back.data.params).toEqual({ 'model.joint': 'v3', 'model.depths': '[2,2,2,2]', 'data.cases': '(see artifact params/data.cases.txt)' });
    expect(JSON.parse(Buffer.from(await store.readArtifact(run.runId, 'params/data.cases.txt')).toString('utf8'))).toEqual(ir.data.cases);
    expect((await store.getMetricHistory(run.runId, 'loss.seg.ct')).map((m) => [m.step, m.value])).toEqual([[0, 0.5], [1, 0.4]]);
    expect(() => run.logMetric('late', 1, 2)).toThrow(/already ended as FINISHED/);
    const found = await store.searchRuns({ experimentIds: [run.experimentId], filter: runFilter({ tags: { 'ablate.specHash': 'h1' }, status: 'FINISHED' }) });
    expect(found.map((r) => r.info.runId)).toEqual([run.runId]);
  });

  it('rejects an invalid metric key at the call, not at flush time', async () => {
    const run = await RunLogger.start(store, { experimentName: 'e', now });
    expect(() => run.logMetric('bad:key', 1, 0)).toThrow(TrackingError);
    expect(run.pendingMetrics).toBe(0);
  });

  it('marks a failure FAILED with the error as tag and artifact', async () => {
    const run = await RunLogger.start(store, { experimentName: 'e', runName: 'nan', now });
    run.logMetric('loss', NaN, 3);
    await run.fail(new RangeError('loss became NaN at epoch 3'));
    const back = await store.getRun(run.runId);
    expect(back.info.status).toBe('FAILED');
    expect(back.data.tags[ERROR_TAG]).toBe('RangeError: loss became NaN at epoch 3');
    expect(Buffer.from(await store.readArtifact(run.runId, ERROR_ARTIFACT)).toString('utf8')).toMatch(/^RangeError: loss became NaN at epoch 3\n\s+at /);
    expect((await store.getMetricHistory(run.runId, 'loss'))[0]!.value).toBeNaN();
  });

  it('kills a run and resumes it under the same id', async () => {
    const run = await RunLogger.start(store, { experimentName: 'e', runName: 'long', now });
    run.logMetric('loss', 0.9, 0);
    await run.kill();
    const killed = await store.getRun(run.runId);
    expect([killed.info.status, killed.info.endTime]).toEqual(['KILLED', clock]);

    const again = await RunLogger.resume(store, run.runId, { now });
    expect(again.info.status).toBe('RUNNING');
    expect((await store.getRun(run.runId)).info.endTime).toBeNull();
    again.logMetric('loss', 0.8, 1);
    await again.finish();
    expect((await store.getMetricHistory(run.runId, 'loss')).map((m) => m.step)).toEqual([0, 1]);
    expect((await store.getRun(run.runId)).info.status).toBe('FINISHED');
  });

  it('nests sweep children under their parent run', async () => {
    const sweep = await RunLogger.start(store, { experimentName: 'fig5', runName: 'tau-sweep', now });
    for (const tau of [1, 2]) {
      const child = await sweep.startChild({ runName: `tau=${tau}`, tags: { 'ablate.sweep.tau': String(tau) } });
      await child.logParams({ 'loss.icr.tau': String(tau) });
      await child.finish();
    }
    await sweep.finish();
    const snap = await readMlflowStore(store.root);
    const runs = snap.experiments.find((e) => e.experiment.name === 'fig5')!.runs;
    const tree = nestRuns(runs);
    expect(tree.map((n) => [n.run.info.runName, n.children.map((c) => c.run.info.runName).sort()])).toEqual([['tau-sweep', ['tau=1', 'tau=2']]]);
    expect(await readFile(join(store.root, sweep.experimentId, tree[0]!.children[0]!.run.info.runId, 'tags', 'mlflow.parentRunId'), 'utf8')).toBe(sweep.runId);
  });
});
