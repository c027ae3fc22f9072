/**
 * A stand-in MLflow tracking server for tests: the REST endpoints the client uses, answered
 * from a FileStoreTracker, with MLflow's wire shapes (as in the rest/ recordings) and error
 * statuses. It lets one behavioural suite run against the FileStore directly and through REST.
 */
import type { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { decodeMetricValue, encodeMetricValue, type KeyValue, type WireMetric } from '../../runtime/tracking/mlflow-rest.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import type { Experiment, Run, RunViewType, TerminalStatus } from '../../runtime/tracking/tracker.ts';
import type { Answer, Received, TestServer } from './mlflow-test-server.ts';

const STATUS_OF_CODE: Record<string, number> = { RESOURCE_DOES_NOT_EXIST: 404, INVALID_PARAMETER_VALUE: 400, RESOURCE_ALREADY_EXISTS: 400 };

const kv = (o: Record<string, string>): KeyValue[] => Object.entries(o).map(([key, value]) => ({ key, value }));
const obj = (kvs: KeyValue[] | undefined): Record<string, string> => Object.fromEntries((kvs ?? []).map((x) => [x.key, x.value]));

function wireExperiment(e: Experiment): object {
  const tags = kv(e.tags);
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: `mlflow-artifacts:/${e.experimentId}`,
    lifecycle_stage: e.lifecycleStage,
    ...(e.lastUpdateTime !== null ? { last_update_time: e.lastUpdateTime } : {}),
    ...(e.creationTime !== null ? { creation_time: e.creationTime } : {}),
    ...(tags.length > 0 ? { tags } : {}),
  };
}

function wireRunInfo(r: Run['info']): object {
  return {
    run_uuid: r.runId,
    experiment_id: r.experimentId,
    run_name: r.runName,
    user_id: r.userId,
    status: r.status,
    start_time: r.startTime,
    ...(r.endTime !== null ? { end_time: r.endTime } : {}),
    artifact_uri: `mlflow-artifacts:/${r.experimentId}/${r.runId}/artifacts`,
    lifecycle_stage: r.lifecycleStage,
    run_id: r.runId,
  };
}

function wireRun(r: Run): object {
  const data: Record<string, unknown> = {};
  if (r.data.metrics.length > 0) data['metrics'] = r.data.metrics.map((m) => ({ ...m, value: encodeMetricValue(m.value) }));
  if (Object.keys(r.data.params).length > 0) data['params'] = kv(r.data.params);
  if (Object.keys(r.data.tags).length > 0) data['tags'] = kv(r.data.tags);
  return { info: wireRunInfo(r.info), data };
}

