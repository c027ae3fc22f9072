/**
 * A tracking server that is already down when a run starts (the run cannot be created
 * there): the run — a parent with a child, as a sweep logs — is created in the spool with
 * local run ids and finishes there; the command's last line says where the results are and
 * that `ablate sync` delivers them; `ablate sync`, once the server is back, creates the runs
 * on the server (parent first, the child nested under the parent's server id) and delivers
 * every value once — also when a first sync created a run but could not record its id.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RestTracker, describeSpool, resultsLocation, type SpoolReport } from '../../runtime/tracking/rest-tracker.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { describeSyncOutcome, listSpooledRuns, SPOOL_RUN_ID_TAG, SPOOL_TAGS, syncSpool } from '../../runtime/tracking/spool-delivery.ts';
import { serveFileStore } from './filestore-backed-server.ts';
import { tempDir } from './fixture-store.ts';
import { startTestServer, type TestServer } from './mlflow-test-server.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: TestServer;
let store: FileStoreTracker;
let port: number;
beforeEach(async () => {
  tmp = await tempDir();
  server = await startTestServer();
  port = Number(new URL(server.url).port);
  store = new FileStoreTracker(join(tmp.dir, 'server-store'), { onWarning: () => {} });
  serveFileStore(server, store);
});
afterEach(async () => {
  await server.close();
  await tmp.cleanup();
});

async function restart(): Promise<void> {
  server = await startTestServer([], port);
  serveFileStore(server, store);
}

describe('the server is down before the run starts and stays down until it ends', () => {
  it('the runs finish in the spool under local ids; sync creates them on the server once and delivers everything', async () => {
    const url = server.url;
    await server.close(); // down from the start
    const spoolRoot = join(tmp.dir, 'spool');
    const sleeps: number[] = [];
    const reports: SpoolReport[] = [];
    const summaries: string[] = [];
    const t = new RestTracker(url, {
      backoffMs: 500,
      sleep: async (ms) => void sleeps.push(ms),
      now: () => 1_000_000, // the circuit stays open for the whole run
      spoolUri: spoolRoot,
      onOutage: () => {},
      onSpool: (r) => reports.push(r),
      onSpoolSummary: (rs) => summaries.push(describeSpool(rs)),
    });

    // The sweep's parent, then one child, as executeRuns starts them.
    const parent = await RunLogger.start(t, { experimentName: 'cardiac', runName: 'tau_sweep', tags: { 'ablate.kind': 'sweep' }, startTime: 1_700_000_000_000 });
    expect(sleeps).toEqual([500, 1000, 2000, 4000, 8000]); // the one request that found the server down
    const requests = vi.spyOn(t.client, 'request');
    const child = await parent.startChild({ runName: 'tau_sweep[tau=2]', tags: { 'ablate.specHash': 'h2' }, startTime: 1_700_000_000_100, flushEvery: 1000 });
    await child.logParamsFrom({ train: { lr: 0.01, epochs: 3 } });
    await child.logText('{"name":"tau_sweep[tau=2]"}\n', 'run-ir.json');
    for (let s = 0; s < 30; s++) child.logMetrics({ 'train.loss.total': 1 / (s + 1), 'train.lr': 0.01 }, s, 1_700_000_001_000 + s);
    await child.flush();
    await child.setTags({ 'ablate.parameters': '1234' });
    const modelDir = join(tmp.dir, 'model');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.json'), '{"w":1}');
    await child.logArtifact(modelDir, 'model');
    await child.finish(1_700_000_009_000);
    parent.logMetrics({ 'test.dice.overall': 81.5 }, 0, 1_700_000_009_500);
    await parent.finish(1_700_000_010_000);
    await t.close();

    // Nothing was sent once the server was known to be down, and nothing reached it.
    expect(sleeps).toHaveLength(5);
    expect(requests).not.toHaveBeenCalled();
    expect(await store.getExperimentByName('cardiac')).toBeUndefined();

    // Both runs are in the spool, FINISHED, the child nested under the parent's local id.
    const spool = new FileStoreTracker(spoolRoot);
    const [p, c] = [await spool.getRun(parent.runId), await spool.getRun(child.runId)];
    expect([p.info.status, c.info.status, c.info.endTime]).toEqual(['FINISHED', 'FINISHED', 1_700_000_009_000]);
    expect(c.data.tags['mlflow.parentRunId']).toBe(parent.runId);
    expect([p.data.tags[SPOOL_TAGS.createdInSpool], c.data.tags[SPOOL_TAGS.remoteExperimentName]]).toEqual(['true', 'cardiac']);
    expect((await spool.getMetricHistory(child.runId, 'train.loss.total')).map((m) => m.step)).toEqual([...Array(30).keys()]);
    const childReport = t.spoolReports.find((r) => r.runId === child.runId)!;
    expect([childReport.createdInSpool, childReport.metrics, childReport.params, childReport.tags, childReport.artifacts.sort(), childReport.status]).toEqual([true, 60, 2, 1, ['model/', 'run-ir.json'], 'FINISHED']);
    expect(summaries[0]).toContain(`run ${child.runId} (tau_sweep[tau=2]): 60 metric value(s), 2 param(s), 1 tag(s), 2 artifact(s) and its final status FINISHED [started while the server was down: created on the server, with a new run id, by ablate sync]`);
    expect(summaries[0]).toContain("The server does not know these runs yet until the spool is delivered: run 'ablate sync' when it is back");
    // The command's last line: where the results are, and how they get to the server.
    expect(resultsLocation(t)).toBe(
      `results in the spool ${spoolRoot}, not on ${url} yet (the server was unreachable): run 'ablate sync' when it is back to deliver them (2 run(s) started while it was down get their server run ids then)`,
    );

    // Back up. A first sync delivers the parent (no artifacts) and is cut short for the child after creating it (uploads fail)…
    await restart();
    const serve = server.handler!;
    server.handler = (req) => (req.method === 'PUT' ? { status: 400, body: { error_code: 'BAD_REQUEST', message: 'disk full' } } : serve(req));
    const first = await syncSpool(spoolRoot);
    expect(first.map((o) => ('error' in o ? o.error.message : 'delivered'))).toEqual(['delivered', expect.stringMatching(/disk full/)]);
    // …and, as if it had died before recording it, the spool forgets the child's server id.
    const remoteChildId = (await spool.getRun(child.runId)).data.tags[SPOOL_TAGS.remoteRunId]!;
    expect(remoteChildId).toMatch(/^[0-9a-f]{32}$/);
    await rm(join(spoolRoot, c.info.experimentId, child.runId, 'tags', SPOOL_TAGS.remoteRunId));
    server.handler = serve;

    const second = await syncSpool(spoolRoot);
    expect(second.map((o) => ('delivered' in o ? [o.run.runName, o.delivered.status, o.delivered.removed] : o.error.message))).toEqual([['tau_sweep[tau=2]', 'FINISHED', true]]);
    expect(describeSyncOutcome(second[0]!)).toMatch(new RegExp(`^run ${child.runId} \\(tau_sweep\\[tau=2\\]\\) → ${url}: server run ${remoteChildId}: 0 metric value\\(s\\) sent \\(60 already there\\), 0 param\\(s\\), 0 tag\\(s\\), 2 artifact\\(s\\); status FINISHED; removed from the spool$`));
    expect(await listSpooledRuns(spoolRoot)).toEqual([]);

    // The server: one experiment, exactly two runs (none created twice), nested, FINISHED, every value once.
    const experiment = await store.getExperimentByName('cardiac');
    const runs = await store.searchRuns({ experimentIds: [experiment!.experimentId], runViewType: 'ALL' });
    expect(runs.map((r) => r.info.runName).sort()).toEqual(['tau_sweep', 'tau_sweep[tau=2]']);
    const remoteParent = runs.find((r) => r.info.runName === 'tau_sweep')!;
    const remoteChild = runs.find((r) => r.info.runName === 'tau_sweep[tau=2]')!;
    expect(remoteChild.info.runId).toBe(remoteChildId);
    expect(remoteParent.info.runId).not.toBe(parent.runId); // a new id on the server, mapped by the tag
    expect([remoteParent.data.tags[SPOOL_RUN_ID_TAG], remoteChild.data.tags[SPOOL_RUN_ID_TAG]]).toEqual([parent.runId, child.runId]);
    expect(remoteChild.data.tags['mlflow.parentRunId']).toBe(remoteParent.info.runId);
    expect([remoteParent.info.status, remoteChild.info.status, remoteChild.info.startTime, remoteChild.info.endTime]).toEqual(['FINISHED', 'FINISHED', 1_700_000_000_100, 1_700_000_009_000]);
    for (const key of ['train.loss.total', 'train.lr']) {
      expect((await store.getMetricHistory(remoteChild.info.runId, key)).map((m) => m.step)).toEqual([...Array(30).keys()]);
    }
    expect((await store.getMetricHistory(remoteParent.info.runId, 'test.dice.overall')).map((m) => m.value)).toEqual([81.5]);
    expect(remoteChild.data.params).toEqual({ 'train.lr': '0.01', 'train.epochs': '3' });
    expect(remoteChild.data.tags['ablate.parameters']).toBe('1234');
    expect(Object.keys(remoteChild.data.tags).filter((k) => k.startsWith('ablate.spool.'))).toEqual([]);
    const read = async (path: string) => Buffer.from(await store.readArtifact(remoteChild.info.runId, path)).toString('utf8');
    expect([await read('run-ir.json'), await read('model/model.json')]).toEqual(['{"name":"tau_sweep[tau=2]"}\n', '{"w":1}']);

    // A third sync has nothing left to send.
    expect(await syncSpool(spoolRoot)).toEqual([]);
  });
});
