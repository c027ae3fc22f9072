/**
 * The tracking interface the runtime and the CLI use, independent of where runs are stored:
 * an MLflow FileStore folder (default `./mlruns`) or an MLflow tracking server over REST.
 *
 * Conventions: times are integer milliseconds since the epoch; ids are strings; param and tag
 * values are strings; keys follow MLflow's rules (see mlflow-limits.ts). Errors are
 * TrackingError subclasses carrying MLflow's error code.
 */
import { FileStoreTracker } from './mlflow-filestore.ts';
import { RestTracker, type RestTrackerOptions } from './rest-tracker.ts';
import { UnsupportedTrackingUriError } from './tracking-error.ts';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type TerminalStatus = 'FINISHED' | 'FAILED' | 'KILLED';
export type LifecycleStage = 'active' | 'deleted';
/** Which runs a search returns, by lifecycle stage. */
export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export {
  MLFLOW_GIT_COMMIT_TAG,
  MLFLOW_PARENT_RUN_ID_TAG,
  MLFLOW_RUN_NAME_TAG,
  MLFLOW_SOURCE_NAME_TAG,
  MLFLOW_SOURCE_TYPE_TAG,
  MLFLOW_USER_TAG,
} from './mlflow-tags.ts';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  /** ms; null when the store did not record it. */
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  /** ms */
  startTime: number;
  /** ms; null while the run has not ended. */
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** One logged metric value. `timestamp` in ms; `step` an integer (may be negative). */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface RunData {
  params: Record<string, string>;
  tags: Record<string, string>;
  /** The latest value of each metric (max by step, then timestamp, then value), sorted by key. */
  metrics: Metric[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
}

/** An entry of an artifact listing; `path` is relative to the run's artifact root (posix). */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** bytes; null for directories */
  fileSize: number | null;
}

export interface CreateRunOptions {
  experimentId: string;
  /** Also written as tag `mlflow.runName`. Default: a generated name. */
  runName?: string;
  tags?: Record<string, string>;
  /** Makes this a nested run: tag `mlflow.parentRunId`. */
  parentRunId?: string;
  /** ms; default Date.now(). */
  startTime?: number;
  /** Default: the `mlflow.user` tag, else the OS user name. Also written as tag `mlflow.user`. */
  userId?: string;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  /** ms; null clears it (FileStore only; a server keeps the old value). */
  endTime?: number | null;
  runName?: string;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /**
   * MLflow search syntax, clauses joined by AND: `tags.\`ablate.specHash\` = 'abc'`,
   * `attributes.status = 'FINISHED'`, `params.lr = '0.01'`, `metrics.loss < 0.5`.
   * Build one from values with `runFilter()` (run-search.ts).
   */
  filter?: string;
  /** Default ACTIVE_ONLY. */
  runViewType?: RunViewType;
  /** e.g. `['metrics.loss DESC']`; ties and the default order are start_time DESC, run_id ASC. */
  orderBy?: string[];
  /** Default: all matching runs. */
  maxResults?: number;
}

/** A tracking backend. All methods are async; failures throw TrackingError subclasses. */
export interface Tracker {
  /** The store this tracker writes to: an absolute folder or a server URL. */
  readonly uri: string;
  /** Find an active or deleted experiment by name, or create it (with `tags`) when missing. */
  getOrCreateExperiment(name: string, tags?: Record<string, string>): Promise<Experiment>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Experiments by creation time, newest first (then id). Default ACTIVE_ONLY. */
  listExperiments(view?: RunViewType): Promise<Experiment[]>;
  /** undefined when no experiment has this name. */
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  createRun(options: CreateRunOptions): Promise<RunInfo>;
  /** Params are immutable: logging a different value for a logged key throws INVALID_PARAMETER_VALUE. */
  logParams(runId: string, params: Record<string, string>): Promise<void>;
  logMetrics(runId: string, metrics: readonly Metric[]): Promise<void>;
  setTags(runId: string, tags: Record<string, string>): Promise<void>;
  updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo>;
  /** End a run: status FINISHED, FAILED or KILLED, `endTime` in ms (default now). Flushes buffers first. */
  setTerminated(runId: string, status: TerminalStatus, endTime?: number): Promise<void>;
  getRun(runId: string): Promise<Run>;
  searchRuns(options: SearchRunsOptions): Promise<Run[]>;
  /** Every logged value of one metric, in logging order. */
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  /**
   * Copy a local file to `<artifactPath>/<basename>` in the run's artifacts, or a local
   * folder's contents under `<artifactPath>/`.
   */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void>;
  /** Write `content` as the artifact `artifactFile` (a relative posix path, e.g. `params/model.txt`). */
  logText(runId: string, content: string | Uint8Array, artifactFile: string): Promise<void>;
  /** Entries directly under `path` (default the root), sorted by path. */
  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]>;
  readArtifact(runId: string, path: string): Promise<Uint8Array>;
  /** Save one artifact file into `destDir`; returns the written file's path. */
  downloadArtifact(runId: string, path: string, destDir: string): Promise<string>;
  /** Soft delete: lifecycle_stage becomes `deleted`. */
  deleteRun(runId: string): Promise<void>;
  /** Send buffered metrics now (REST); nothing to do for a FileStore. */
  flush(): Promise<void>;
  /** Flush and release resources. */
  close(): Promise<void>;
}

export interface CreateTrackerOptions {
  /** Options of the REST tracker (retries, fallback store, ...); ignored for a FileStore. */
  rest?: RestTrackerOptions;
}

/**
 * A Tracker for `uri`: a folder path or `file:` URI gives an MLflow FileStore, `http(s)://`
 * a REST client of a tracking server. Default: `$MLFLOW_TRACKING_URI`, else `./mlruns`.
 */
export function createTracker(
  uri: string = process.env['MLFLOW_TRACKING_URI'] ?? './mlruns',
  options: CreateTrackerOptions = {},
): Tracker {
  if (/^https?:\/\//i.test(uri)) return new RestTracker(uri, options.rest);
  // MLflow reads a bare `databricks` as the Databricks workspace, not as a folder.
  if (/^databricks(:|$)/i.test(uri)) throw new UnsupportedTrackingUriError(uri);
  if (/^file:/i.test(uri) || !/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) {
    return new FileStoreTracker(uri);
  }
  throw new UnsupportedTrackingUriError(uri);
}
