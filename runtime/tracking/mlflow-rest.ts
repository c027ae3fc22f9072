/**
 * A small typed client of the MLflow 2.x tracking server REST API on Node's global `fetch`
 * (the npm `mlflow` package is abandoned and broken on Node 20). Request and response shapes
 * follow the recorded exchanges in fixtures/mlflow-2.2.2/rest/.
 *
 * Failures: an error answer (4xx, or 5xx carrying an MLflow `error_code` after retries) throws
 * MlflowRestError with `errorCode` and `status`; connection errors, timeouts and 5xx without an
 * MLflow error body are retried with exponential backoff and then throw MlflowUnreachableError.
 * 4xx answers are never retried.
 */
import {
  MAX_ENTRIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_PER_BATCH,
  MAX_REQUEST_BYTES,
  MAX_TAGS_PER_BATCH,
} from './mlflow-limits.ts';
import { MlflowRestError, MlflowUnreachableError, TrackingError } from './tracking-error.ts';

export interface KeyValue {
  key: string;
  value: string;
}

/** A metric on the wire: NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity". */
export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time?: number;
  creation_time?: number;
  tags?: KeyValue[];
}

export interface WireRunInfo {
  run_id: string;
  run_uuid?: string;
  experiment_id: string;
  run_name?: string;
  user_id?: string;
  status: string;
  start_time?: number;
  /** Absent while the run is RUNNING. */
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: KeyValue[]; tags?: KeyValue[] };
}

export interface WireFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface MlflowRestClientOptions {
  /** Retries after the first attempt, for connection errors and 5xx. Default 5. */
  maxRetries?: number;
  /** First backoff delay in ms; doubles per retry. Default 500. */
  backoffMs?: number;
  /** Longest backoff delay in ms. Default 16000. */
  maxBackoffMs?: number;
  /** Per-request timeout in ms. Default 30000. */
  timeoutMs?: number;
  /** Bearer token; default `$MLFLOW_TRACKING_TOKEN`. */
  token?: string;
  /** Basic auth; default `$MLFLOW_TRACKING_USERNAME` / `$MLFLOW_TRACKING_PASSWORD`. */
  username?: string;
  password?: string;
  /** Replaces the backoff wait (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Encode a metric value for JSON: NaN and infinities as MLflow's strings. */
export function encodeMetricValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** Decode a metric value from JSON. */
export function decodeMetricValue(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

/**
 * The path under `/api/2.0/mlflow-artifacts/artifacts/` for a run's artifact URI:
 * `mlflow-artifacts:/1/<run>/artifacts` (or `mlflow-artifacts://host/1/...`) → `1/<run>/artifacts`.
 */
export function artifactProxyPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*?)\/*$/.exec(artifactUri);
  if (!m) {
    throw new TrackingError('INVALID_PARAMETER_VALUE', `Artifacts at '${artifactUri}' are not served by the tracking server`, {
      hint: 'Start the server with artifact serving (mlflow server --serve-artifacts, the default since MLflow 2.0), or track to a local folder.',
    });
  }
  return m[1]!;
}

function encodePath(path: string): string {
  return path.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
}

interface RequestOptions {
  query?: Record<string, string | undefined>;
  json?: unknown;
  body?: Uint8Array | string;
  contentType?: string;
  /** Return raw bytes instead of parsing. */
  binary?: boolean;
}

/** Split a log-batch into requests within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 entries, 1 MB). */
export function splitBatch(
  metrics: readonly WireMetric[],
  params: readonly KeyValue[],
  tags: readonly KeyValue[],
): Array<{ metrics: WireMetric[]; params: KeyValue[]; tags: KeyValue[] }> {
  const out: Array<{ metrics: WireMetric[]; params: KeyValue[]; tags: KeyValue[] }> = [];
  let mi = 0;
  let pi = 0;
  let ti = 0;
  while (mi < metrics.length || pi < params.length || ti < tags.length) {
    const p = params.slice(pi, pi + MAX_PARAMS_PER_BATCH);
    const t = tags.slice(ti, ti + MAX_TAGS_PER_BATCH);
    const room = Math.min(MAX_METRICS_PER_BATCH, MAX_ENTRIES_PER_BATCH - p.length - t.length);
    let m = metrics.slice(mi, mi + room);
    // Keep the JSON body under the server's size limit; keys ≤ 250 and values ≤ 5000 make this rare.
    while (m.length > 1 && Buffer.byteLength(JSON.stringify({ run_id: 'x'.repeat(64), metrics: m, params: p, tags: t })) > MAX_REQUEST_BYTES) {
      m = m.slice(0, Math.ceil(m.length / 2));
    }
    out.push({ metrics: m, params: p, tags: t });
    mi += m.length;
    pi += p.length;
    ti += t.length;
  }
  return out;
}

