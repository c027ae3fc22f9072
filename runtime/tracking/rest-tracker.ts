/**
 * The Tracker over an MLflow tracking server (MLFLOW_TRACKING_URI=http(s)://…).
 *
 * A run finishes whatever the server does. Metrics and tags go through a buffer that is sent
 * as soon as a request gets through; what the server cannot take at `flush()`,
 * `setTerminated()` or `close()` (or when the buffer outgrows `maxBufferedMetrics`), and params
 * and artifacts it cannot take at once, are kept in a local spool (spool-delivery.ts) under the
 * same run id and reported through `onSpool`. A run whose data is in the spool gets its final
 * status in the spool too: the server shows it RUNNING until `ablate sync` (or the next
 * `ablate run` with this server) has delivered everything, status last.
 *
 * A circuit breaker keeps an outage cheap: after a request failed for good, no request goes
 * out for `probeIntervalMs`; the next one is a single try (no backoff), which closes the
 * circuit when it gets through.
 *
 * A run started while the server is down (its experiment cannot be looked up or the run
 * cannot be created) is created in the spool instead, with a local run id, and everything
 * it logs goes there; its children too. `ablate sync` creates it on the server (a new run id,
 * tagged `ablate.spoolRunId` with the local one so it is created once) and delivers it.
 */
import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { checkArtifactPath } from './artifact-path.ts';
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
import { currentUser } from './run-user.ts';
import { DEFAULT_SPOOL_URI, SPOOL_TAGS, deliverSpooledRun, listSpooledRuns, removeSpooledRun, syncSpool, type SyncOutcome } from './spool-delivery.ts';
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

/** What one run has kept in the spool so far because the server could not take it. */
export interface SpoolReport {
  remoteUri: string;
  runId: string;
  runName: string;
  /** Root folder of the spool (a local MLflow FileStore). */
  localRoot: string;
  localExperimentId: string;
  /** Counts over every spill of this run so far. */
  metrics: number;
  params: number;
  tags: number;
  /** Artifact paths kept in the spool. */
  artifacts: string[];
  /** The final status, kept in the spool because the server could not be told. */
  status?: TerminalStatus;
  /** Why the server was given up on (the last failure). */
  reason: string;
  /** The run was created in the spool (the server was down when it started): it has no server run id until `ablate sync`. */
  createdInSpool?: boolean;
}

/** A change of the server's reachability seen while logging. */
export interface OutageEvent {
  kind: 'down' | 'recovered';
  pendingMetrics: number;
  error?: Error;
}

