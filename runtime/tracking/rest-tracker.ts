/**
 * The Tracker over an MLflow tracking server (MLFLOW_TRACKING_URI=http(s)://…).
 *
 * Metrics and tags logged during a run go through a buffer so that a server outage loses
 * nothing: what cannot be sent stays buffered (training goes on) and is sent as soon as a
 * request gets through again. When the server is still unreachable at `flush()`,
 * `setTerminated()` or `close()` (after the client's retries), or the buffer outgrows
 * `maxBufferedMetrics`, the buffered values are written to a local FileStore under the same
 * run id and reported through `onFallback`.
 */
import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { FileStoreTracker } from './mlflow-filestore.ts';
import { validateMetric, validateParam, validateTag } from './mlflow-limits.ts';
import {
  MlflowRestClient,
  decodeMetricValue,
  encodeMetricValue,
  splitBatch,
  type KeyValue,
  type MlflowRestClientOptions,
  type WireExperiment,
  type WireRun,
  type WireRunInfo,
} from './mlflow-rest.ts';
import { MlflowRestError, MlflowUnreachableError, TrackingError } from './tracking-error.ts';
import { MLFLOW_PARENT_RUN_ID_TAG, MLFLOW_USER_TAG } from './mlflow-tags.ts';
import type {
  ArtifactEntry,
  CreateRunOptions,
  Experiment,
  Metric,
  Run,
  RunInfo,
  RunStatus,
  RunViewType,
  SearchRunsOptions,
  TerminalStatus,
  Tracker,
  UpdateRunOptions,
} from './tracker.ts';

/** What was written to the local store because the server could not take it. */
export interface FallbackReport {
  remoteUri: string;
  runId: string;
  /** Root folder of the local FileStore that received the values. */
  localRoot: string;
  localExperimentId: string;
  metrics: number;
  tags: number;
  /** Artifact paths written locally. */
  artifacts: string[];
  /** Terminal status recorded locally when the server could not be told. */
  status?: TerminalStatus;
  /** Why the server was given up on. */
  reason: string;
}

/** A change of the server's reachability seen while logging. */
export interface OutageEvent {
  kind: 'down' | 'recovered';
  pendingMetrics: number;
  error?: Error;
}

export interface RestTrackerOptions extends MlflowRestClientOptions {
  /** Where buffered values go when the server stays unreachable. Default `./mlruns`. */
  fallbackUri?: string;
  /** Default: a warning on stderr. */
  onFallback?: (report: FallbackReport) => void;
  /** Default: a warning on stderr. */
  onOutage?: (event: OutageEvent) => void;
  /** Spill to the fallback store when more metrics than this are waiting. Default 100000. */
  maxBufferedMetrics?: number;
}

interface Pending {
  metrics: Metric[];
  tags: Map<string, string>;
}

interface RunMemo {
  experimentId: string;
  runName: string;
  startTime: number;
  tags: Record<string, string>;
  artifactUri: string;
}

function isOutage(e: unknown): boolean {
  return e instanceof MlflowUnreachableError || (e instanceof MlflowRestError && e.status >= 500);
}

function toObject(kvs: readonly KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries([...(kvs ?? [])].map((kv) => [kv.key, kv.value]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)));
}

/** Convert the server's experiment JSON. */
export function experimentFromWire(e: WireExperiment): Experiment {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: e.creation_time ?? null,
    lastUpdateTime: e.last_update_time ?? null,
    tags: toObject(e.tags),
  };
}