/** Typed calls of the MLflow REST API. `baseUrl` is the server root, e.g. `http://127.0.0.1:5000`. */
export class MlflowRestClient {
  readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly authHeader: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(baseUrl: string, options: MlflowRestClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 16_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const token = options.token ?? process.env['MLFLOW_TRACKING_TOKEN'];
    const user = options.username ?? process.env['MLFLOW_TRACKING_USERNAME'];
    const pass = options.password ?? process.env['MLFLOW_TRACKING_PASSWORD'];
    if (token) this.authHeader = `Bearer ${token}`;
    else if (user !== undefined && pass !== undefined) this.authHeader = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }

  /** Backoff before retry number `attempt` (0-based): backoffMs · 2^attempt, capped. */
  backoffDelay(attempt: number): number {
    return Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
  }

  /**
   * One call with retries. `retries` overrides the configured count (0: a single attempt).
   * Returns parsed JSON for JSON answers, text otherwise, bytes with `binary`.
   */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}, retries = this.maxRetries): Promise<T> {
    const endpoint = `${method} ${path}`;
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = options.body;
    }
    if (this.authHeader) headers['authorization'] = this.authHeader;

    let lastCause: unknown;
    let lastStatus: number | undefined;
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      try {
        res = await fetch(url, { method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        lastCause = e;
        lastStatus = undefined;
      }
      if (res !== undefined) {
        const contentType = res.headers.get('content-type') ?? '';
        const isJson = contentType.includes('application/json');
        if (res.ok) {
          if (options.binary) return new Uint8Array(await res.arrayBuffer()) as T;
          const text = await res.text();
          return (isJson ? (text === '' ? {} : JSON.parse(text)) : text) as T;
        }
        const text = await res.text();
        let parsed: { error_code?: unknown; message?: unknown } | undefined;
        if (isJson) {
          try {
            parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
          } catch {
            parsed = undefined;
          }
        }
        const errorCode = typeof parsed?.error_code === 'string' ? parsed.error_code : undefined;
        const message = typeof parsed?.message === 'string' ? parsed.message : text.slice(0, 300);
        if (res.status < 500) {
          throw new MlflowRestError(errorCode ?? `HTTP_${res.status}`, message, res.status, endpoint, errorCode === undefined ? hintForStatus(res.status) : undefined);
        }
        lastStatus = res.status;
        lastCause = errorCode === undefined ? new Error(`HTTP ${res.status}: ${message}`) : new MlflowRestError(errorCode, message, res.status, endpoint);
      }
      if (attempt >= retries) {
        if (lastCause instanceof MlflowRestError) throw lastCause;
        throw new MlflowUnreachableError(endpoint, attempt + 1, lastStatus, lastCause);
      }
      await this.sleep(this.backoffDelay(attempt));
    }
  }

  private post<T>(path: string, json: unknown, retries?: number): Promise<T> {
    return this.request<T>('POST', `/api/2.0/mlflow/${path}`, { json }, retries);
  }

  private get<T>(path: string, query: Record<string, string | undefined>): Promise<T> {
    return this.request<T>('GET', `/api/2.0/mlflow/${path}`, { query });
  }

  /** `GET /health` → "OK". */
  health(): Promise<string> {
    return this.request<string>('GET', '/health', {}, 0);
  }

  /** `GET /version` → e.g. "2.2.2". */
  version(): Promise<string> {
    return this.request<string>('GET', '/version');
  }

  async createExperiment(name: string, tags?: readonly KeyValue[], artifactLocation?: string): Promise<string> {
    const body: Record<string, unknown> = { name };
    if (artifactLocation !== undefined) body['artifact_location'] = artifactLocation;
    if (tags !== undefined && tags.length > 0) body['tags'] = tags;
    return (await this.post<{ experiment_id: string }>('experiments/create', body)).experiment_id;
  }

  /** Throws MlflowRestError RESOURCE_DOES_NOT_EXIST (404) when no experiment has this name. */
  async getExperimentByName(name: string): Promise<WireExperiment> {
    return (await this.get<{ experiment: WireExperiment }>('experiments/get-by-name', { experiment_name: name })).experiment;
  }

  async getExperiment(experimentId: string): Promise<WireExperiment> {
    return (await this.get<{ experiment: WireExperiment }>('experiments/get', { experiment_id: experimentId })).experiment;
  }

  searchExperiments(body: { max_results?: number; filter?: string; order_by?: string[]; view_type?: string; page_token?: string } = { max_results: 100 }): Promise<{ experiments?: WireExperiment[]; next_page_token?: string }> {
    return this.post('experiments/search', body);
  }

  async createRun(body: { experiment_id: string; user_id?: string; run_name?: string; start_time?: number; tags?: KeyValue[] }): Promise<WireRun> {
    return (await this.post<{ run: WireRun }>('runs/create', body)).run;
  }

  async updateRun(body: { run_id: string; status?: string; end_time?: number; run_name?: string }, retries?: number): Promise<WireRunInfo> {
    return (await this.post<{ run_info: WireRunInfo }>('runs/update', body, retries)).run_info;
  }

  /** Throws MlflowRestError RESOURCE_DOES_NOT_EXIST (404) for an unknown run. */
  async getRun(runId: string): Promise<WireRun> {
    return (await this.get<{ run: WireRun }>('runs/get', { run_id: runId })).run;
  }

  searchRuns(body: { experiment_ids: string[]; filter?: string; run_view_type?: string; max_results?: number; order_by?: string[]; page_token?: string }): Promise<{ runs?: WireRun[]; next_page_token?: string }> {
    return this.post('runs/search', body);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.post('runs/delete', { run_id: runId });
  }

  /** One log-batch request, sent as given (see `logBatchChunked` for inputs over the limits). */
  async logBatch(body: { run_id: string; metrics?: WireMetric[]; params?: KeyValue[]; tags?: KeyValue[] }, retries?: number): Promise<void> {
    const json: Record<string, unknown> = { run_id: body.run_id };
    if (body.metrics && body.metrics.length > 0) json['metrics'] = body.metrics;
    if (body.params && body.params.length > 0) json['params'] = body.params;
    if (body.tags && body.tags.length > 0) json['tags'] = body.tags;
    await this.post('runs/log-batch', json, retries);
  }

  /** log-batch split into requests within MLflow's limits, sent in order; returns the request count. */
  async logBatchChunked(runId: string, batch: { metrics?: readonly WireMetric[]; params?: readonly KeyValue[]; tags?: readonly KeyValue[] }, retries?: number): Promise<number> {
    const parts = splitBatch(batch.metrics ?? [], batch.params ?? [], batch.tags ?? []);
    for (const part of parts) await this.logBatch({ run_id: runId, ...part }, retries);
    return parts.length;
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, key, value });
  }

  /** Every value of a metric, following `next_page_token` when the server pages. */
  async getMetricHistory(runId: string, key: string): Promise<WireMetric[]> {
    const out: WireMetric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', { run_id: runId, metric_key: key, page_token: pageToken });
      out.push(...(res.metrics ?? []));
      pageToken = res.next_page_token || undefined;
    } while (pageToken !== undefined);
    return out;
  }

  /** `GET mlflow/artifacts/list`: entries under `path`, with paths relative to the run's artifact root. */
  async listArtifacts(runId: string, path?: string): Promise<{ root_uri?: string; files: WireFileInfo[] }> {
    const res = await this.get<{ root_uri?: string; files?: WireFileInfo[] }>('artifacts/list', { run_id: runId, path });
    return { ...res, files: res.files ?? [] };
  }

  /** `PUT mlflow-artifacts/artifacts/<proxy path>/<artifactPath>`. */
  async uploadArtifact(artifactUri: string, artifactPath: string, body: Uint8Array | string, contentType?: string, retries?: number): Promise<void> {
    const path = `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${artifactProxyPath(artifactUri)}/${artifactPath}`)}`;
    await this.request('PUT', path, { body, contentType: contentType ?? contentTypeFor(artifactPath) }, retries);
  }

  /** `GET mlflow-artifacts/artifacts?path=`: basenames and sizes directly under `path` of the proxy. */
  async listProxyArtifacts(proxyPath: string): Promise<WireFileInfo[]> {
    const res = await this.request<{ files?: WireFileInfo[] }>('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path: proxyPath } });
    return res.files ?? [];
  }

  /** Download one artifact file as bytes. */
  downloadArtifact(artifactUri: string, artifactPath: string): Promise<Uint8Array> {
    const path = `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${artifactProxyPath(artifactUri)}/${artifactPath}`)}`;
    return this.request<Uint8Array>('GET', path, { binary: true });
  }
}

function hintForStatus(status: number): string | undefined {
  if (status === 401 || status === 403) return 'Set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD.';
  if (status === 404) return 'Is MLFLOW_TRACKING_URI the root address of an MLflow tracking server?';
  return undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json', txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', tex: 'text/plain',
  html: 'text/html', svg: 'image/svg+xml', png: 'image/png', yaml: 'text/plain', yml: 'text/plain', abl: 'text/plain',
};

/** Content type sent with an uploaded artifact, by extension. */
export function contentTypeFor(path: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return (ext !== undefined ? CONTENT_TYPES[ext] : undefined) ?? 'application/octet-stream';
}