export interface RestTrackerOptions extends MlflowRestClientOptions {
  /** The spool: where undelivered values go. Default `./mlruns-spool`. */
  spoolUri?: string;
  /** Called after every spill with the run's totals. Default: one warning per run on stderr. */
  onSpool?: (report: SpoolReport) => void;
  /** Called by `close()` when runs have data in the spool. Default: a summary on stderr saying where the data is. */
  onSpoolSummary?: (reports: SpoolReport[]) => void;
  /** Default: a warning on stderr. */
  onOutage?: (event: OutageEvent) => void;
  /** Spill to the spool when more metrics than this are waiting. Default 100000. */
  maxBufferedMetrics?: number;
  /** While the server is known to be down, no request goes out for this long (ms) after a failure. Default 30000. */
  probeIntervalMs?: number;
  /** Clock (ms), for the circuit breaker. Default Date.now. */
  now?: () => number;
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

/** What the server shows of spooled runs: RUNNING, or nothing for runs created in the spool. */
function serverView(reports: readonly SpoolReport[]): string {
  const local = reports.filter((r) => r.createdInSpool).length;
  if (local === 0) return 'The server shows these runs as RUNNING';
  return local === reports.length ? 'The server does not know these runs yet' : 'The server shows these runs as RUNNING, or not at all (those started while it was down),';
}

/** The summary `close()` prints when runs have data in the spool. */
export function describeSpool(reports: readonly SpoolReport[]): string {
  const lines = reports.map((r) => {
    const what = [`${r.metrics} metric value(s)`, `${r.params} param(s)`, `${r.tags} tag(s)`, `${r.artifacts.length} artifact(s)`];
    const status = r.status !== undefined ? ` and its final status ${r.status}` : '';
    const local = r.createdInSpool ? ' [started while the server was down: created on the server, with a new run id, by ablate sync]' : '';
    return `  run ${r.runId}${r.runName ? ` (${r.runName})` : ''}: ${what.join(', ')}${status}${local}`;
  });
  const root = reports[0]?.localRoot ?? '';
  return [
    `[mlflow] ${reports[0]?.remoteUri ?? 'the tracking server'} could not take everything (${reports[reports.length - 1]?.reason ?? ''}); kept in the spool ${root}:`,
    ...lines,
    `  ${serverView(reports)} until the spool is delivered: run 'ablate sync' when it is back (the next 'ablate run' with this server also delivers it). To look at them now: mlflow ui --backend-store-uri ${root}`,
  ].join('\n');
}

/**
 * Where a command's results are, for its last line: the tracking store, or — when a server
 * could not take everything — the spool, and that `ablate sync` delivers it.
 */
export function resultsLocation(tracker: Tracker): string {
  const spooled = tracker instanceof RestTracker ? tracker.spoolReports : [];
  if (spooled.length === 0) return `results in ${tracker.uri}`;
  const local = spooled.filter((r) => r.createdInSpool).length;
  const where = `the spool ${spooled[0]!.localRoot}`;
  const what = local === spooled.length ? `results in ${where}, not on ${tracker.uri} yet` : `results in ${tracker.uri}; what ${spooled.length} run(s) could not deliver is in ${where}`;
  const ids = local > 0 ? ` (${local} run(s) started while it was down get their server run ids then)` : '';
  return `${what} (the server was unreachable): run 'ablate sync' when it is back to deliver them${ids}`;
}

/** Experiment ids this tracker hands out for experiments it could not reach on the server. */
const OFFLINE_EXPERIMENT = 'spool:';

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
  private readonly spoolUri: string;
  private readonly onSpool: (r: SpoolReport) => void;
  private readonly onSpoolSummary: (r: SpoolReport[]) => void;
  private readonly onOutage: (e: OutageEvent) => void;
  private readonly maxBuffered: number;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();
  private readonly runs = new Map<string, RunMemo>();
  private readonly experimentNames = new Map<string, string>();
  /** Per run, what this tracker has put in the spool. */
  private readonly spooled = new Map<string, SpoolReport>();
  /** Experiments that could not be reached on the server: offline id (`spool:<spool id>`) → name. */
  private readonly offlineExperiments = new Map<string, string>();
  /** Runs created in the spool (the server was down): they live there until `ablate sync`. */
  private readonly localRuns = new Set<string>();
  private spool: FileStoreTracker | undefined;
  /** Set while the server is known to be down: when it went down, and when to try again. */
  private down: { since: number; nextTry: number; error: Error } | undefined;
  /** Sends of buffered values run one at a time, so no value is sent twice. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(uri: string, options: RestTrackerOptions = {}) {
    this.uri = uri.replace(/\/+$/, '');
    this.client = new MlflowRestClient(this.uri, options);
    this.spoolUri = options.spoolUri ?? DEFAULT_SPOOL_URI;
    this.maxBuffered = options.maxBufferedMetrics ?? 100_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
    const warned = new Set<string>();
    this.onSpool =
      options.onSpool ??
      ((r) => {
        if (warned.has(r.runId)) return;
        warned.add(r.runId);
        console.warn(`[mlflow] ${this.uri} unreachable (${r.reason}); keeping what run ${r.runId} cannot deliver in the spool ${r.localRoot} (training goes on)`);
      });
    this.onSpoolSummary = options.onSpoolSummary ?? ((reports) => console.warn(describeSpool(reports)));
    this.onOutage =
      options.onOutage ??
      ((e) => console.warn(e.kind === 'down' ? `[mlflow] ${this.uri} unreachable; buffering metrics (${e.pendingMetrics} waiting): ${e.error?.message ?? ''}` : `[mlflow] ${this.uri} reachable again; sent buffered metrics`));
  }

  /** True while the server is known to be down. */
  get isDegraded(): boolean {
    return this.down !== undefined;
  }

