/**
 * A tracking server that goes down in the middle of a run and stays down until the run ends:
 * the run finishes, what the server did not get waits in the spool with the run's final
 * status, no request backs off again once the server is known to be down, and a sync after
 * the server is back delivers every metric step, param, tag and artifact once — also when a
 * first sync is cut short.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RestTracker, describeSpool, type SpoolReport } from '../../runtime/tracking/rest-tracker.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { listSpooledRuns, syncSpool } from '../../runtime/tracking/spool-delivery.ts';
import { serveFileStore } from './filestore-backed-server.ts';
import { tempDir } from './fixture-store.ts';
import { startTestServer, type TestServer } from './mlflow-test-server.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let server: TestServer;
let store: FileStoreTracker;
beforeEach(async () => {
  tmp = await tempDir();
  server = await startTestServer();
  store = new FileStoreTracker(join(tmp.dir, 'server-store'), { onWarning: () => {} });
  serveFileStore(server, store);
});
afterEach(async () => {
  await server.close();
  await tmp.cleanup();
});

async function restart(): Promise<void> {
  server = await startTestServer([], Number(new URL(server.url).port));
  serveFileStore(server, store);
}

const steps = async (logger: RunLogger, from: number, to: number) => {
  for (let s = from; s < to; s++) logger.logMetrics({ 'train.loss.total': 1 / (s + 1), 'train.lr': 0.01 }, s, 1_700_000_000_000 + s);
  await logger.flush();
};

function tracker(spoolRoot: string, extra: { sleeps: number[]; reports: SpoolReport[]; summaries: string[]; clock: { t: number } }): RestTracker {
  return new RestTracker(server.url, {
    backoffMs: 500, // the defaults: 5 retries, 500 ms doubling (15.5 s of waiting per request)
    sleep: async (ms) => void extra.sleeps.push(ms),
    now: () => extra.clock.t,
    spoolUri: spoolRoot,
    onOutage: () => {},
    onSpool: (r) => extra.reports.push(r),
    onSpoolSummary: (rs) => extra.summaries.push(describeSpool(rs)),
  });
}

describe('the server stays down until the run ends', () => {
  it('the run finishes, the spool holds the rest with the status, and sync delivers each value once', async () => {
    const spoolRoot = join(tmp.dir, 'spool');
    const seen = { sleeps: [] as number[], reports: [] as SpoolReport[], summaries: [] as string[], clock: { t: 1_000_000 } };
    const t = tracker(spoolRoot, seen);
    const logger = await RunLogger.start(t, { experimentName: 'cardiac', runName: 'ours', tags: { 'ablate.specHash': 'h' }, flushEvery: 1000 });
    await logger.logParamsFrom({ train: { lr: 0.01, epochs: 3 } });
    await logger.logText('{"name":"ours"}\n', 'run-ir.json');
    await steps(logger, 0, 10);

    await server.close(); // down from here to the end of the run
    await steps(logger, 10, 20); // the first failure: one backoff sequence, then the circuit opens
    expect(seen.sleeps).toEqual([500, 1000, 2000, 4000, 8000]);
    const requests = vi.spyOn(t.client, 'request');
    await steps(logger, 20, 30);
    await logger.setTags({ 'ablate.parameters': '1234' });
    await logger.logParams({ 'late.param': 'x' });
    await logger.logText('<svg/>', 'plots/losses.svg');
    const modelDir = join(tmp.dir, 'model');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.json'), '{"w":1}');
    await writeFile(join(modelDir, 'weights.txt'), '0.5');
    await logger.logArtifact(modelDir, 'model');
    await logger.finish(1_700_000_009_000); // no throw: the run finishes
    await t.close();
    // No request waited again once the server was known to be down: no further backoff, no tries.
    expect(seen.sleeps).toHaveLength(5);
    expect(requests).not.toHaveBeenCalled();
    expect(seen.reports.every((r) => /runs\/log-batch failed after 6 attempt\(s\)/.test(r.reason))).toBe(true); // the failure that opened the circuit

    // The server has the part before the outage and still says RUNNING; the spool has the rest and FINISHED.
    const remoteBefore = await store.getRun(logger.runId);
    expect(remoteBefore.info.status).toBe('RUNNING');
    expect((await store.getMetricHistory(logger.runId, 'train.loss.total')).map((m) => m.step)).toEqual([...Array(10).keys()]);
    const spool = new FileStoreTracker(spoolRoot);
    const spooled = await spool.getRun(logger.runId);
    expect([spooled.info.status, spooled.info.endTime, spooled.info.runName]).toEqual(['FINISHED', 1_700_000_009_000, 'ours']);
    expect((await spool.getMetricHistory(logger.runId, 'train.loss.total')).map((m) => m.step)).toEqual([...Array(20).keys()].map((s) => s + 10));
    expect(spooled.data.params).toEqual({ 'late.param': 'x' });
    expect(spooled.data.tags['ablate.parameters']).toBe('1234');
    const summary = t.spoolReports[0]!;
    expect([summary.metrics, summary.params, summary.tags, summary.artifacts.sort(), summary.status]).toEqual([40, 1, 1, ['model/', 'plots/losses.svg'], 'FINISHED']);
    expect(seen.summaries[0]).toContain(`kept in the spool ${spoolRoot}`);
    expect(seen.summaries[0]).toContain("run 'ablate sync' when it is back");
    expect(seen.summaries[0]).toContain(`run ${logger.runId} (ours): 40 metric value(s), 1 param(s), 1 tag(s), 2 artifact(s) and its final status FINISHED`);

    // Back up; a first sync is cut short (artifact uploads fail) after the metrics went through.
    await restart();
    const serve = server.handler!;
    server.handler = (req) => (req.method === 'PUT' ? { status: 400, body: { error_code: 'BAD_REQUEST', message: 'disk full' } } : serve(req));
    const first = await syncSpool(spoolRoot);
    expect(first).toHaveLength(1);
    expect('error' in first[0]! && first[0].error.message).toMatch(/disk full/);
    expect(await listSpooledRuns(spoolRoot)).toHaveLength(1); // kept
    expect((await store.getRun(logger.runId)).info.status).toBe('RUNNING'); // status still last

    server.handler = serve;
    const second = await syncSpool(spoolRoot);
    expect(second).toHaveLength(1);
    const delivered = 'delivered' in second[0]! ? second[0].delivered : undefined;
    expect(delivered).toMatchObject({ metricsSent: 0, metricsAlreadyThere: 40, status: 'FINISHED', removed: true });

    const remote = await store.getRun(logger.runId);
    expect([remote.info.status, remote.info.endTime]).toEqual(['FINISHED', 1_700_000_009_000]);
    for (const key of ['train.loss.total', 'train.lr']) {
      expect((await store.getMetricHistory(logger.runId, key)).map((m) => m.step)).toEqual([...Array(30).keys()]);
    }
    expect(remote.data.params).toMatchObject({ 'train.lr': '0.01', 'train.epochs': '3', 'late.param': 'x' });
    expect(remote.data.tags['ablate.parameters']).toBe('1234');
    expect(Object.keys(remote.data.tags).filter((k) => k.startsWith('ablate.spool'))).toEqual([]);
    const read = async (p: string) => Buffer.from(await store.readArtifact(logger.runId, p)).toString('utf8');
    expect([await read('plots/losses.svg'), await read('model/model.json'), await read('model/weights.txt'), await read('run-ir.json')]).toEqual(['<svg/>', '{"w":1}', '0.5', '{"name":"ours"}\n']);
    expect(await listSpooledRuns(spoolRoot)).toEqual([]);
    expect(await syncSpool(spoolRoot)).toEqual([]); // nothing left: a third sync sends nothing
  });

  it('when the server is back before the run ends, finish delivers the spool before the status', async () => {
    const spoolRoot = join(tmp.dir, 'spool');
    const seen = { sleeps: [] as number[], reports: [] as SpoolReport[], summaries: [] as string[], clock: { t: 0 } };
    const t = tracker(spoolRoot, seen);
    const logger = await RunLogger.start(t, { experimentName: 'cardiac', runName: 'r', flushEvery: 1000 });
    await steps(logger, 0, 3);
    await server.close();
    await steps(logger, 3, 6);
    await logger.logText('x', 'notes.txt');
    await restart();
    seen.clock.t += 30_000; // the circuit lets one try through
    await steps(logger, 6, 9);
    await logger.finish();
    await t.close();
    expect((await store.getMetricHistory(logger.runId, 'train.loss.total')).map((m) => m.step).sort((a, b) => a - b)).toEqual([...Array(9).keys()]);
    expect((await store.getRun(logger.runId)).info.status).toBe('FINISHED');
    expect(Buffer.from(await store.readArtifact(logger.runId, 'notes.txt')).toString()).toBe('x');
    expect(await listSpooledRuns(spoolRoot)).toEqual([]);
    expect(seen.summaries).toEqual([]);
  });

  it('the next tracker for this server delivers its spool first (what `ablate run` does at start)', async () => {
    const spoolRoot = join(tmp.dir, 'spool');
    const seen = { sleeps: [] as number[], reports: [] as SpoolReport[], summaries: [] as string[], clock: { t: 0 } };
    const first = tracker(spoolRoot, seen);
    const logger = await RunLogger.start(first, { experimentName: 'cardiac', runName: 'r', flushEvery: 1000 });
    await server.close();
    await steps(logger, 0, 4);
    await logger.kill(); // Ctrl-C while the server was down: KILLED waits in the spool
    await restart();
    const next = tracker(spoolRoot, { ...seen, clock: { t: 0 } });
    const outcomes = await next.deliverSpool();
    expect(outcomes.map((o) => ('delivered' in o ? [o.delivered.metricsSent, o.delivered.status] : o.error.message))).toEqual([[8, 'KILLED']]);
    expect((await store.getRun(logger.runId)).info.status).toBe('KILLED'); // so that the run resumes it
    expect(await next.deliverSpool()).toEqual([]);
    const other = new RestTracker('http://127.0.0.1:9', { spoolUri: spoolRoot });
    expect(await other.deliverSpool()).toEqual([]); // another server's spool is not touched
  });

  it('REST refuses artifact paths that leave the run folder, like the FileStore', async () => {
    const t = new RestTracker(server.url, { maxRetries: 0, spoolUri: join(tmp.dir, 'spool'), onSpool: () => { throw new Error('no spool expected'); } });
    const logger = await RunLogger.start(t, { experimentName: 'x' });
    for (const p of ['../../escape.txt', '/abs.txt', 'a/../../b.txt']) {
      await expect(logger.logText('x', p)).rejects.toThrow(`Invalid artifact path '${p}': it leaves the run's artifact folder`);
      await expect(logger.logArtifact(join(tmp.dir), p)).rejects.toThrow(/leaves the run's artifact folder/);
    }
    expect(server.received.filter((r) => r.method === 'PUT')).toEqual([]);
  });
});
