/**
 * The REST client over real HTTP against a local server that answers with the exchanges
 * recorded from MLflow 2.2.2 (fixtures/mlflow-2.2.2/rest/). A request that differs from the
 * recording in method, path, query or body gets no answer but a 418, so every call below
 * also checks what the client sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowRestClient, encodeMetricValue } from '../../runtime/tracking/mlflow-rest.ts';
import { RestTracker } from '../../runtime/tracking/rest-tracker.ts';
import { MlflowRestError } from '../../runtime/tracking/tracking-error.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { loadExchanges, startTestServer, type Exchange, type TestServer } from './mlflow-test-server.ts';

let server: TestServer;
let exchanges: Exchange[];
let client: MlflowRestClient;
let tracker: RestTracker;
const RUN_A = '6ac0b4a835c74269a3ee6b0b8e85b4c8';
const RUN_B = '5a841d7f2a3d446f8b688ea2c8815fb5';
const RUN_C = '40b9d602809e45e78b7c2546be329c3b';
const UNKNOWN = '0123456789abcdef0123456789abcdef';

const ex = (name: string): Exchange => exchanges.find((e) => e.name === name)!;

async function restError(p: Promise<unknown>): Promise<MlflowRestError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(MlflowRestError);
  return e as MlflowRestError;
}

beforeAll(async () => {
  exchanges = await loadExchanges();
  server = await startTestServer(exchanges);
  const options = { maxRetries: 0, spoolUri: '/nonexistent-should-not-be-used', onOutage: () => {}, onSpool: () => {} };
  client = new MlflowRestClient(server.url, options);
  tracker = createTracker(server.url, { rest: options }) as RestTracker;
});
afterAll(async () => server.close());

describe('MLflow REST client against recorded MLflow 2.2.2 exchanges', () => {
  it('health and version', async () => {
    expect(await client.health()).toBe('OK');
    expect(await client.version()).toBe('2.2.2');
  });

  it('experiments: create, get-by-name (found and 404), get, search', async () => {
    expect(await client.createExperiment('rest-fixture-exp', [{ key: 'team', value: 'ml-platform' }])).toBe('1');
    const byName = await tracker.getExperimentByName('rest-fixture-exp');
    expect(byName).toEqual({
      experimentId: '1',
      name: 'rest-fixture-exp',
      artifactLocation: 'mlflow-artifacts:/1',
      lifecycleStage: 'active',
      creationTime: 1795626565429,
      lastUpdateTime: 1795626565429,
      tags: { team: 'ml-platform' },
    });
    expect(await tracker.getOrCreateExperiment('rest-fixture-exp')).toEqual(byName);
    expect(await tracker.getExperiment('1')).toEqual(byName);

    const e = await restError(client.getExperimentByName('no-such-experiment'));
    expect([e.status, e.errorCode, e.serverMessage]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST', "Could not find experiment with name 'no-such-experiment'"]);
    expect(await tracker.getExperimentByName('no-such-experiment')).toBeUndefined();

    const search = await tracker.listExperiments();
    expect(search.map((x) => [x.experimentId, x.name, x.tags])).toEqual([['1', 'rest-fixture-exp', { team: 'ml-platform' }], ['0', 'Default', {}]]);
  });

  it('runs: create (with user and tags), log-batch with NaN, update, get', async () => {
    const info = await tracker.createRun({
      experimentId: '1',
      runName: 'run-a',
      startTime: 1700000000000,
      userId: 'fixture-user',
      tags: { 'mlflow.source.name': 'train.py', 'mlflow.source.type': 'LOCAL', stage: 'dev' },
    });
    expect(info).toEqual({
      runId: RUN_A,
      runName: 'run-a',
      experimentId: '1',
      userId: 'fixture-user',
      status: 'RUNNING',
      startTime: 1700000000000,
      endTime: null,
      artifactUri: `mlflow-artifacts:/1/${RUN_A}/artifacts`,
      lifecycleStage: 'active',
    });
    await client.logBatch({
      run_id: RUN_A,
      metrics: [
        { key: 'loss', value: encodeMetricValue(1), timestamp: 1700000001000, step: 0 },
        { key: 'loss', value: encodeMetricValue(0.5), timestamp: 1700000002000, step: 1 },
        { key: 'loss', value: encodeMetricValue(0.25), timestamp: 1700000003000, step: 2 },
        { key: 'eval/acc', value: encodeMetricValue(0.75), timestamp: 1700000003000, step: 2 },
        { key: 'grad_norm', value: encodeMetricValue(NaN), timestamp: 1700000003000, step: 2 },
      ],
      params: [
        { key: 'lr', value: '0.01' },
        { key: 'optimizer/name', value: 'adam' },
        { key: 'loss.icr.tau', value: '0.07' },
      ],
      tags: [{ key: 'note', value: 'logged via log-batch' }],
    });
    const sent = server.received.at(-1)!.body as { metrics: Array<{ value: unknown }> };
    expect(sent.metrics.map((m) => m.value)).toEqual([1, 0.5, 0.25, 0.75, 'NaN']);

    await tracker.setTerminated(RUN_A, 'FINISHED', 1700000060000);
    expect(server.received.at(-1)!.body).toEqual({ run_id: RUN_A, status: 'FINISHED', end_time: 1700000060000 });

    const run = await tracker.getRun(RUN_A);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.endTime).toBe(1700000060000);
    expect(run.data.params).toEqual({ lr: '0.01', 'loss.icr.tau': '0.07', 'optimizer/name': 'adam' });
    expect(run.data.metrics.map((m) => [m.key, m.value, m.step])).toEqual([['eval/acc', 0.75, 2], ['grad_norm', NaN, 2], ['loss', 0.25, 2]]);
    expect(run.data.tags).toEqual({
      'mlflow.runName': 'run-a',
      'mlflow.source.name': 'train.py',
      'mlflow.source.type': 'LOCAL',
      'mlflow.user': 'fixture-user',
      note: 'logged via log-batch',
      stage: 'dev',
    });
  });

  it('error: too many metrics in one request → 400 INVALID_PARAMETER_VALUE', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1700000000000, step: i }));
    const e = await restError(client.logBatch({ run_id: RUN_A, metrics }));
    expect([e.status, e.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(e.serverMessage).toBe('A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.');
  });

  it('error: param value over 500 characters → 400', async () => {
    const e = await restError(client.logBatch({ run_id: RUN_A, params: [{ key: 'p501', value: 'x'.repeat(501) }] }));
    expect([e.status, e.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(e.serverMessage).toBe(`Param value '${'x'.repeat(250)}' had length 501, which exceeded length limit of 500`);
    // The tracker refuses it before sending.
    const before = server.received.length;
    await expect(tracker.logParams(RUN_A, { p501: 'x'.repeat(501) })).rejects.toThrow(/exceeded length limit of 500/);
    expect(server.received.length).toBe(before);
  });

  it('error: changing a logged param → 400 with the server message', async () => {
    const e = await restError(tracker.logParams(RUN_A, { lr: '0.02' }));
    expect([e.status, e.errorCode]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    expect(e.serverMessage).toBe(`Changing param values is not allowed. Params were already logged='[{'key': 'lr', 'old_value': '0.01', 'new_value': '0.02'}]' for run ID='${RUN_A}'.`);
    expect(e.message).toContain('POST /api/2.0/mlflow/runs/log-batch → 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed.');
  });

  it('error: unknown run → 404 RESOURCE_DOES_NOT_EXIST, without retrying', async () => {
    const before = server.received.length;
    const e = await restError(new RestTracker(server.url, { maxRetries: 3, backoffMs: 1 }).getRun(UNKNOWN));
    expect([e.status, e.errorCode, e.serverMessage]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${UNKNOWN} not found`]);
    expect(server.received.length - before).toBe(1);
  });

  it('search with filter and order_by, metric history, set-tag', async () => {
    const b = await client.createRun({ experiment_id: '1', user_id: 'fixture-user', run_name: 'run-b', start_time: 1700000100000, tags: [{ key: 'mlflow.user', value: 'fixture-user' }, { key: 'mlflow.source.name', value: 'train.py' }, { key: 'mlflow.source.type', value: 'LOCAL' }] });
    expect(b.info.run_id).toBe(RUN_B);
    await client.logBatch({ run_id: RUN_B, metrics: [{ key: 'loss', value: 0.9, timestamp: 1700000101000, step: 0 }], params: [{ key: 'lr', value: '0.01' }] });
    const c = await client.createRun({ experiment_id: '1', user_id: 'fixture-user', run_name: 'run-c', start_time: 1700000200000, tags: [{ key: 'mlflow.user', value: 'fixture-user' }, { key: 'mlflow.source.name', value: 'train.py' }, { key: 'mlflow.source.type', value: 'LOCAL' }] });
    expect(c.info.run_id).toBe(RUN_C);
    await client.logBatch({ run_id: RUN_C, metrics: [{ key: 'loss', value: 0.1, timestamp: 1700000201000, step: 0 }], params: [{ key: 'lr', value: '0.1' }] });

    const runs = await tracker.searchRuns({ experimentIds: ['1'], filter: "params.lr = '0.01'", orderBy: ['metrics.loss DESC'], maxResults: 100 });
    expect(runs.map((r) => [r.info.runName, r.info.status, r.info.endTime])).toEqual([['run-b', 'RUNNING', null], ['run-a', 'FINISHED', 1700000060000]]);

    expect(await tracker.getMetricHistory(RUN_A, 'loss')).toEqual([
      { key: 'loss', value: 1, timestamp: 1700000001000, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 1700000002000, step: 1 },
      { key: 'loss', value: 0.25, timestamp: 1700000003000, step: 2 },
    ]);
    await client.setTag(RUN_A, 'reviewed', 'yes');
  });

  it('artifacts: upload through the proxy, list both ways, download', async () => {
    const content = '{\n  "lr": 0.01,\n  "layers": [64, 32]\n}\n';
    await tracker.logText(RUN_A, content, 'dir/config.json');
    const put = server.received.at(-1)!;
    expect([put.method, put.path, put.contentType, put.body]).toEqual(['PUT', `/api/2.0/mlflow-artifacts/artifacts/1/${RUN_A}/artifacts/dir/config.json`, 'application/json', content]);

    expect(await client.listProxyArtifacts(`1/${RUN_A}/artifacts/dir`)).toEqual([{ path: 'config.json', is_dir: false, file_size: 39 }]);
    expect(await tracker.listArtifacts(RUN_A)).toEqual([{ path: 'dir', isDir: true, fileSize: null }]);
    expect(await tracker.listArtifacts(RUN_A, 'dir')).toEqual([{ path: 'dir/config.json', isDir: false, fileSize: 39 }]);
    expect(Buffer.from(await tracker.readArtifact(RUN_A, 'dir/config.json')).toString('utf8')).toBe(content);
  });

  it('create without user_id, delete, and get of a deleted run', async () => {
    const r = await client.createRun({ experiment_id: '1', start_time: 1700000300000, tags: [{ key: 'mlflow.user', value: 'fixture-user' }] });
    expect([r.info.user_id, r.info.run_name]).toEqual(['', 'redolent-moth-946']);
    await tracker.deleteRun(RUN_C);
    const deleted = await tracker.getRun(RUN_C);
    expect([deleted.info.lifecycleStage, deleted.info.status]).toEqual(['deleted', 'RUNNING']);
  });

  it('replayed every recorded exchange', () => {
    expect([...server.replayed].sort()).toEqual(exchanges.map((e) => e.name).sort());
  });
});
