/**
 * One behavioural suite, two backends: the FileStore directly, and the REST tracker talking
 * over HTTP to a stand-in server that stores into a FileStore. `ablate run` and `ablate report`
 * must see the same results whichever MLFLOW_TRACKING_URI they are given.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RestTracker } from '../../runtime/tracking/rest-tracker.ts';
import { findFinishedRun } from '../../runtime/tracking/run-lookup.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { runFilter } from '../../runtime/tracking/run-search.ts';
import { nestRuns } from '../../runtime/tracking/run-tree.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import type { Tracker } from '../../runtime/tracking/tracker.ts';
import { serveFileStore } from './filestore-backed-server.ts';
import { tempDir } from './fixture-store.ts';
import { startTestServer } from './mlflow-test-server.ts';

type Make = (dir: string) => Promise<{ tracker: Tracker; close: () => Promise<void> }>;

const backends: Array<[string, Make]> = [
  ['FileStore', async (dir) => ({ tracker: new FileStoreTracker(join(dir, 'direct')), close: async () => {} })],
  [
    'REST (server pages of 2)',
    async (dir) => {
      const server = await startTestServer();
      serveFileStore(server, new FileStoreTracker(join(dir, 'served'), { onWarning: () => {} }), 2);
      const tracker = new RestTracker(server.url, {
        maxRetries: 0,
        spoolUri: join(dir, 'spool'),
        onOutage: () => {},
        onSpool: (r) => {
          throw new Error(`unexpected spool: ${r.reason}`);
        },
      });
      return { tracker, close: () => server.close() };
    },
  ],
];

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TrackingError);
  return (e as TrackingError).code;
}

describe.each(backends)('Tracker behaviour: %s', (_name, make) => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let t: Tracker;
  let close: () => Promise<void>;
  beforeEach(async () => {
    tmp = await tempDir();
    ({ tracker: t, close } = await make(tmp.dir));
  });
  afterEach(async () => {
    await close();
    await tmp.cleanup();
  });

  it('experiments: get-or-create is idempotent, unknown names are undefined, listing pages through all', async () => {
    const e = await t.getOrCreateExperiment('conf', { team: 'seg' });
    expect((await t.getOrCreateExperiment('conf')).experimentId).toBe(e.experimentId);
    expect(e.tags).toEqual({ team: 'seg' });
    expect(await t.getExperimentByName('nope')).toBeUndefined();
    await t.getOrCreateExperiment('conf-2');
    expect((await t.listExperiments()).map((x) => x.name).sort()).toEqual(['Default', 'conf', 'conf-2']);
  });

  it('runs: info, params (immutable), metric history with NaN/inf over 2500 values, tags, end', async () => {
    const { experimentId } = await t.getOrCreateExperiment('conf');
    const run = await t.createRun({ experimentId, runName: 'r1', userId: 'ana', startTime: 1000, tags: { 'ablate.specHash': 'h1' } });
    expect([run.runName, run.userId, run.status, run.startTime, run.endTime, run.lifecycleStage]).toEqual(['r1', 'ana', 'RUNNING', 1000, null, 'active']);
    await t.logParams(run.runId, { lr: '0.01', 'optimizer/name': 'adam' });
    await t.logParams(run.runId, { lr: '0.01' });
    expect(await codeOf(t.logParams(run.runId, { lr: '0.02' }))).toBe('INVALID_PARAMETER_VALUE');
    const values = [...Array.from({ length: 2500 }, (_, i) => i / 8), NaN, Infinity];
    await t.logMetrics(run.runId, values.map((v, i) => ({ key: 'loss', value: v, timestamp: 2000 + i, step: i })));
    await t.setTags(run.runId, { note: 'x' });
    await t.setTerminated(run.runId, 'FINISHED', 5000);

    const history = await t.getMetricHistory(run.runId, 'loss');
    expect(history.map((m) => m.value)).toEqual(values);
    expect(history.map((m) => m.step)).toEqual(values.map((_, i) => i));
    const back = await t.getRun(run.runId);
    expect([back.info.status, back.info.endTime]).toEqual(['FINISHED', 5000]);
    expect(back.data.params).toEqual({ lr: '0.01', 'optimizer/name': 'adam' });
    expect(back.data.metrics).toEqual([{ key: 'loss', value: Infinity, timestamp: 4501, step: 2501 }]);
    expect(back.data.tags).toEqual({ 'ablate.specHash': 'h1', 'mlflow.runName': 'r1', 'mlflow.user': 'ana', note: 'x' });
    expect(await codeOf(t.getRun('0123456789abcdef0123456789abcdef'))).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('search: filter by spec hash and status, order by a metric, limits, deleted runs', async () => {
    const { experimentId } = await t.getOrCreateExperiment('conf');
    const ids: string[] = [];
    for (const [i, [hash, loss, status]] of ([['h1', 0.3, 'FINISHED'], ['h1', 0.1, 'FINISHED'], ['h2', 0.2, 'FINISHED'], ['h1', 0.05, 'KILLED'], ['h3', 0.9, 'FINISHED']] as const).entries()) {
      const r = await t.createRun({ experimentId, runName: `r${i}`, startTime: 100 + i, tags: { 'ablate.specHash': hash } });
      await t.logMetrics(r.runId, [{ key: 'loss', value: loss, timestamp: 1, step: 0 }]);
      await t.setTerminated(r.runId, status, 200 + i);
      ids.push(r.runId);
    }
    const all = await t.searchRuns({ experimentIds: [experimentId] });
    expect(all.map((r) => r.info.runName)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    const h1 = await t.searchRuns({ experimentIds: [experimentId], filter: runFilter({ tags: { 'ablate.specHash': 'h1' }, status: 'FINISHED' }), orderBy: ['metrics.loss ASC'] });
    expect(h1.map((r) => r.info.runName)).toEqual(['r1', 'r0']);
    expect((await t.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.loss DESC'], maxResults: 3 })).map((r) => r.info.runName)).toEqual(['r4', 'r0', 'r2']);
    expect((await findFinishedRun(t, 'conf', 'h1'))?.info.runName).toBe('r1');

    await t.deleteRun(ids[4]!);
    expect((await t.searchRuns({ experimentIds: [experimentId] })).map((r) => r.info.runName)).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect((await t.searchRuns({ experimentIds: [experimentId], runViewType: 'DELETED_ONLY' })).map((r) => r.info.runName)).toEqual(['r4']);
    expect((await t.getRun(ids[4]!)).info.lifecycleStage).toBe('deleted');
  });

  it('artifacts: text and files, listed and read back', async () => {
    const { experimentId } = await t.getOrCreateExperiment('conf');
    const run = await t.createRun({ experimentId, runName: 'art', startTime: 1 });
    const file = join(tmp.dir, 'table.md');
    await writeFile(file, '| a |\n|---|\n| 1 |\n');
    await t.logArtifact(run.runId, file, 'tables');
    await t.logText(run.runId, '{"ir":1}\n', 'ir/run.json');
    expect(await t.listArtifacts(run.runId)).toEqual([
      { path: 'ir', isDir: true, fileSize: null },
      { path: 'tables', isDir: true, fileSize: null },
    ]);
    expect(await t.listArtifacts(run.runId, 'tables')).toEqual([{ path: 'tables/table.md', isDir: false, fileSize: 18 }]);
    expect(Buffer.from(await t.readArtifact(run.runId, 'ir/run.json')).toString('utf8')).toBe('{"ir":1}\n');
  });

  it('RunLogger: a sweep parent with nested children, one failed', async () => {
    const sweep = await RunLogger.start(t, { experimentName: 'fig5', runName: 'sweep', startTime: 10 });
    for (const tau of [1, 2, 3]) {
      const child = await sweep.startChild({ runName: `tau=${tau}`, startTime: 10 + tau });
      await child.logParamsFrom({ loss: { icr: { tau } } });
      child.logMetrics({ 'val.dice.ct': tau / 10 }, 0);
      if (tau === 3) await child.fail(new Error('diverged'));
      else await child.finish();
    }
    await sweep.finish();
    const runs = await t.searchRuns({ experimentIds: [sweep.experimentId] });
    const tree = nestRuns(runs);
    expect(tree.map((n) => [n.run.info.runName, n.run.info.status, n.children.map((c) => [c.run.info.runName, c.run.info.status, c.run.data.params['loss.icr.tau']])])).toEqual([
      ['sweep', 'FINISHED', [['tau=3', 'FAILED', '3'], ['tau=2', 'FINISHED', '2'], ['tau=1', 'FINISHED', '1']]],
    ]);
    expect(runs.find((r) => r.info.runName === 'tau=3')!.data.tags['ablate.error']).toBe('Error: diverged');
  });
});
