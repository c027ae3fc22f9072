/**
 * The REST tracker when requests are too big or the server misbehaves: log-batch chunking to
 * MLflow's limits, retries with backoff on 5xx and connection errors (never on 4xx), metric
 * buffering through an outage, and the local FileStore fallback when the server stays away.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { MlflowRestClient, splitBatch } from '../../runtime/tracking/mlflow-rest.ts';
import { RestTracker, type SpoolReport, type OutageEvent } from '../../runtime/tracking/rest-tracker.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { MlflowRestError, MlflowUnreachableError } from '../../runtime/tracking/tracking-error.ts';
import { tempDir } from './fixture-store.ts';
import { startTestServer, type Received, type TestServer } from './mlflow-test-server.ts';

interface Batch {
  run_id: string;
  metrics?: Array<{ key: string; value: number | string; timestamp: number; step: number }>;
  params?: Array<{ key: string; value: string }>;
  tags?: Array<{ key: string; value: string }>;
}

/**
 * A minimal MLflow server kept in memory: enough for create/log/update/history, with
 * log-batch limits checked as MLflow 2.2.2 checks them (wording from rest/10).
 */
function memoryMlflow(server: TestServer): { batches: Batch[]; history: Map<string, number[]>; status: Map<string, string>; mode: { down: boolean; failNext: number } } {
  const batches: Batch[] = [];
  const history = new Map<string, number[]>();
  const status = new Map<string, string>();
  const mode = { down: false, failNext: 0 };
  let runs = 0;
  server.handler = (req: Received) => {
    if (mode.down) return { status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } };
    if (mode.failNext > 0) {
      mode.failNext--;
      return { status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } };
    }
    const body = req.body as Record<string, unknown>;
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/2.0/mlflow/experiments/get-by-name':
        return { status: 200, body: { experiment: { experiment_id: '7', name: req.query['experiment_name'], artifact_location: 'mlflow-artifacts:/7', lifecycle_stage: 'active' } } };
      case 'POST /api/2.0/mlflow/runs/create': {
        const id = `${String(++runs).padStart(32, '0')}`;
        status.set(id, 'RUNNING');
        return { status: 200, body: { run: { info: { run_id: id, run_uuid: id, experiment_id: body['experiment_id'], run_name: body['run_name'], user_id: body['user_id'], status: 'RUNNING', start_time: body['start_time'], artifact_uri: `mlflow-artifacts:/7/${id}/artifacts`, lifecycle_stage: 'active' }, data: {} } } };
      }
      case 'POST /api/2.0/mlflow/runs/log-batch': {
        const b = body as unknown as Batch;
        const [m, p, t] = [b.metrics?.length ?? 0, b.params?.length ?? 0, b.tags?.length ?? 0];
        const over = (n: number, max: number, what: string) => ({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.` } });
        if (m > 1000) return over(m, 1000, 'metrics');
        if (p > 100) return over(p, 100, 'params');
        if (t > 100) return over(t, 100, 'tags');
        if (m + p + t > 1000) return over(m + p + t, 1000, 'metrics, params, and tags');
        batches.push(b);
        for (const x of b.metrics ?? []) history.set(x.key, [...(history.get(x.key) ?? []), x.step]);
        return { status: 200, body: {} };
      }
      case 'POST /api/2.0/mlflow/runs/update':
        status.set(String(body['run_id']), String(body['status']));
        return { status: 200, body: { run_info: { run_id: body['run_id'], experiment_id: '7', status: body['status'], end_time: body['end_time'], artifact_uri: '', lifecycle_stage: 'active' } } };
      default:
        return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: `${req.method} ${req.path}` } };
    }
  };
  return { batches, history, status, mode };
}

let server: TestServer;
let tmp: { dir: string; cleanup: () => Promise<void> };
let sleeps: number[];
let outages: OutageEvent[];
let fallbacks: SpoolReport[];

function newTracker(extra: Partial<ConstructorParameters<typeof RestTracker>[1]> = {}): RestTracker {
  return new RestTracker(server.url, {
    maxRetries: 2,
    backoffMs: 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    spoolUri: join(tmp.dir, 'spool'),
    onOutage: (e) => outages.push(e),
    onSpool: (r) => fallbacks.push(r),
    onSpoolSummary: () => {},
    probeIntervalMs: 0,
    ...extra,
  });
}

beforeEach(async () => {
  server = await startTestServer();
  tmp = await tempDir();
  sleeps = [];
  outages = [];
  fallbacks = [];
});
afterEach(async () => {
  await server.close();
  await tmp.cleanup();
});

const metrics = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ key: i % 2 === 0 ? 'loss' : 'dice/ct', value: (from + i) / 8, timestamp: 1700000000000 + from + i, step: from + i }));

describe('log-batch chunking', () => {
  it('sends 2500 metrics as 1000 + 1000 + 500, in order', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker();
    const run = await t.createRun({ experimentId: '7', runName: 'big', startTime: 1 });
    const sent = metrics(2500);
    await t.logMetrics(run.runId, sent);
    expect(mem.batches.map((b) => b.metrics?.length ?? 0)).toEqual([1000, 1000, 500]);
    expect(mem.batches.flatMap((b) => b.metrics!)).toEqual(sent);
  });

  it('sends 250 params as 100 + 100 + 50 and keeps every request within all limits', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker();
    const run = await t.createRun({ experimentId: '7', runName: 'p', startTime: 1 });
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]));
    await t.logParams(run.runId, params);
    expect(mem.batches.map((b) => b.params!.length)).toEqual([100, 100, 50]);

    const m = metrics(1950).map((x) => ({ ...x, value: x.value as number | string }));
    const p = Array.from({ length: 150 }, (_, i) => ({ key: `q${i}`, value: 'v' }));
    const tg = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    const parts = splitBatch(m, p, tg);
    for (const part of parts) {
      expect(part.metrics.length).toBeLessThanOrEqual(1000);
      expect(part.params.length).toBeLessThanOrEqual(100);
      expect(part.tags.length).toBeLessThanOrEqual(100);
      expect(part.metrics.length + part.params.length + part.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(parts.flatMap((x) => x.metrics)).toEqual(m);
    expect(parts.flatMap((x) => x.params)).toEqual(p);
    expect(parts.flatMap((x) => x.tags)).toEqual(tg);
    // 2220 entries need at least 3 requests; greedy filling uses exactly 3.
    expect(parts).toHaveLength(3);
  });

  it('the server (and MLflow) rejects an unsplit 1001-metric request with a typed 400', async () => {
    memoryMlflow(server);
    const e = await new MlflowRestClient(server.url, { maxRetries: 0 })
      .logBatch({ run_id: 'r', metrics: metrics(1001) })
      .then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowRestError);
    expect([(e as MlflowRestError).status, (e as MlflowRestError).errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
  });
});

describe('retries', () => {
  it('retries a 503 with exponential backoff, then succeeds', async () => {
    const mem = memoryMlflow(server);
    const client = new MlflowRestClient(server.url, { maxRetries: 4, backoffMs: 10, sleep: async (ms) => void sleeps.push(ms) });
    mem.mode.failNext = 3;
    const run = await client.createRun({ experiment_id: '7', run_name: 'r', start_time: 1 });
    expect(run.info.status).toBe('RUNNING');
    expect(server.received.filter((r) => r.path.endsWith('/runs/create'))).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it('retries a dropped connection, then succeeds', async () => {
    memoryMlflow(server);
    const inner = server.handler!;
    let drops = 1;
    server.handler = (req) => (drops-- > 0 ? 'drop' : inner(req));
    const client = new MlflowRestClient(server.url, { maxRetries: 2, backoffMs: 1, sleep: async (ms) => void sleeps.push(ms) });
    const exp = await client.getExperimentByName('x');
    expect(exp.experiment_id).toBe('7');
    expect(server.received).toHaveLength(2);
  });

  it('gives up after maxRetries with MlflowUnreachableError; never retries a 4xx', async () => {
    const mem = memoryMlflow(server);
    mem.mode.down = true;
    const client = new MlflowRestClient(server.url, { maxRetries: 2, backoffMs: 1, sleep: async (ms) => void sleeps.push(ms) });
    const e = await client.getExperimentByName('x').then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowUnreachableError);
    expect([(e as MlflowUnreachableError).attempts, (e as MlflowUnreachableError).lastStatus]).toEqual([3, 503]);
    expect(server.received).toHaveLength(3);

    mem.mode.down = false;
    const before = server.received.length;
    const e4 = await client.request('GET', '/api/2.0/mlflow/no-such-endpoint').then(() => undefined, (x: unknown) => x);
    expect([(e4 as MlflowRestError).status, (e4 as MlflowRestError).errorCode]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    expect(server.received.length - before).toBe(1);
  });

  it('reports a refused connection as unreachable', async () => {
    const url = server.url;
    await server.close();
    const e = await new MlflowRestClient(url, { maxRetries: 1, backoffMs: 1, sleep: async () => {} }).health().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowUnreachableError);
    expect((e as MlflowUnreachableError).lastStatus).toBeUndefined();
    server = await startTestServer();
  });
});

describe('a server outage in the middle of a run', () => {
  it('buffers metrics while the server is down and sends them, in order, when it is back', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker();
    const run = await t.createRun({ experimentId: '7', runName: 'r', startTime: 1 });
    const step = (s: number) => [{ key: 'loss', value: 1 / (s + 1), timestamp: 1700000000000 + s, step: s }];
    await t.logMetrics(run.runId, step(0));
    await t.logMetrics(run.runId, step(1));
    mem.mode.down = true;
    await t.logMetrics(run.runId, step(2)); // no throw: buffered
    await t.logMetrics(run.runId, step(3));
    await t.setTags(run.runId, { phase: 'during-outage' });
    expect(t.isDegraded).toBe(true);
    expect(t.pendingMetricCount).toBe(2);
    expect(outages.map((o) => o.kind)).toEqual(['down']);
    expect(mem.history.get('loss')).toEqual([0, 1]);

    mem.mode.down = false;
    await t.logMetrics(run.runId, step(4));
    expect(mem.history.get('loss')).toEqual([0, 1, 2, 3, 4]);
    expect(mem.batches.at(-1)!.tags).toEqual([{ key: 'phase', value: 'during-outage' }]);
    expect(t.pendingMetricCount).toBe(0);
    expect(outages.map((o) => o.kind)).toEqual(['down', 'recovered']);
    await t.setTerminated(run.runId, 'FINISHED', 99);
    expect(mem.status.get(run.runId)).toBe('FINISHED');
    expect(fallbacks).toEqual([]);
  });

  it('keeps what the server never took in the spool, under the same run id, status included, and reports it', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker();
    const exp = await t.getOrCreateExperiment('cardiac');
    const logger = await RunLogger.start(t, { experimentName: 'cardiac', runName: 'ours', tags: { 'ablate.specHash': 'h1' }, startTime: 5, flushEvery: 1000 });
    logger.logMetrics({ loss: 0.9 }, 0, 1700000000000);
    await logger.flush();
    const url = server.url;
    await server.close(); // connection refused from now on
    logger.logMetrics({ loss: 0.5, 'dice/ct': 0.7 }, 1, 1700000001000);
    logger.logMetrics({ loss: 0.25, 'dice/ct': NaN }, 2, 1700000002000);
    await logger.flush();
    expect(t.pendingMetricCount).toBe(4);
    await logger.finish(1700000009000);

    expect(fallbacks).toHaveLength(1);
    const report = fallbacks[0]!;
    expect(report).toMatchObject({ remoteUri: url, runId: logger.runId, runName: 'ours', localRoot: join(tmp.dir, 'spool'), metrics: 4, params: 0, tags: 0, artifacts: [], status: 'FINISHED' });
    expect(report.reason).toMatch(/failed after 1 attempt/); // probeIntervalMs 0: each call is one try
    expect(t.spoolReports).toEqual(fallbacks);

    const local = new FileStoreTracker(report.localRoot);
    const run = await local.getRun(logger.runId);
    expect((await local.getExperiment(run.info.experimentId)).name).toBe(exp.name);
    expect([run.info.runName, run.info.status, run.info.startTime, run.info.endTime]).toEqual(['ours', 'FINISHED', 5, 1700000009000]);
    expect(run.data.tags).toMatchObject({ 'ablate.specHash': 'h1', 'ablate.spool.remoteUri': url, 'ablate.spool.remoteExperimentId': exp.experimentId });
    expect((await local.getMetricHistory(logger.runId, 'loss')).map((m) => [m.step, m.value])).toEqual([[1, 0.5], [2, 0.25]]);
    expect((await local.getMetricHistory(logger.runId, 'dice/ct')).map((m) => [m.step, m.value])).toEqual([[1, 0.7], [2, NaN]]);
    expect(mem.history.get('loss')).toEqual([0]);
    server = await startTestServer();
  });

  it('sends each value exactly once when calls overlap', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker();
    const run = await t.createRun({ experimentId: '7', runName: 'r', startTime: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, s) => t.logMetrics(run.runId, [{ key: 'loss', value: s, timestamp: 1700000000000 + s, step: s }])));
    await Promise.all([t.setTags(run.runId, { phase: 'a' }), t.setTags(run.runId, { phase: 'b' })]);
    await t.flush();
    expect(mem.history.get('loss')).toEqual(Array.from({ length: 20 }, (_, s) => s));
    expect(mem.batches.flatMap((b) => b.tags ?? []).at(-1)).toEqual({ key: 'phase', value: 'b' });
    expect(t.pendingMetricCount).toBe(0);
  });

  it('keeps artifacts in the spool when the server is unreachable', async () => {
    memoryMlflow(server);
    const t = newTracker();
    const run = await t.createRun({ experimentId: '7', runName: 'art', startTime: 1 });
    await server.close();
    await t.logText(run.runId, 'a,b\n1,2\n', 'tables/results.csv');
    expect(fallbacks.map((f) => [f.artifacts, f.metrics])).toEqual([[['tables/results.csv'], 0]]);
    const local = new FileStoreTracker(join(tmp.dir, 'spool'));
    expect(Buffer.from(await local.readArtifact(run.runId, 'tables/results.csv')).toString('utf8')).toBe('a,b\n1,2\n');
    expect((await local.getRun(run.runId)).info.runName).toBe('art');
    server = await startTestServer();
  });

  it('spills early when the buffer outgrows maxBufferedMetrics', async () => {
    const mem = memoryMlflow(server);
    const t = newTracker({ maxBufferedMetrics: 5 });
    const run = await t.createRun({ experimentId: '7', runName: 'r', startTime: 1 });
    mem.mode.down = true;
    await t.logMetrics(run.runId, metrics(4));
    expect(fallbacks).toEqual([]);
    await t.logMetrics(run.runId, metrics(2, 4));
    expect(fallbacks.map((f) => [f.metrics, f.status])).toEqual([[6, undefined]]);
    expect(t.pendingMetricCount).toBe(0);
    const local = new FileStoreTracker(join(tmp.dir, 'spool'));
    expect((await local.getRun(run.runId)).info.status).toBe('RUNNING');
  });
});