/** Convert the server's run info JSON. */
export function runInfoFromWire(i: WireRunInfo): RunInfo {
  return {
    runId: i.run_id ?? i.run_uuid,
    runName: i.run_name ?? '',
    experimentId: i.experiment_id,
    userId: i.user_id ?? '',
    status: i.status as RunStatus,
    startTime: i.start_time ?? 0,
    endTime: i.end_time ?? null,
    artifactUri: i.artifact_uri,
    lifecycleStage: i.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/** Convert the server's run JSON; metrics sorted by key. */
export function runFromWire(r: WireRun): Run {
  const metrics = (r.data.metrics ?? [])
    .map((m) => ({ key: m.key, value: decodeMetricValue(m.value), timestamp: m.timestamp, step: m.step ?? 0 }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { info: runInfoFromWire(r.info), data: { params: toObject(r.data.params), tags: toObject(r.data.tags), metrics } };
}

function defaultUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out.sort();
}

export class RestTracker implements Tracker {
  readonly uri: string;
  readonly client: MlflowRestClient;
  /** Every fallback written so far. */
  readonly fallbackReports: FallbackReport[] = [];
  private readonly fallbackUri: string;
  private readonly onFallback: (r: FallbackReport) => void;
  private readonly onOutage: (e: OutageEvent) => void;
  private readonly maxBuffered: number;
  private readonly pending = new Map<string, Pending>();
  private readonly runs = new Map<string, RunMemo>();
  private readonly experimentNames = new Map<string, string>();
  private fallback: FileStoreTracker | undefined;
  /** True after a send gave up; later sends try once instead of backing off. */
  private degraded = false;
  /** Sends of buffered values run one at a time, so no value is sent twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(uri: string, options: RestTrackerOptions = {}) {
    this.uri = uri.replace(/\/+$/, '');
    this.client = new MlflowRestClient(this.uri, options);
    this.fallbackUri = options.fallbackUri ?? './mlruns';
    this.maxBuffered = options.maxBufferedMetrics ?? 100_000;
    this.onFallback =
      options.onFallback ??
      ((r) => console.warn(`[mlflow] ${this.uri} unreachable (${r.reason}); wrote ${r.metrics} metric value(s) and ${r.tags} tag(s) of run ${r.runId} to ${r.localRoot}`));
    this.onOutage =
      options.onOutage ??
      ((e) => console.warn(e.kind === 'down' ? `[mlflow] ${this.uri} unreachable; buffering metrics (${e.pendingMetrics} waiting): ${e.error?.message ?? ''}` : `[mlflow] ${this.uri} reachable again; sent buffered metrics`));
  }

  /** True while the last attempt to reach the server failed. */
  get isDegraded(): boolean {
    return this.degraded;
  }

  /** Metric values waiting to be sent, over all runs. */
  get pendingMetricCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.metrics.length;
    return n;
  }

  // ---- experiments ------------------------------------------------------------------

  async getExperiment(experimentId: string): Promise<Experiment> {
    const e = experimentFromWire(await this.client.getExperiment(experimentId));
    this.experimentNames.set(e.experimentId, e.name);
    return e;
  }

  async listExperiments(view: RunViewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.client.searchExperiments({
        max_results: 100,
        ...(view !== 'ACTIVE_ONLY' ? { view_type: view } : {}),
        ...(pageToken !== undefined ? { page_token: pageToken } : {}),
      });
      out.push(...(res.experiments ?? []).map(experimentFromWire));
      pageToken = res.next_page_token || undefined;
    } while (pageToken !== undefined);
    for (const e of out) this.experimentNames.set(e.experimentId, e.name);
    return out;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const e = experimentFromWire(await this.client.getExperimentByName(name));
      this.experimentNames.set(e.experimentId, e.name);
      return e;
    } catch (err) {
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    const found = await this.getExperimentByName(name);
    if (found?.lifecycleStage === 'deleted') {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Experiment '${name}' is deleted on ${this.uri}`, { hint: 'Restore it in the MLflow UI or choose another name.' });
    }
    if (found) return found;
    let id: string;
    try {
      id = await this.client.createExperiment(name, Object.entries(tags).map(([key, value]) => ({ key, value })));
    } catch (err) {
      // Someone else created it between our get and our create.
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.getExperimentByName(name);
        if (again) return again;
      }
      throw err;
    }
    return this.getExperiment(id);
  }

  // ---- runs -------------------------------------------------------------------------

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const tags: Record<string, string> = { ...(options.tags ?? {}) };
    const userId = options.userId ?? tags[MLFLOW_USER_TAG] ?? defaultUser();
    tags[MLFLOW_USER_TAG] ??= userId;
    if (options.parentRunId !== undefined) tags[MLFLOW_PARENT_RUN_ID_TAG] = options.parentRunId;
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const startTime = options.startTime ?? Date.now();
    const run = await this.client.createRun({
      experiment_id: options.experimentId,
      user_id: userId,
      ...(options.runName !== undefined ? { run_name: options.runName } : {}),
      start_time: startTime,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
    const info = runInfoFromWire(run.info);
    this.runs.set(info.runId, { experimentId: info.experimentId, runName: info.runName, startTime, tags, artifactUri: info.artifactUri });
    return info;
  }

  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    const kvs = Object.entries(params).map(([key, value]) => ({ key, value }));
    for (const p of kvs) validateParam(p.key, p.value);
    await this.client.logBatchChunked(runId, { params: kvs });
  }

  private pendingFor(runId: string): Pending {
    let p = this.pending.get(runId);
    if (!p) {
      p = { metrics: [], tags: new Map() };
      this.pending.set(runId, p);
    }
    return p;
  }

  /** Send one run's buffer in limit-sized requests; sent values leave the buffer as they go. */
  private async sendPending(runId: string, retries: number | undefined): Promise<void> {
    const p = this.pending.get(runId);
    if (!p) return;
    const parts = splitBatch(
      p.metrics.map((m) => ({ key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step })),
      [],
      [...p.tags].map(([key, value]) => ({ key, value })),
    );
    // Values logged while a request is in flight are appended behind it (metrics) or replace
    // a tag's value: remove only what was sent.
    const settle = (part: (typeof parts)[number]): void => {
      p.metrics.splice(0, part.metrics.length);
      for (const t of part.tags) if (p.tags.get(t.key) === t.value) p.tags.delete(t.key);
    };
    for (const part of parts) {
      try {
        await this.client.logBatch({ run_id: runId, ...part }, retries);
      } catch (e) {
        // A rejected request (4xx) will never succeed: drop it and report; keep the rest.
        if (!isOutage(e)) settle(part);
        throw e;
      }
      settle(part);
    }
    if (p.metrics.length === 0 && p.tags.size === 0) this.pending.delete(runId);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Try to send everything buffered; on an outage keep it and carry on. */
  private trySendAll(): Promise<void> {
    return this.exclusive(() => this.trySendAllNow());
  }

  private async trySendAllNow(): Promise<void> {
    try {
      for (const runId of [...this.pending.keys()]) await this.sendPending(runId, this.degraded ? 0 : undefined);
      if (this.degraded) {
        this.degraded = false;
        this.onOutage({ kind: 'recovered', pendingMetrics: 0 });
      }
    } catch (e) {
      if (!isOutage(e)) throw e;
      if (!this.degraded) {
        this.degraded = true;
        this.onOutage({ kind: 'down', pendingMetrics: this.pendingMetricCount, error: e as Error });
      }
      if (this.pendingMetricCount > this.maxBuffered) {
        for (const runId of [...this.pending.keys()]) await this.spill(runId, e as Error);
      }
    }
  }

  /** Buffered: never throws for an outage (see the class comment); throws for invalid metrics. */
  async logMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    for (const m of metrics) validateMetric(m.key, m.value, m.timestamp, m.step);
    this.pendingFor(runId).metrics.push(...metrics.map((m) => ({ ...m })));
    await this.trySendAll();
  }

  /** Buffered like metrics. */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const p = this.pendingFor(runId);
    for (const [k, v] of Object.entries(tags)) p.tags.set(k, v);
    await this.trySendAll();
  }

  private async fallbackStore(): Promise<FileStoreTracker> {
    this.fallback ??= new FileStoreTracker(this.fallbackUri);
    return this.fallback;
  }

  /** The run's copy in the local fallback store, created (same id, name, tags) when missing. */
  private async fallbackRun(runId: string): Promise<{ store: FileStoreTracker; experimentId: string }> {
    const store = await this.fallbackStore();
    try {
      return { store, experimentId: (await store.getRun(runId)).info.experimentId };
    } catch (e) {
      if (!(e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST')) throw e;
    }
    const memo = this.runs.get(runId);
    const remoteExp = memo?.experimentId;
    const name = (remoteExp !== undefined ? this.experimentNames.get(remoteExp) : undefined) ?? `remote-${remoteExp ?? 'unknown'}`;
    const exp = await store.getOrCreateExperiment(name);
    await store.createRun({
      experimentId: exp.experimentId,
      runId,
      ...(memo ? { runName: memo.runName, startTime: memo.startTime } : {}),
      tags: { ...(memo?.tags ?? {}), 'ablate.fallback.remoteUri': this.uri, 'ablate.fallback.remoteRunId': runId },
    });
    return { store, experimentId: exp.experimentId };
  }

  /**
   * Write one run's buffer (and a terminal status, and artifacts already copied there) to the
   * local store under the same run id, and report it.
   */
  private async spill(runId: string, reason: Error, extra: { status?: TerminalStatus; endTime?: number; artifacts?: string[] } = {}): Promise<void> {
    const p = this.pending.get(runId) ?? { metrics: [], tags: new Map<string, string>() };
    const { store, experimentId } = await this.fallbackRun(runId);
    await store.logMetrics(runId, p.metrics);
    if (p.tags.size > 0) await store.setTags(runId, Object.fromEntries(p.tags));
    if (extra.status !== undefined) await store.setTerminated(runId, extra.status, extra.endTime);
    this.pending.delete(runId);
    const report: FallbackReport = {
      remoteUri: this.uri,
      runId,
      localRoot: store.root,
      localExperimentId: experimentId,
      metrics: p.metrics.length,
      tags: p.tags.size,
      artifacts: extra.artifacts ?? [],
      ...(extra.status !== undefined ? { status: extra.status } : {}),
      reason: reason.message,
    };
    this.fallbackReports.push(report);
    this.onFallback(report);
  }

  /** Run an artifact upload; if the server is unreachable, write the artifact locally instead. */
  private async uploadOrFallback(runId: string, label: string, upload: () => Promise<void>, local: (store: FileStoreTracker) => Promise<void>): Promise<void> {
    try {
      await upload();
    } catch (e) {
      if (!isOutage(e)) throw e;
      await this.exclusive(async () => {
        const { store } = await this.fallbackRun(runId);
        await local(store);
        await this.spill(runId, e as Error, { artifacts: [label] });
      });
    }
  }

  async updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const body: { run_id: string; status?: string; end_time?: number; run_name?: string } = { run_id: runId };
    if (update.status !== undefined) body.status = update.status;
    if (update.endTime !== undefined && update.endTime !== null) body.end_time = update.endTime;
    if (update.runName !== undefined) body.run_name = update.runName;
    return runInfoFromWire(await this.client.updateRun(body));
  }

  /**
   * Send the run's buffer, then its status. If the server stays unreachable, both go to the
   * local fallback store and a FallbackReport is issued instead of an error.
   */
  setTerminated(runId: string, status: TerminalStatus, endTime: number = Date.now()): Promise<void> {
    return this.exclusive(() => this.setTerminatedNow(runId, status, endTime));
  }

  private async setTerminatedNow(runId: string, status: TerminalStatus, endTime: number): Promise<void> {
    try {
      await this.sendPending(runId, undefined);
      await this.client.updateRun({ run_id: runId, status, end_time: endTime });
      if (this.degraded) {
        this.degraded = false;
        this.onOutage({ kind: 'recovered', pendingMetrics: this.pendingMetricCount });
      }
    } catch (e) {
      if (!isOutage(e)) throw e;
      await this.spill(runId, e as Error, { status, endTime });
    }
  }

  async getRun(runId: string): Promise<Run> {
    const run = runFromWire(await this.client.getRun(runId));
    const memo = this.runs.get(runId);
    if (memo) memo.artifactUri = run.info.artifactUri;
    else this.runs.set(runId, { experimentId: run.info.experimentId, runName: run.info.runName, startTime: run.info.startTime, tags: run.data.tags, artifactUri: run.info.artifactUri });
    return run;
  }

  async searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    const want = options.maxResults ?? Infinity;
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.client.searchRuns({
        experiment_ids: options.experimentIds,
        ...(options.filter !== undefined ? { filter: options.filter } : {}),
        run_view_type: options.runViewType ?? 'ACTIVE_ONLY',
        max_results: Math.min(1000, want - out.length),
        ...(options.orderBy !== undefined ? { order_by: options.orderBy } : {}),
        ...(pageToken !== undefined ? { page_token: pageToken } : {}),
      });
      out.push(...(res.runs ?? []).map(runFromWire));
      pageToken = res.next_page_token || undefined;
    } while (pageToken !== undefined && out.length < want);
    return out;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return (await this.client.getMetricHistory(runId, key)).map((m) => ({ key: m.key, value: decodeMetricValue(m.value), timestamp: m.timestamp, step: m.step ?? 0 }));
  }

  async deleteRun(runId: string): Promise<void> {
    await this.client.deleteRun(runId);
  }

  // ---- artifacts --------------------------------------------------------------------

  private async artifactUri(runId: string): Promise<string> {
    return this.runs.get(runId)?.artifactUri ?? (await this.getRun(runId)).info.artifactUri;
  }

  /** Uploads through the artifact proxy; during an outage the artifact goes to the local fallback store. */
  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    let info;
    try {
      info = await stat(localPath);
    } catch {
      throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Cannot log artifact '${localPath}': no such file or folder`);
    }
    const prefix = artifactPath === undefined || artifactPath === '' ? '' : `${artifactPath.replace(/\/+$/, '')}/`;
    await this.uploadOrFallback(
      runId,
      prefix + (info.isDirectory() ? '' : basename(localPath)),
      async () => {
        const uri = await this.artifactUri(runId);
        if (info.isDirectory()) {
          for (const file of await listFiles(localPath)) {
            await this.client.uploadArtifact(uri, prefix + relative(localPath, file).split(sep).join('/'), await readFile(file));
          }
        } else {
          await this.client.uploadArtifact(uri, prefix + basename(localPath), await readFile(localPath));
        }
      },
      (store) => store.logArtifact(runId, localPath, artifactPath),
    );
  }

  /** Like logArtifact, for content in memory. */
  async logText(runId: string, content: string | Uint8Array, artifactFile: string): Promise<void> {
    await this.uploadOrFallback(
      runId,
      artifactFile,
      async () => this.client.uploadArtifact(await this.artifactUri(runId), artifactFile, content),
      (store) => store.logText(runId, content, artifactFile),
    );
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    const res = await this.client.listArtifacts(runId, path);
    return res.files
      .map((f) => ({ path: f.path, isDir: f.is_dir, fileSize: f.is_dir ? null : (f.file_size ?? null) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.client.downloadArtifact(await this.artifactUri(runId), path);
  }

  async downloadArtifact(runId: string, path: string, destDir: string): Promise<string> {
    const bytes = await this.readArtifact(runId, path);
    await mkdir(destDir, { recursive: true });
    const out = join(destDir, basename(path));
    await writeFile(out, bytes);
    return out;
  }

  /** Send every buffer; what the server still cannot take goes to the fallback store. */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    for (const runId of [...this.pending.keys()]) {
      try {
        await this.sendPending(runId, undefined);
      } catch (e) {
        if (!isOutage(e)) throw e;
        await this.spill(runId, e as Error);
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
