/**
 * The spool: what a run could not deliver to its MLflow tracking server (the server stayed
 * down) kept in a local MLflow FileStore (default `./mlruns-spool`, readable by
 * `mlflow ui --backend-store-uri ./mlruns-spool`), one spooled run per server run, under the
 * same run id and tagged with the server's URI. `deliverSpooledRun` sends one such run to the
 * server and `syncSpool` (`ablate sync`) all of them.
 *
 * Delivery is idempotent, so an interrupted sync can simply run again: metric values already on
 * the server (same key, step, timestamp and value; counted as a multiset) are not sent again,
 * params and tags the server already holds are skipped, artifact uploads overwrite, and a
 * spooled status is set only while the server's run still says RUNNING. A spooled run is
 * removed once everything, its final status included, is on the server; a spooled run still
 * RUNNING (its process may still be writing) is delivered and kept.
 *
 * A run started while the server was down was created in the spool (`createdInSpool` tag),
 * with a local run id. Delivery first creates it on the server — in the experiment of the
 * same name, created if missing — tagged `ablate.spoolRunId` with the local id, and records
 * the server's run id in the spool (`remoteRunId` tag); a sync interrupted between the two
 * finds the server's run by that tag, so it is created once. A child's `mlflow.parentRunId`
 * is translated to its parent's server run id (the parent is created first).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FileStoreTracker } from './mlflow-filestore.ts';
import { decodeMetricValue, encodeMetricValue, MlflowRestClient, type MlflowRestClientOptions, type WireMetric } from './mlflow-rest.ts';
import { MlflowRestError, MlflowUnreachableError, TrackingError } from './tracking-error.ts';
import { MLFLOW_PARENT_RUN_ID_TAG } from './mlflow-tags.ts';
import { runFilter } from './run-search.ts';
import type { Metric, Run, TerminalStatus } from './tracker.ts';

/** Default spool folder, relative to the working directory. */
export const DEFAULT_SPOOL_URI = './mlruns-spool';

/** Tags on a spooled run (never delivered): where it belongs. */
export const SPOOL_TAGS = {
  remoteUri: 'ablate.spool.remoteUri',
  /** Empty when the server could not be asked (the run was created in the spool). */
  remoteExperimentId: 'ablate.spool.remoteExperimentId',
  remoteExperimentName: 'ablate.spool.remoteExperimentName',
  /** 'true': the run was created in the spool and has no server run until delivered. */
  createdInSpool: 'ablate.spool.createdInSpool',
  /** The server's run id of a run created in the spool, once delivery has created it. */
  remoteRunId: 'ablate.spool.remoteRunId',
} as const;

/** On the server: the local (spool) run id a run was created from, so delivery creates it once. */
export const SPOOL_RUN_ID_TAG = 'ablate.spoolRunId';

/** What one delivery sent (or found already there). */
export interface DeliveryReport {
  /** The run's id in the spool. */
  runId: string;
  /** The run's id on the server (another id for a run created in the spool). */
  remoteRunId: string;
  /** The run was created on the server by this delivery. */
  created: boolean;
  remoteUri: string;
  metricsSent: number;
  /** Spooled metric values the server already held (sent earlier by an interrupted sync). */
  metricsAlreadyThere: number;
  params: number;
  tags: number;
  artifacts: string[];
  /** The spooled terminal status set on the server. */
  status?: TerminalStatus;
  /** The server's run had ended already, so the spooled status was left out. */
  statusKept?: string;
  /** The spooled run was removed (everything, its status included, is on the server). */
  removed: boolean;
}

const metricId = (m: { step: number; timestamp: number; value: number | string }): string =>
  `${m.step}\u0000${m.timestamp}\u0000${String(encodeMetricValue(typeof m.value === 'string' ? decodeMetricValue(m.value) : m.value))}`;

async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out.sort();
}

/** Tags of a spooled run that belong on the server (not the spool's own). */
export function deliverableTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('ablate.spool.')));
}

/**
 * Send one spooled run to `client`'s server; remove it from the spool when it carries a
 * terminal status and `keepTerminal` is off. Throws (MlflowUnreachableError, MlflowRestError)
 * when the server cannot take it; what was sent stays sent and a later call sends the rest.
 */