  /** Metric values waiting to be sent, over all runs. */
  get pendingMetricCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.metrics.length;
    return n;
  }

  /** Per run, what this tracker has kept in the spool (empty when the server took everything). */
  get spoolReports(): SpoolReport[] {
    return [...this.spooled.values()].map((r) => ({ ...r, artifacts: [...r.artifacts] }));
  }

  // ---- circuit breaker --------------------------------------------------------------

  /**
   * One request through the circuit breaker: with the full retries while the server is up;
   * while it is known to be down, nothing is sent before `nextTry`, then a single try.
   */
  private async call<T>(fn: (retries: number | undefined) => Promise<T>, endpoint = this.uri): Promise<T> {
    const down = this.down;
    if (down !== undefined && this.now() < down.nextTry) {
      throw new MlflowUnreachableError(endpoint, 0, undefined, new Error(`server down since ${new Date(down.since).toISOString()} (${down.error.message}); next try after ${new Date(down.nextTry).toISOString()}`));
    }
    try {
      const result = await fn(down !== undefined ? 0 : undefined);
      if (this.down !== undefined) {
        this.down = undefined;
        this.onOutage({ kind: 'recovered', pendingMetrics: this.pendingMetricCount });
      }
      return result;
    } catch (e) {
      if (isOutage(e)) {
        const first = this.down === undefined;
        this.down = { since: this.down?.since ?? this.now(), nextTry: this.now() + this.probeIntervalMs, error: e as Error };
        if (first) this.onOutage({ kind: 'down', pendingMetrics: this.pendingMetricCount, error: e as Error });
      }
      throw e;
    }
  }

  // ---- experiments ------------------------------------------------------------------

  async getExperiment(experimentId: string): Promise<Experiment> {
    if (this.offlineExperiments.has(experimentId)) {
      const e = await this.spoolStore().getExperiment(experimentId.slice(OFFLINE_EXPERIMENT.length));
      return { ...e, experimentId };
    }
    const e = experimentFromWire(await this.call(() => this.client.getExperiment(experimentId)));
    this.experimentNames.set(e.experimentId, e.name);
    return e;
  }

  async listExperiments(view: RunViewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
    const out: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call(() =>
        this.client.searchExperiments({
          max_results: 100,
          ...(view !== 'ACTIVE_ONLY' ? { view_type: view } : {}),
          ...(pageToken !== undefined ? { page_token: pageToken } : {}),
        }),
      );
      out.push(...(res.experiments ?? []).map(experimentFromWire));
      pageToken = res.next_page_token || undefined;
    } while (pageToken !== undefined);
    for (const e of out) this.experimentNames.set(e.experimentId, e.name);
    return out;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const e = experimentFromWire(await this.call(() => this.client.getExperimentByName(name)));
      this.experimentNames.set(e.experimentId, e.name);
      return e;
    } catch (err) {
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** On an outage: the experiment in the spool, under an offline id (runs created in it go to the spool). */
  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    try {
      return await this.getOrCreateRemoteExperiment(name, tags);
    } catch (e) {
      if (!isOutage(e)) throw e;
      const local = await this.spoolStore().getOrCreateExperiment(name);
      const experimentId = `${OFFLINE_EXPERIMENT}${local.experimentId}`;
      this.offlineExperiments.set(experimentId, name);
      return { ...local, experimentId };
    }
  }

  private async getOrCreateRemoteExperiment(name: string, tags: Record<string, string>): Promise<Experiment> {
    const found = await this.getExperimentByName(name);
    if (found?.lifecycleStage === 'deleted') {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Experiment '${name}' is deleted on ${this.uri}`, { hint: 'Restore it in the MLflow UI or choose another name.' });
    }
    if (found) return found;
    let id: string;
    try {
      id = await this.call(() => this.client.createExperiment(name, Object.entries(tags).map(([key, value]) => ({ key, value }))));
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
    const userId = options.userId ?? tags[MLFLOW_USER_TAG] ?? currentUser();
    tags[MLFLOW_USER_TAG] ??= userId;
    if (options.parentRunId !== undefined) tags[MLFLOW_PARENT_RUN_ID_TAG] = options.parentRunId;
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const startTime = options.startTime ?? Date.now();
    // In an experiment the server could not be asked about, or under a parent that lives in the spool: the spool.
    const offline = this.offlineExperiments.has(options.experimentId) || (options.parentRunId !== undefined && this.localRuns.has(options.parentRunId));
    let run: WireRun;
    try {
      if (offline) throw this.down?.error ?? new MlflowUnreachableError(this.uri, 0, undefined, new Error('the run belongs to a run created in the spool'));
      run = await this.call(() =>
        this.client.createRun({
          experiment_id: options.experimentId,
          user_id: userId,
          ...(options.runName !== undefined ? { run_name: options.runName } : {}),
          start_time: startTime,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      );
    } catch (e) {
      if (!offline && !isOutage(e)) throw e;
      return this.exclusive(() => this.createLocalRun(options, tags, userId, startTime, e as Error));
    }
    const info = runInfoFromWire(run.info);
    this.runs.set(info.runId, { experimentId: info.experimentId, runName: info.runName, startTime, tags, artifactUri: info.artifactUri });
    return info;
  }

  /** A run created in the spool because the server was down: same name, tags and start; tagged for `ablate sync`. */
  private async createLocalRun(options: CreateRunOptions, tags: Record<string, string>, userId: string, startTime: number, reason: Error): Promise<RunInfo> {
    const store = this.spoolStore();
    const offlineName = this.offlineExperiments.get(options.experimentId);
    const remoteExperimentId = offlineName === undefined ? options.experimentId : '';
    const name = offlineName ?? this.experimentNames.get(options.experimentId) ?? `remote-${options.experimentId}`;
    const localExperimentId = offlineName !== undefined ? options.experimentId.slice(OFFLINE_EXPERIMENT.length) : (await store.getOrCreateExperiment(name)).experimentId;
    const local = await store.createRun({
      experimentId: localExperimentId,
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      startTime,
      userId,
      tags: {
        ...tags,
        [SPOOL_TAGS.remoteUri]: this.uri,
        [SPOOL_TAGS.remoteExperimentId]: remoteExperimentId,
        [SPOOL_TAGS.remoteExperimentName]: name,
        [SPOOL_TAGS.createdInSpool]: 'true',
      },
    });
    const experimentId = `${OFFLINE_EXPERIMENT}${localExperimentId}`;
    this.offlineExperiments.set(experimentId, name);
    this.localRuns.add(local.runId);
    this.runs.set(local.runId, { experimentId, runName: local.runName, startTime, tags, artifactUri: local.artifactUri });
    this.record(local.runId, localExperimentId, reason, { createdInSpool: true });
    return { ...local, experimentId };
  }

  /** The spool, for a run created there (undefined for a run the server knows). */
  private localStore(runId: string): FileStoreTracker | undefined {
    return this.localRuns.has(runId) ? this.spoolStore() : undefined;
  }

  /** Writes to a run created in the spool, and counts what was written. */
  private async writeLocal(runId: string, write: (store: FileStoreTracker) => Promise<void>, add: Parameters<RestTracker['record']>[3]): Promise<void> {
    await this.exclusive(async () => {
      const store = this.spoolStore();
      await write(store);
      this.record(runId, (await store.getRun(runId)).info.experimentId, this.down?.error ?? new Error('the server was unreachable when the run started'), add);
    });
  }

  /** Sent at once; during an outage they are kept in the spool. */
  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    const kvs = Object.entries(params).map(([key, value]) => ({ key, value }));
    for (const p of kvs) validateParam(p.key, p.value);
    if (this.localRuns.has(runId)) return this.writeLocal(runId, (store) => store.logParams(runId, params), { params: kvs.length });
    try {
      await this.call((retries) => this.client.logBatchChunked(runId, { params: kvs }, retries));
    } catch (e) {
      if (!isOutage(e)) throw e;
      await this.exclusive(async () => {
        const { store, experimentId } = await this.spoolRun(runId);
        await store.logParams(runId, params);
        this.record(runId, experimentId, e as Error, { params: kvs.length });
      });
    }
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
  private async sendPending(runId: string): Promise<void> {
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
        await this.call((retries) => this.client.logBatch({ run_id: runId, ...part }, retries));
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
      for (const runId of [...this.pending.keys()]) await this.sendPending(runId);
    } catch (e) {
      if (!isOutage(e)) throw e;
      if (this.pendingMetricCount > this.maxBuffered) {
        for (const runId of [...this.pending.keys()]) await this.spill(runId, e as Error);
      }
    }
  }

  /** Buffered: never throws for an outage (see the class comment); throws for invalid metrics. */
  async logMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    for (const m of metrics) validateMetric(m.key, m.value, m.timestamp, m.step);
    if (this.localRuns.has(runId)) return this.writeLocal(runId, (store) => store.logMetrics(runId, metrics), { metrics: metrics.length });
    this.pendingFor(runId).metrics.push(...metrics.map((m) => ({ ...m })));
    await this.trySendAll();
  }

  /** Buffered like metrics. */
  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    if (this.localRuns.has(runId)) return this.writeLocal(runId, (store) => store.setTags(runId, tags), { tags: Object.keys(tags).length });
    const p = this.pendingFor(runId);
    for (const [k, v] of Object.entries(tags)) p.tags.set(k, v);
    await this.trySendAll();
  }

  private spoolStore(): FileStoreTracker {
    this.spool ??= new FileStoreTracker(this.spoolUri, { onWarning: () => {} });
    return this.spool;
  }

  /** The run's copy in the spool, created (same id, name, tags) when missing. */
  private async spoolRun(runId: string): Promise<{ store: FileStoreTracker; experimentId: string }> {
    const store = this.spoolStore();
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
      tags: { ...(memo?.tags ?? {}), [SPOOL_TAGS.remoteUri]: this.uri, [SPOOL_TAGS.remoteExperimentId]: remoteExp ?? '' },
    });
    return { store, experimentId: exp.experimentId };
  }

  /** Add to the run's spool totals and report them. */
  private record(runId: string, experimentId: string, reason: Error, add: { metrics?: number; params?: number; tags?: number; artifacts?: string[]; status?: TerminalStatus; createdInSpool?: boolean }): void {
    const r: SpoolReport = this.spooled.get(runId) ?? {
      remoteUri: this.uri,
      runId,
      runName: this.runs.get(runId)?.runName ?? '',
      localRoot: this.spoolStore().root,
      localExperimentId: '',
      metrics: 0,
      params: 0,
      tags: 0,
      artifacts: [],
      reason: '',
    };
    r.metrics += add.metrics ?? 0;
    r.params += add.params ?? 0;
    r.tags += add.tags ?? 0;
    for (const a of add.artifacts ?? []) if (!r.artifacts.includes(a)) r.artifacts.push(a);
    if (add.status !== undefined) r.status = add.status;
    if (add.createdInSpool) r.createdInSpool = true;
    r.localExperimentId = experimentId;
    // While the circuit is open, the failure that opened it says more than "0 attempts".
    r.reason = (this.down?.error ?? reason).message;
    this.spooled.set(runId, r);
    this.onSpool({ ...r, artifacts: [...r.artifacts] });
  }

  /** Write one run's buffer (and a terminal status) to the spool under the same run id, and report it. */
  private async spill(runId: string, reason: Error, extra: { status?: TerminalStatus; endTime?: number } = {}): Promise<void> {
    const p = this.pending.get(runId) ?? { metrics: [], tags: new Map<string, string>() };
    const { store, experimentId } = await this.spoolRun(runId);
    await store.logMetrics(runId, p.metrics);
    if (p.tags.size > 0) await store.setTags(runId, Object.fromEntries(p.tags));
    if (extra.status !== undefined) await store.setTerminated(runId, extra.status, extra.endTime);
    this.pending.delete(runId);
    this.record(runId, experimentId, reason, { metrics: p.metrics.length, tags: p.tags.size, ...(extra.status !== undefined ? { status: extra.status } : {}) });
  }

  /** Run an artifact upload; if the server is unreachable (or known to be down), keep the artifact in the spool. */
  private async uploadOrSpool(runId: string, label: string, upload: (retries: number | undefined) => Promise<void>, local: (store: FileStoreTracker) => Promise<void>): Promise<void> {
    if (this.localRuns.has(runId)) return this.writeLocal(runId, local, { artifacts: [label] });
    try {
      await this.call(upload);
    } catch (e) {
      if (!isOutage(e)) throw e;
      await this.exclusive(async () => {
        const { store, experimentId } = await this.spoolRun(runId);
        await local(store);
        this.record(runId, experimentId, e as Error, { artifacts: [label] });
      });
    }
  }

  async updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const local = this.localStore(runId);
    if (local) return { ...(await local.updateRun(runId, update)), experimentId: this.runs.get(runId)!.experimentId };
    const body: { run_id: string; status?: string; end_time?: number; run_name?: string } = { run_id: runId };
    if (update.status !== undefined) body.status = update.status;
    if (update.endTime !== undefined && update.endTime !== null) body.end_time = update.endTime;
    if (update.runName !== undefined) body.run_name = update.runName;
    const info = runInfoFromWire(await this.call(() => this.client.updateRun(body)));
    // A resumed run: remember what a spool copy of it needs.
    if (!this.runs.has(runId)) this.runs.set(runId, { experimentId: info.experimentId, runName: info.runName, startTime: info.startTime, tags: {}, artifactUri: info.artifactUri });
    return info;
  }

  /** Whether the spool holds a copy of this run (from this process or an earlier one). */
  private async inSpool(runId: string): Promise<boolean> {
    if (this.spooled.has(runId)) return true;
    try {
      await this.spoolStore().getRun(runId);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Send the run's buffer and whatever of it waits in the spool, then its status. If the
   * server cannot take all of it, the rest and the status go to the spool (reported through
   * `onSpool`) instead of an error: the server never shows a run ended with data missing.
   */
  setTerminated(runId: string, status: TerminalStatus, endTime: number = Date.now()): Promise<void> {
    return this.exclusive(() => this.setTerminatedNow(runId, status, endTime));
  }

  private async setTerminatedNow(runId: string, status: TerminalStatus, endTime: number): Promise<void> {
    const local = this.localStore(runId);
    if (local) {
      await local.setTerminated(runId, status, endTime);
      this.record(runId, (await local.getRun(runId)).info.experimentId, this.down?.error ?? new Error('the server was unreachable when the run started'), { status });
      return;
    }
    const spooled = await this.inSpool(runId);
    try {
      await this.sendPending(runId);
      if (spooled) await this.call((retries) => deliverSpooledRun(this.client, this.spoolStore(), runId, { ...(retries !== undefined ? { retries } : {}), removeWhenDone: false }));
      await this.call((retries) => this.client.updateRun({ run_id: runId, status, end_time: endTime }, retries));
    } catch (e) {
      if (!isOutage(e) && !spooled) throw e;
      // The spool could not be delivered (outage, or a refusal to show in `ablate sync`): the status waits with it.
      await this.spill(runId, e as Error, { status, endTime });
      return;
    }
    if (spooled) {
      await removeSpooledRun(this.spoolStore(), runId);
      this.spooled.delete(runId);
    }
  }

  /**
   * Deliver every run this server has in the spool (`ablate sync`, and the start of the next
   * `ablate run` with this server). Failures are in the outcomes, not thrown.
   */
  async deliverSpool(onRun?: (outcome: SyncOutcome) => void): Promise<SyncOutcome[]> {
    if ((await listSpooledRuns(this.spoolStore().root)).every((r) => r.remoteUri !== this.uri)) return [];
    return syncSpool(this.spoolStore().root, { remoteUri: this.uri, clientOf: () => this.client, ...(onRun ? { onRun } : {}) });
  }

  async getRun(runId: string): Promise<Run> {
    const local = this.localStore(runId);
    if (local) {
      const run = await local.getRun(runId);
      return { ...run, info: { ...run.info, experimentId: this.runs.get(runId)!.experimentId } };
    }
    const run = runFromWire(await this.call(() => this.client.getRun(runId)));
    const memo = this.runs.get(runId);
    if (memo) memo.artifactUri = run.info.artifactUri;
    else this.runs.set(runId, { experimentId: run.info.experimentId, runName: run.info.runName, startTime: run.info.startTime, tags: run.data.tags, artifactUri: run.info.artifactUri });
    return run;
  }

  async searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    // An experiment the server could not be asked about holds no server run this process knows of.
    const experimentIds = options.experimentIds.filter((id) => !this.offlineExperiments.has(id));
    if (experimentIds.length === 0 && options.experimentIds.length > 0) return [];
    options = { ...options, experimentIds };
    const want = options.maxResults ?? Infinity;
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.call(() =>
        this.client.searchRuns({
          experiment_ids: options.experimentIds,
          ...(options.filter !== undefined ? { filter: options.filter } : {}),
          run_view_type: options.runViewType ?? 'ACTIVE_ONLY',
          max_results: Math.min(1000, want - out.length),
          ...(options.orderBy !== undefined ? { order_by: options.orderBy } : {}),
          ...(pageToken !== undefined ? { page_token: pageToken } : {}),
        }),
      );
      out.push(...(res.runs ?? []).map(runFromWire));
      pageToken = res.next_page_token || undefined;
    } while (pageToken !== undefined && out.length < want);
    return out;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const local = this.localStore(runId);
    if (local) return local.getMetricHistory(runId, key);
    return (await this.call(() => this.client.getMetricHistory(runId, key))).map((m) => ({ key: m.key, value: decodeMetricValue(m.value), timestamp: m.timestamp, step: m.step ?? 0 }));
  }

  async deleteRun(runId: string): Promise<void> {
    const local = this.localStore(runId);
    if (local) {
      await removeSpooledRun(local, runId);
      this.localRuns.delete(runId);
      this.spooled.delete(runId);
      return;
    }
    await this.call(() => this.client.deleteRun(runId));
  }

  // ---- artifacts --------------------------------------------------------------------

  private async artifactUri(runId: string): Promise<string> {
    return this.runs.get(runId)?.artifactUri ?? (await this.getRun(runId)).info.artifactUri;
  }

  /** Uploads through the artifact proxy; during an outage the artifact goes to the spool. */
  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    const base = checkArtifactPath(artifactPath);
    let info;
    try {
      info = await stat(localPath);
    } catch {
      throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Cannot log artifact '${localPath}': no such file or folder`);
    }
    const prefix = base === '' ? '' : `${base}/`;
    await this.uploadOrSpool(
      runId,
      prefix + (info.isDirectory() ? '' : basename(localPath)),
      async (retries) => {
        const uri = await this.artifactUri(runId);
        if (info.isDirectory()) {
          for (const file of await listFiles(localPath)) {
            await this.client.uploadArtifact(uri, prefix + relative(localPath, file).split(sep).join('/'), await readFile(file), undefined, retries);
          }
        } else {
          await this.client.uploadArtifact(uri, prefix + basename(localPath), await readFile(localPath), undefined, retries);
        }
      },
      (store) => store.logArtifact(runId, localPath, artifactPath),
    );
  }

  /** Like logArtifact, for content in memory. */
  async logText(runId: string, content: string | Uint8Array, artifactFile: string): Promise<void> {
    const path = checkArtifactPath(artifactFile);
    await this.uploadOrSpool(
      runId,
      path,
      async (retries) => this.client.uploadArtifact(await this.artifactUri(runId), path, content, undefined, retries),
      (store) => store.logText(runId, content, path),
    );
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    const local = this.localStore(runId);
    if (local) return local.listArtifacts(runId, path);
    const norm = checkArtifactPath(path);
    const res = await this.call(() => this.client.listArtifacts(runId, norm === '' ? path : norm));
    return res.files
      .map((f) => ({ path: f.path, isDir: f.is_dir, fileSize: f.is_dir ? null : (f.file_size ?? null) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    const local = this.localStore(runId);
    if (local) return local.readArtifact(runId, path);
    const norm = checkArtifactPath(path);
    const uri = await this.artifactUri(runId);
    return this.call(() => this.client.downloadArtifact(uri, norm));
  }

  async downloadArtifact(runId: string, path: string, destDir: string): Promise<string> {
    const bytes = await this.readArtifact(runId, path);
    await mkdir(destDir, { recursive: true });
    const out = join(destDir, basename(path));
    await writeFile(out, bytes);
    return out;
  }

  /** Send every buffer; what the server still cannot take goes to the spool. */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    for (const runId of [...this.pending.keys()]) {
      try {
        await this.sendPending(runId);
      } catch (e) {
        if (!isOutage(e)) throw e;
        await this.spill(runId, e as Error);
      }
    }
  }

  /** Flush; when runs have data in the spool, say where (`onSpoolSummary`). */
  async close(): Promise<void> {
    await this.flush();
    if (this.spooled.size > 0) this.onSpoolSummary(this.spoolReports);
  }
}