/** Answer REST requests from `store`; `pageSize` caps search pages to exercise the client's paging. */
export function serveFileStore(server: TestServer, store: FileStoreTracker, pageSize = 1000): void {
  const ok = (body: unknown): Answer => ({ status: 200, body });
  const route = async (req: Received): Promise<Answer> => {
    const b = (req.body ?? {}) as Record<string, any>;
    const q = req.query;
    const artifactPrefix = '/api/2.0/mlflow-artifacts/artifacts/';
    if (req.path.startsWith(artifactPrefix)) {
      const [, runId, , ...rest] = req.path.slice(artifactPrefix.length).split('/');
      if (req.method === 'PUT') {
        await store.logText(runId!, String(req.body ?? ''), rest.join('/'));
        return ok({});
      }
      const bytes = await store.readArtifact(runId!, rest.join('/'));
      return { status: 200, body: Buffer.from(bytes).toString('utf8'), headers: { 'content-type': 'text/plain' } };
    }
    switch (`${req.method} ${req.path.replace('/api/2.0/mlflow/', '')}`) {
      case 'GET experiments/get-by-name': {
        const e = await store.getExperimentByName(q['experiment_name']!);
        if (!e) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${q['experiment_name']}'`);
        return ok({ experiment: wireExperiment(e) });
      }
      case 'GET experiments/get':
        return ok({ experiment: wireExperiment(await store.getExperiment(q['experiment_id']!)) });
      case 'POST experiments/create':
        return ok({ experiment_id: (await store.createExperiment(b['name'], obj(b['tags']))).experimentId });
      case 'POST experiments/search': {
        const all = await store.listExperiments((b['view_type'] ?? 'ACTIVE_ONLY') as RunViewType);
        const from = Number(b['page_token'] ?? 0);
        const size = Math.min(b['max_results'] ?? 1000, pageSize);
        const page = all.slice(from, from + size);
        return ok({ experiments: page.map(wireExperiment), ...(from + size < all.length ? { next_page_token: String(from + size) } : {}) });
      }
      case 'POST runs/create': {
        const info = await store.createRun({ experimentId: b['experiment_id'], userId: b['user_id'], ...(b['run_name'] !== undefined ? { runName: b['run_name'] } : {}), startTime: b['start_time'], tags: obj(b['tags']) });
        return ok({ run: wireRun(await store.getRun(info.runId)) });
      }
      case 'POST runs/update': {
        const info = await store.updateRun(b['run_id'], { ...(b['status'] ? { status: b['status'] as TerminalStatus } : {}), ...(b['end_time'] !== undefined ? { endTime: b['end_time'] } : {}), ...(b['run_name'] !== undefined ? { runName: b['run_name'] } : {}) });
        return ok({ run_info: wireRunInfo(info) });
      }
      case 'GET runs/get':
        return ok({ run: wireRun(await store.getRun(q['run_id']!)) });
      case 'POST runs/search': {
        const all = await store.searchRuns({ experimentIds: b['experiment_ids'], filter: b['filter'], runViewType: b['run_view_type'], orderBy: b['order_by'] });
        const from = Number(b['page_token'] ?? 0);
        const size = Math.min(b['max_results'] ?? 1000, pageSize);
        const page = all.slice(from, from + size);
        return ok({ ...(page.length > 0 ? { runs: page.map(wireRun) } : {}), ...(from + size < all.length ? { next_page_token: String(from + size) } : {}) });
      }
      case 'POST runs/delete':
        await store.deleteRun(b['run_id']);
        return ok({});
      case 'POST runs/log-batch':
        // Like the recorded (SQL-backed) server: a changed param is a 400 INVALID_PARAMETER_VALUE.
        if ((b['params'] ?? []).length > 0) await store.logParams(b['run_id'], obj(b['params']));
        await store.logBatch(b['run_id'], {
          metrics: ((b['metrics'] ?? []) as WireMetric[]).map((m) => ({ key: m.key, value: decodeMetricValue(m.value), timestamp: m.timestamp, step: m.step })),
          tags: b['tags'] ?? [],
        });
        return ok({});
      case 'POST runs/set-tag':
        await store.setTags(b['run_id'], { [b['key']]: b['value'] });
        return ok({});
      case 'GET metrics/get-history':
        return ok({ metrics: (await store.getMetricHistory(q['run_id']!, q['metric_key']!)).map((m) => ({ ...m, value: encodeMetricValue(m.value) })) });
      case 'GET artifacts/list': {
        const files = await store.listArtifacts(q['run_id']!, q['path']);
        return ok({ root_uri: 'mlflow-artifacts:/x', files: files.map((f) => ({ path: f.path, is_dir: f.isDir, ...(f.fileSize !== null ? { file_size: f.fileSize } : {}) })) });
      }
      default:
        return { status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND', message: `${req.method} ${req.path}` } };
    }
  };
  server.handler = async (req) => {
    try {
      return await route(req);
    } catch (e) {
      if (e instanceof TrackingError) return { status: STATUS_OF_CODE[e.code] ?? 500, body: { error_code: e.code, message: e.message } };
      return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: String(e) } };
    }
  };
}