export async function deliverSpooledRun(
  client: MlflowRestClient,
  spool: FileStoreTracker,
  runId: string,
  options: { retries?: number; removeWhenDone?: boolean } = {},
): Promise<DeliveryReport> {
  let local: Run = await spool.getRun(runId);
  const { remoteRunId, created } = await remoteRunOf(client, spool, local, options.retries);
  if (created) local = await spool.getRun(runId);
  let remote;
  try {
    remote = await client.getRun(remoteRunId);
  } catch (e) {
    if (e instanceof MlflowRestError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Spooled run ${runId} is not on ${client.baseUrl}`, {
        hint: `It was spooled for ${local.data.tags[SPOOL_TAGS.remoteUri] ?? 'another server'}; sync it to that server, or open the spool with mlflow ui --backend-store-uri ${spool.root}.`,
        cause: e,
      });
    }
    throw e;
  }
  const report: DeliveryReport = { runId, remoteRunId, created, remoteUri: client.baseUrl, metricsSent: 0, metricsAlreadyThere: 0, params: 0, tags: 0, artifacts: [], removed: false };

  // Params and tags the server lacks (or holds with another value: MLflow refuses a changed
  // param with a 400, which is reported as it is).
  const remoteParams = Object.fromEntries((remote.data.params ?? []).map((p) => [p.key, p.value]));
  const remoteTags = Object.fromEntries((remote.data.tags ?? []).map((t) => [t.key, t.value]));
  const params = Object.entries(local.data.params).filter(([k, v]) => remoteParams[k] !== v).map(([key, value]) => ({ key, value }));
  const tags = Object.entries(await serverTags(client, spool, local, remote.info.experiment_id, options.retries))
    .filter(([k, v]) => remoteTags[k] !== v && k !== 'mlflow.runName' && k !== 'mlflow.user')
    .map(([key, value]) => ({ key, value }));
  if (params.length > 0 || tags.length > 0) await client.logBatchChunked(remoteRunId, { params, tags }, options.retries);
  report.params = params.length;
  report.tags = tags.length;

  // Every metric value not on the server yet, by (step, timestamp, value) with multiplicity.
  for (const key of local.data.metrics.map((m) => m.key)) {
    const spooled: Metric[] = await spool.getMetricHistory(runId, key);
    const there = new Map<string, number>();
    for (const m of await client.getMetricHistory(remoteRunId, key)) there.set(metricId(m), (there.get(metricId(m)) ?? 0) + 1);
    const missing: WireMetric[] = [];
    for (const m of spooled) {
      const id = metricId(m);
      const n = there.get(id) ?? 0;
      if (n > 0) {
        there.set(id, n - 1);
        report.metricsAlreadyThere++;
      } else {
        missing.push({ key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step });
      }
    }
    if (missing.length > 0) await client.logBatchChunked(remoteRunId, { metrics: missing }, options.retries);
    report.metricsSent += missing.length;
  }

  // Artifacts: an upload overwrites, so a second delivery is harmless.
  const dir = await spool.artifactsDir(runId);
  for (const file of await listFiles(dir)) {
    const path = relative(dir, file).split(sep).join('/');
    await client.uploadArtifact(remote.info.artifact_uri, path, await readFile(file));
    report.artifacts.push(path);
  }

  const status = local.info.status;
  if (status === 'FINISHED' || status === 'FAILED' || status === 'KILLED') {
    if (remote.info.status === 'RUNNING') {
      await client.updateRun({ run_id: remoteRunId, status, ...(local.info.endTime !== null ? { end_time: local.info.endTime } : {}) }, options.retries);
      report.status = status;
    } else {
      report.statusKept = remote.info.status;
    }
    if (options.removeWhenDone ?? true) {
      await removeSpooledRun(spool, runId);
      report.removed = true;
    }
  }
  return report;
}

/** The server's run created from the spooled run `localRunId` (tag `ablate.spoolRunId`), if any. */
async function findCreatedRun(client: MlflowRestClient, experimentId: string, localRunId: string): Promise<string | undefined> {
  const filter = runFilter({ tags: { [SPOOL_RUN_ID_TAG]: localRunId } });
  const [found] = (await client.searchRuns({ experiment_ids: [experimentId], filter, run_view_type: 'ALL', max_results: 1 })).runs ?? [];
  return found ? (found.info.run_id ?? found.info.run_uuid) : undefined;
}

/**
 * The tags a spooled run has on the server: without the spool's own, its parent as the server
 * knows it — a parent created in the spool is created on the server first, or (delivered and
 * gone from the spool already) found there by its local id, in the child's experiment.
 */
async function serverTags(client: MlflowRestClient, spool: FileStoreTracker, local: Run, experimentId: string, retries?: number): Promise<Record<string, string>> {
  const tags = deliverableTags(local.data.tags);
  const parent = tags[MLFLOW_PARENT_RUN_ID_TAG];
  if (parent !== undefined) {
    let parentRun: Run | undefined;
    try {
      parentRun = await spool.getRun(parent);
    } catch {
      parentRun = undefined;
    }
    if (parentRun?.data.tags[SPOOL_TAGS.createdInSpool] === 'true') tags[MLFLOW_PARENT_RUN_ID_TAG] = (await remoteRunOf(client, spool, parentRun, retries)).remoteRunId;
    else if (parentRun === undefined && local.data.tags[SPOOL_TAGS.createdInSpool] === 'true') {
      tags[MLFLOW_PARENT_RUN_ID_TAG] = (await findCreatedRun(client, experimentId, parent)) ?? parent; // else a run the server knows by that id
    }
  }
  return tags;
}

/**
 * The server's run id of a spooled run: its own id, or — for a run created in the spool —
 * the run delivery created on the server (found by `ablate.spoolRunId` when an earlier
 * delivery created it but could not record it), created now when there is none.
 */
async function remoteRunOf(client: MlflowRestClient, spool: FileStoreTracker, local: Run, retries?: number): Promise<{ remoteRunId: string; created: boolean }> {
  const tags = local.data.tags;
  const runId = local.info.runId;
  if (tags[SPOOL_TAGS.createdInSpool] !== 'true') return { remoteRunId: runId, created: false };
  const known = tags[SPOOL_TAGS.remoteRunId];
  if (known) return { remoteRunId: known, created: false };
  const name = tags[SPOOL_TAGS.remoteExperimentName] ?? 'Default';
  let experimentId = tags[SPOOL_TAGS.remoteExperimentId] || undefined;
  if (experimentId === undefined) {
    try {
      experimentId = (await client.getExperimentByName(name)).experiment_id;
    } catch (e) {
      if (!(e instanceof MlflowRestError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST')) throw e;
      try {
        experimentId = await client.createExperiment(name);
      } catch (err) {
        if (!(err instanceof MlflowRestError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
        experimentId = (await client.getExperimentByName(name)).experiment_id; // created meanwhile
      }
    }
  }
  const found = await findCreatedRun(client, experimentId, runId);
  let remoteRunId = found;
  if (remoteRunId === undefined) {
    const serverTagValues = { ...(await serverTags(client, spool, local, experimentId, retries)), [SPOOL_RUN_ID_TAG]: runId };
    const run = await client.createRun({
      experiment_id: experimentId,
      user_id: local.info.userId,
      run_name: local.info.runName,
      start_time: local.info.startTime,
      tags: Object.entries(serverTagValues).map(([key, value]) => ({ key, value })),
    });
    remoteRunId = run.info.run_id ?? run.info.run_uuid;
  }
  await spool.setTags(runId, { [SPOOL_TAGS.remoteRunId]: remoteRunId });
  return { remoteRunId, created: found === undefined };
}

/** Delete a delivered run's folder from the spool. */
export async function removeSpooledRun(spool: FileStoreTracker, runId: string): Promise<void> {
  const { info } = await spool.getRun(runId);
  await rm(join(spool.root, info.experimentId, runId), { recursive: true, force: true });
}

/** A run waiting in the spool. */
export interface SpooledRun {
  runId: string;
  runName: string;
  remoteUri: string;
  status: string;
  metrics: number;
}

/** The runs in the spool at `root` (all servers), oldest first. */
export async function listSpooledRuns(root: string): Promise<SpooledRun[]> {
  if (!existsSync(root)) return [];
  const spool = new FileStoreTracker(root, { onWarning: () => {} });
  const experiments = await spool.listExperiments();
  if (experiments.length === 0) return [];
  const runs = await spool.searchRuns({ experimentIds: experiments.map((e) => e.experimentId) });
  return runs
    .filter((r) => r.data.tags[SPOOL_TAGS.remoteUri] !== undefined)
    .sort((a, b) => a.info.startTime - b.info.startTime)
    .map((r) => ({ runId: r.info.runId, runName: r.info.runName, remoteUri: r.data.tags[SPOOL_TAGS.remoteUri]!, status: r.info.status, metrics: r.data.metrics.length }));
}

/** The outcome of `syncSpool` for one spooled run. */
export type SyncOutcome = { run: SpooledRun; delivered: DeliveryReport } | { run: SpooledRun; error: Error };

/**
 * Deliver every run in the spool at `root` to the server it was spooled for (or only those of
 * `remoteUri`). A run that cannot be delivered (server still down, run unknown there) is
 * reported and stays in the spool; the others go on.
 */
export async function syncSpool(
  root: string,
  options: {
    remoteUri?: string;
    /** Options of the REST clients made per server (retries, auth). */
    client?: MlflowRestClientOptions;
    /** The client for a server URI (default: a new MlflowRestClient with `client`). */
    clientOf?: (uri: string) => MlflowRestClient;
    onRun?: (outcome: SyncOutcome) => void;
  } = {},
): Promise<SyncOutcome[]> {
  const spool = new FileStoreTracker(root, { onWarning: () => {} });
  const wanted = options.remoteUri?.replace(/\/+$/, '');
  const clients = new Map<string, { client: MlflowRestClient; down?: Error }>();
  const out: SyncOutcome[] = [];
  for (const run of await listSpooledRuns(root)) {
    if (wanted !== undefined && run.remoteUri !== wanted) continue;
    let server = clients.get(run.remoteUri);
    if (!server) {
      const client = options.clientOf?.(run.remoteUri) ?? new MlflowRestClient(run.remoteUri, options.client);
      server = { client };
      // One try first: a server still down is reported at once, without a backoff per run.
      try {
        await client.health();
      } catch (e) {
        if (e instanceof MlflowUnreachableError || (e instanceof MlflowRestError && e.status >= 500)) server.down = e;
      }
      clients.set(run.remoteUri, server);
    }
    let outcome: SyncOutcome;
    try {
      if (server.down) throw server.down;
      outcome = { run, delivered: await deliverSpooledRun(server.client, spool, run.runId) };
    } catch (e) {
      outcome = { run, error: e as Error };
    }
    out.push(outcome);
    options.onRun?.(outcome);
  }
  return out;
}

/** One line per sync outcome, for `ablate sync` and the start of `ablate run`. */
export function describeSyncOutcome(o: SyncOutcome): string {
  const who = `run ${o.run.runId}${o.run.runName ? ` (${o.run.runName})` : ''} → ${o.run.remoteUri}`;
  if ('error' in o) {
    const hint = (o.error as { hint?: string }).hint;
    return `${who}: not delivered, kept in the spool: ${o.error.message}${hint ? `\n  hint: ${hint}` : ''}`;
  }
  const d = o.delivered;
  const parts = [
    `${d.metricsSent} metric value(s) sent${d.metricsAlreadyThere > 0 ? ` (${d.metricsAlreadyThere} already there)` : ''}`,
    `${d.params} param(s)`,
    `${d.tags} tag(s)`,
    `${d.artifacts.length} artifact(s)`,
  ];
  const status = d.status !== undefined ? `; status ${d.status}` : d.statusKept !== undefined ? `; the server already says ${d.statusKept}, kept` : '; still RUNNING';
  const id = d.remoteRunId !== d.runId ? `${d.created ? 'created on the server as' : 'server'} run ${d.remoteRunId}: ` : '';
  return `${who}: ${id}${parts.join(', ')}${status}${d.removed ? '; removed from the spool' : ''}`;
}
