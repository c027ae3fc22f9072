/**
 * MLflow's FileStore, written and read exactly as MLflow 2.2.2 lays it out, so that
 * `mlflow ui --backend-store-uri ./mlruns` and MLflow's Python client read what ablate logs
 * (facts: fixtures/mlflow-2.2.2/layout.md).
 *
 * ```
 * <root>/.trash/                         deleted experiments
 * <root>/<exp_id>/meta.yaml              experiment meta (sorted keys, yaml safe_dump style)
 * <root>/<exp_id>/tags/<key>             experiment tags, one file each
 * <root>/<exp_id>/<run_id>/meta.yaml     run meta
 * <root>/<exp_id>/<run_id>/params/<key>  raw value, no trailing newline; '/' in a key = subfolder
 * <root>/<exp_id>/<run_id>/metrics/<key> lines `<timestamp_ms> <python float> <step>`
 * <root>/<exp_id>/<run_id>/tags/<key>
 * <root>/<exp_id>/<run_id>/artifacts/
 * ```
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, appendFile, copyFile, cp, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Document, parse as parseYaml, visit } from 'yaml';
import {
  MAX_KEY_LENGTH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_PER_BATCH,
  MAX_TAG_VALUE_LENGTH,
  MAX_TAGS_PER_BATCH,
  posixNormpath,
  validateBatchLimits,
  validateExperimentId,
  validateExperimentName,
  validateKeyName,
  validateLength,
  validateMetric,
  validateParam,
  validateParamKeysUnique,
  validateRunId,
  validateTag,
} from './mlflow-limits.ts';
import { checkArtifactPath } from './artifact-path.ts';
import { withFileLock } from './file-lock.ts';
import { currentUser } from './run-user.ts';
import { formatPythonFloat, parsePythonFloat } from './python-float.ts';
import { parseFilter, parseOrderBy, runMatches, sortRuns } from './run-search.ts';
import { TrackingError } from './tracking-error.ts';
import { MLFLOW_PARENT_RUN_ID_TAG, MLFLOW_RUN_NAME_TAG, MLFLOW_USER_TAG } from './mlflow-tags.ts';
import type {
  ArtifactEntry,
  CreateRunOptions,
  Experiment,
  LifecycleStage,
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

/** Status as stored in meta.yaml (MLflow's RunStatus enum). */
export const RUN_STATUS_CODES: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_BY_CODE = new Map<number, RunStatus>(Object.entries(RUN_STATUS_CODES).map(([k, v]) => [v, k as RunStatus]));

/** MLflow's SourceType.LOCAL, the value MlflowClient writes. */
const SOURCE_TYPE_LOCAL = 4;
const TRASH = '.trash';
/** Folders at the root that are not experiments. */
const EXPERIMENT_LOCK = '.ablate-experiments.lock';
/** Folders at the root that are not experiments (the lock is a folder while held). */
const NOT_EXPERIMENTS = new Set([TRASH, 'models', EXPERIMENT_LOCK]);
const DEFAULT_EXPERIMENT_ID = '0';
const DEFAULT_EXPERIMENT_NAME = 'Default';

/** Fields of a run's meta.yaml, as MLflow writes them. */
export interface RunMeta {
  artifact_uri: string;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string;
  lifecycle_stage: LifecycleStage;
  run_id: string;
  run_name: string;
  run_uuid: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number;
  status: number;
  tags: [];
  user_id: string;
  /** Only while the run is deleted. */
  deleted_time?: number;
}

/** Fields of an experiment's meta.yaml. */
export interface ExperimentMeta {
  artifact_location: string;
  creation_time: number;
  experiment_id: string;
  last_update_time: number;
  lifecycle_stage: LifecycleStage;
  name: string;
}

/**
 * meta.yaml text as PyYAML's safe_dump writes it for MLflow: block style, keys sorted,
 * YAML 1.1 quoting (`'0'`, `''`, `'yes'`), UTF-8. Checked against PyYAML 6 on 62 tricky
 * strings; the differences left are harmless (PyYAML folds plain scalars past column 80 and
 * leaves `y`/`n`/`1e5` unquoted; both read back the same).
 */
export function renderMetaYaml(meta: RunMeta | ExperimentMeta): string {
  const doc = new Document(meta, { version: '1.1', sortMapEntries: true });
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'string') return;
      // PyYAML would read a plain `=` as a value tag and a tab-containing scalar differently.
      if (node.value.includes('\t')) node.type = 'QUOTE_DOUBLE';
      else if (node.value === '=' || node.value.includes('\n')) node.type = 'QUOTE_SINGLE';
    },
  });
  let text = doc.toString({ singleQuote: true, lineWidth: 0 });
  // The yaml package leaves a `<<` value plain, which PyYAML reads as a merge key.
  for (const [key, value] of Object.entries(meta)) {
    if (value === '<<') text = text.replace(new RegExp(`^${key}: <<$`, 'm'), `${key}: '<<'`);
  }
  return text;
}

/** Parse meta.yaml with the YAML 1.1 rules PyYAML uses. */
export function parseMetaYaml(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1' });
  } catch (e) {
    throw new TrackingError('INVALID_STATE', `${file}: not valid YAML (${(e as Error).message})`, { cause: e });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new TrackingError('INVALID_STATE', `${file}: expected a mapping of meta fields`);
  }
  return doc as Record<string, unknown>;
}

/** A random 18-digit decimal id, as FileStore makes for new experiments. */
function newExperimentId(): string {
  const bytes = randomBytes(18);
  let id = String(1 + (bytes[0]! % 9));
  for (let i = 1; i < 18; i++) id += String(bytes[i]! % 10);
  return id;
}

/** uuid4 as 32 lowercase hex characters. */
function newRunId(): string {
  return randomUUID().replace(/-/g, '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listDirs(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Every file below `dir`, as posix paths relative to it: the keys of params/, metrics/, tags/. */
async function listKeys(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const e of entries) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) keys.push(...(await listKeys(dir, rel)));
    else if (e.isFile()) keys.push(rel);
  }
  return keys.sort();
}

function keyPath(dir: string, key: string): string {
  return join(dir, ...key.split('/'));
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

/** Parse one metric file: `<ts> <value> <step>` per line; a 2-field line has step 0. */
export function parseMetricLines(key: string, text: string, file: string): Metric[] {
  const out: Metric[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || fields.length > 3) {
      throw new TrackingError('INVALID_STATE', `${file}:${i + 1}: expected '<timestamp> <value> [<step>]', got '${line}'`);
    }
    const timestamp = Number.parseInt(fields[0]!, 10);
    const step = fields.length === 3 ? Number.parseInt(fields[2]!, 10) : 0;
    if (!Number.isFinite(timestamp) || !Number.isFinite(step)) {
      throw new TrackingError('INVALID_STATE', `${file}:${i + 1}: timestamp and step must be integers, got '${line}'`);
    }
    out.push({ key, value: parsePythonFloat(fields[1]!), timestamp, step });
  });
  return out;
}

/** The metric line MLflow appends: `<timestamp_ms> <str(float)> <step>\n`. */
export function formatMetricLine(m: Metric): string {
  return `${m.timestamp} ${formatPythonFloat(m.value)} ${m.step}\n`;
}

/** MLflow's "latest" value: the max by (step, timestamp, value), NaN counting as smallest. */
export function latestMetric(history: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const m of history) {
    if (best === undefined) { best = m; continue; }
    const cmp =
      m.step - best.step ||
      m.timestamp - best.timestamp ||
      (Number.isNaN(m.value) ? (Number.isNaN(best.value) ? 0 : -1) : Number.isNaN(best.value) ? 1 : m.value - best.value);
    if (cmp > 0) best = m;
  }
  return best;
}

function requireField(meta: Record<string, unknown>, field: string, file: string): unknown {
  if (!(field in meta)) throw new TrackingError('INVALID_STATE', `${file}: missing field '${field}'`);
  return meta[field];
}

function toStatus(raw: unknown, file: string): RunStatus {
  if (raw === undefined || raw === null) return 'RUNNING';
  if (typeof raw === 'number' && STATUS_BY_CODE.has(raw)) return STATUS_BY_CODE.get(raw)!;
  if (typeof raw === 'string' && raw in RUN_STATUS_CODES) return raw as RunStatus;
  throw new TrackingError('INVALID_STATE', `${file}: unknown run status '${String(raw)}'`);
}

function toMs(raw: unknown, field: string, file: string): number {
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new TrackingError('INVALID_STATE', `${file}: '${field}' must be an integer (ms), got '${String(raw)}'`);
  return n;
}

function toMsOrNull(raw: unknown, field: string, file: string): number | null {
  return raw === null || raw === undefined ? null : toMs(raw, field, file);
}

/** Everything in a FileStore, read in one pass. */
export interface StoreSnapshot {
  root: string;
  /** Active then deleted experiments, each in search order (creation_time DESC, id ASC). */
  experiments: Array<{ experiment: Experiment; runs: Run[] }>;
  /** Entries that were skipped, with the reason. */
  warnings: string[];
}

export interface FileStoreOptions {
  /** Called for every skipped entry of a malformed store. Default: console.warn. */
  onWarning?: (message: string) => void;
  /** Never create the root, `.trash/` or the Default experiment (for pure readers). */
  readOnly?: boolean;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A Tracker over an MLflow FileStore folder. `root` is a path or a `file:` URI; the folder,
 * its `.trash/` and the `Default` experiment (id 0) are created on first use when missing.
 */
export class FileStoreTracker implements Tracker {
  readonly uri: string;
  /** Absolute path of the store's root folder. */
  readonly root: string;
  private readonly onWarning: (message: string) => void;
  private ready: Promise<void> | undefined;
  private readonly readOnly: boolean;
  private readonly runDirs = new Map<string, string>();

  constructor(root: string, options: FileStoreOptions = {}) {
    this.root = FileStoreTracker.rootPath(root);
    this.uri = this.root;
    this.onWarning = options.onWarning ?? ((m) => console.warn(`[mlflow-filestore] ${m}`));
    this.readOnly = options.readOnly ?? false;
  }

  /** Folder of a path or `file:` URI (`file:///abs`, `file:/abs`, `file:rel`). */
  static rootPath(uri: string): string {
    if (/^file:\/\//i.test(uri)) return fileURLToPath(uri);
    if (/^file:/i.test(uri)) return resolve(decodeURIComponent(uri.slice('file:'.length)));
    return resolve(uri);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (this.readOnly) return;
      if (!(await exists(this.root))) {
        await mkdir(join(this.root, TRASH), { recursive: true });
        await this.writeExperiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, {});
      } else if (!(await exists(join(this.root, TRASH)))) {
        await mkdir(join(this.root, TRASH), { recursive: true });
      }
    })();
    return this.ready;
  }

  // ---- experiments ------------------------------------------------------------------

  private async writeExperiment(id: string, name: string, tags: Record<string, string>): Promise<Experiment> {
    const dir = join(this.root, id);
    await mkdir(dir, { recursive: true });
    const now = Date.now();
    const meta: ExperimentMeta = {
      artifact_location: pathToFileURL(dir).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    await writeAtomic(join(dir, 'meta.yaml'), renderMetaYaml(meta));
    for (const [k, v] of Object.entries(tags)) await this.writeExperimentTag(dir, k, v);
    return { experimentId: id, name, artifactLocation: meta.artifact_location, lifecycleStage: 'active', creationTime: now, lastUpdateTime: now, tags: { ...tags } };
  }

  private async writeExperimentTag(expDir: string, key: string, value: string): Promise<void> {
    validateKeyName('tag', key);
    validateLength('Tag key', MAX_KEY_LENGTH, key);
    validateLength('Tag value', MAX_TAG_VALUE_LENGTH, value);
    const path = keyPath(join(expDir, 'tags'), key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, value, 'utf8');
  }

  private async readExperimentDir(dir: string, deleted: boolean): Promise<Experiment | undefined> {
    const file = join(dir, 'meta.yaml');
    let meta: Record<string, unknown>;
    try {
      meta = parseMetaYaml(await readFile(file, 'utf8'), file);
      for (const f of ['experiment_id', 'name', 'artifact_location']) requireField(meta, f, file);
    } catch (e) {
      this.onWarning(`Malformed experiment '${basename(dir)}' skipped: ${(e as Error).message}`);
      return undefined;
    }
    const id = String(meta['experiment_id']);
    if (id !== basename(dir)) {
      this.onWarning(`Experiment folder '${basename(dir)}' skipped: its meta.yaml says experiment_id '${id}'`);
      return undefined;
    }
    const tags: Record<string, string> = {};
    for (const key of await listKeys(join(dir, 'tags'))) tags[key] = await readFile(keyPath(join(dir, 'tags'), key), 'utf8');
    return {
      experimentId: id,
      name: String(meta['name']),
      artifactLocation: String(meta['artifact_location']),
      // Where the folder is decides the stage, not the file.
      lifecycleStage: deleted ? 'deleted' : 'active',
      creationTime: toMsOrNull(meta['creation_time'], 'creation_time', file),
      lastUpdateTime: toMsOrNull(meta['last_update_time'], 'last_update_time', file),
      tags: sortObject(tags),
    };
  }

  private async experimentDirs(view: RunViewType): Promise<Array<{ dir: string; deleted: boolean }>> {
    await this.init();
    const out: Array<{ dir: string; deleted: boolean }> = [];
    if (view !== 'DELETED_ONLY') {
      for (const name of await listDirs(this.root)) if (!NOT_EXPERIMENTS.has(name)) out.push({ dir: join(this.root, name), deleted: false });
    }
    if (view !== 'ACTIVE_ONLY') {
      for (const name of await listDirs(join(this.root, TRASH))) out.push({ dir: join(this.root, TRASH, name), deleted: true });
    }
    return out;
  }

  /** Experiments in MLflow's search order: creation_time DESC, then experiment_id ASC. */
  async listExperiments(view: RunViewType = 'ACTIVE_ONLY'): Promise<Experiment[]> {
    const out: Experiment[] = [];
    for (const { dir, deleted } of await this.experimentDirs(view)) {
      const e = await this.readExperimentDir(dir, deleted);
      if (e) out.push(e);
    }
    return out.sort((a, b) => (b.creationTime ?? 0) - (a.creationTime ?? 0) || (a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0));
  }

  private async experimentDir(experimentId: string): Promise<{ dir: string; deleted: boolean }> {
    validateExperimentId(experimentId);
    await this.init();
    const active = join(this.root, experimentId);
    if (await exists(join(active, 'meta.yaml'))) return { dir: active, deleted: false };
    const trashed = join(this.root, TRASH, experimentId);
    if (await exists(join(trashed, 'meta.yaml'))) return { dir: trashed, deleted: true };
    throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const { dir, deleted } = await this.experimentDir(experimentId);
    const e = await this.readExperimentDir(dir, deleted);
    if (!e) throw new TrackingError('INVALID_STATE', `Experiment '${experimentId}' is malformed`, { hint: `Check ${join(dir, 'meta.yaml')}.` });
    return e;
  }

  /**
   * An experiment folder whose meta.yaml cannot be read and may hold `name` (it does not parse,
   * or it names `name` but lacks fields): creating `name` again would make a second experiment.
   */
  private async unreadableExperimentMeta(name: string): Promise<{ file: string; why: string } | undefined> {
    for (const { dir } of await this.experimentDirs('ALL')) {
      const file = join(dir, 'meta.yaml');
      let meta: Record<string, unknown>;
      try {
        meta = parseMetaYaml(await readFile(file, 'utf8'), file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          if ((await readdir(dir)).length === 0) continue;
          return { file, why: 'the file is missing' };
        }
        return { file, why: (e as Error).message.replace(`${file}: `, '') };
      }
      if (meta['name'] !== undefined && String(meta['name']) !== name) continue;
      if (meta['name'] === undefined) return { file, why: "it has no 'name'" };
      if (String(meta['experiment_id'] ?? '') !== basename(dir)) return { file, why: `its experiment_id '${String(meta['experiment_id'] ?? '')}' is not the folder's name` };
      if (meta['artifact_location'] === undefined) return { file, why: "it has no 'artifact_location'" };
    }
    return undefined;
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return (await this.listExperiments('ALL')).find((e) => e.name === name);
  }

  /** Create an experiment with a new random 18-digit id. */
  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    validateExperimentName(name);
    const existing = await this.getExperimentByName(name);
    if (existing?.lifecycleStage === 'deleted') {
      throw new TrackingError(
        'RESOURCE_ALREADY_EXISTS',
        `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this name again.`,
      );
    }
    if (existing) throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    const unreadable = await this.unreadableExperimentMeta(name);
    if (unreadable) {
      throw new TrackingError('INVALID_STATE', `Cannot tell whether experiment '${name}' exists: ${unreadable.file} is malformed (${unreadable.why})`, {
        hint: `Repair that file (MLflow writes experiment_id, name, artifact_location, lifecycle_stage) or move its folder out of ${this.root}; a new experiment of the same name would split its runs.`,
      });
    }
    let id = newExperimentId();
    while ((await exists(join(this.root, id))) || (await exists(join(this.root, TRASH, id)))) id = newExperimentId();
    return this.writeExperiment(id, name, tags);
  }

  /**
   * Find an experiment by name or create it. Creation holds a lock file at the root
   * (`.ablate-experiments.lock`, ignored by MLflow, which reads only folders there) so that
   * parallel processes sharing the store do not create the same name twice.
   */
  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    const lookup = async (): Promise<Experiment | undefined> => {
      const existing = await this.getExperimentByName(name);
      if (existing?.lifecycleStage === 'deleted') {
        throw new TrackingError('INVALID_PARAMETER_VALUE', `Experiment '${name}' is deleted`, {
          hint: `Restore it (move ${join(this.root, TRASH, existing.experimentId)} back to ${this.root}) or choose another name.`,
        });
      }
      return existing;
    };
    const found = await lookup();
    if (found) return found;
    if (this.readOnly) throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
    return withFileLock(join(this.root, EXPERIMENT_LOCK), async () => (await lookup()) ?? this.createExperiment(name, tags));
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const { dir } = await this.experimentDir(experimentId);
    await this.writeExperimentTag(dir, key, value);
  }

  /** Move an experiment (and its runs) to `.trash/`. The default experiment cannot be deleted. */
  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`);
    }
    const { dir, deleted } = await this.experimentDir(experimentId);
    if (deleted) return;
    const file = join(dir, 'meta.yaml');
    const meta = parseMetaYaml(await readFile(file, 'utf8'), file);
    meta['lifecycle_stage'] = 'deleted';
    meta['last_update_time'] = Date.now();
    await writeAtomic(file, renderMetaYaml(meta as unknown as ExperimentMeta));
    await rename(dir, join(this.root, TRASH, experimentId));
    this.runDirs.clear();
  }

  // ---- runs -------------------------------------------------------------------------

  private async findRunDir(runId: string): Promise<string> {
    validateRunId(runId);
    const cached = this.runDirs.get(runId);
    if (cached !== undefined && (await exists(join(cached, 'meta.yaml')))) return cached;
    for (const { dir } of await this.experimentDirs('ALL')) {
      const candidate = join(dir, runId);
      if (await exists(join(candidate, 'meta.yaml'))) {
        this.runDirs.set(runId, candidate);
        return candidate;
      }
    }
    throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`);
  }

  private async readRunMeta(runDir: string): Promise<Record<string, unknown>> {
    const file = join(runDir, 'meta.yaml');
    const meta = parseMetaYaml(await readFile(file, 'utf8'), file);
    for (const f of ['run_uuid', 'experiment_id', 'user_id', 'start_time', 'end_time']) requireField(meta, f, file);
    const expId = String(meta['experiment_id']);
    if (expId !== basename(dirname(runDir))) {
      throw new TrackingError('INVALID_STATE', `Run '${basename(runDir)}' is in an invalid state: its meta.yaml says experiment_id '${expId}' but it lies in experiment folder '${basename(dirname(runDir))}'`);
    }
    if (String(meta['run_uuid']) !== basename(runDir)) {
      throw new TrackingError('INVALID_STATE', `Run folder '${basename(runDir)}' is in an invalid state: its meta.yaml says run_uuid '${String(meta['run_uuid'])}'`);
    }
    return meta;
  }

  private runInfoFromMeta(meta: Record<string, unknown>, runDir: string): RunInfo {
    const file = join(runDir, 'meta.yaml');
    const runId = String(meta['run_uuid']);
    return {
      runId,
      runName: meta['run_name'] === undefined || meta['run_name'] === null ? '' : String(meta['run_name']),
      experimentId: String(meta['experiment_id']),
      userId: String(meta['user_id']),
      status: toStatus(meta['status'], file),
      startTime: toMs(meta['start_time'], 'start_time', file),
      endTime: toMsOrNull(meta['end_time'], 'end_time', file),
      artifactUri: String(meta['artifact_uri'] ?? ''),
      lifecycleStage: meta['lifecycle_stage'] === 'deleted' ? 'deleted' : 'active',
    };
  }

  private async readRunDir(runDir: string): Promise<Run> {
    const info = this.runInfoFromMeta(await this.readRunMeta(runDir), runDir);
    const params: Record<string, string> = {};
    for (const k of await listKeys(join(runDir, 'params'))) params[k] = await readFile(keyPath(join(runDir, 'params'), k), 'utf8');
    const tags: Record<string, string> = {};
    for (const k of await listKeys(join(runDir, 'tags'))) tags[k] = await readFile(keyPath(join(runDir, 'tags'), k), 'utf8');
    const metrics: Metric[] = [];
    for (const k of await listKeys(join(runDir, 'metrics'))) {
      const file = keyPath(join(runDir, 'metrics'), k);
      const latest = latestMetric(parseMetricLines(k, await readFile(file, 'utf8'), file));
      if (latest) metrics.push(latest);
    }
    return { info, data: { params, tags, metrics } };
  }

  async getRun(runId: string): Promise<Run> {
    return this.readRunDir(await this.findRunDir(runId));
  }

  private async activeRunDir(runId: string): Promise<{ dir: string; meta: Record<string, unknown> }> {
    const dir = await this.findRunDir(runId);
    const meta = await this.readRunMeta(dir);
    if (meta['lifecycle_stage'] === 'deleted') {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `The run ${runId} must be in the 'active' state. Current state is deleted.`);
    }
    return { dir, meta };
  }

  async createRun(options: CreateRunOptions & { runId?: string }): Promise<RunInfo> {
    const exp = await this.getExperiment(options.experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Could not create run under non-active experiment with id ${options.experimentId}.`);
    }
    const tags: Record<string, string> = { ...(options.tags ?? {}) };
    const tagName = tags[MLFLOW_RUN_NAME_TAG];
    if (options.runName !== undefined && tagName !== undefined && tagName !== options.runName) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${tagName}').`);
    }
    const runId = options.runId ?? newRunId();
    validateRunId(runId);
    const runName = options.runName ?? tagName ?? `run-${runId.slice(0, 8)}`;
    const userId = options.userId ?? tags[MLFLOW_USER_TAG] ?? currentUser();
    tags[MLFLOW_RUN_NAME_TAG] = runName;
    tags[MLFLOW_USER_TAG] ??= userId;
    if (options.parentRunId !== undefined) tags[MLFLOW_PARENT_RUN_ID_TAG] = options.parentRunId;
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);

    const expDir = join(this.root, exp.experimentId);
    const runDir = join(expDir, runId);
    if (await exists(runDir)) throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Run '${runId}' already exists`);
    const artifactsDir = join(runDir, 'artifacts');
    const meta: RunMeta = {
      artifact_uri: `${exp.artifactLocation.replace(/\/$/, '')}/${runId}/artifacts`,
      end_time: null,
      entry_point_name: '',
      experiment_id: exp.experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: options.startTime ?? Date.now(),
      status: RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: userId,
    };
    // meta.yaml first: a reader in another process never sees a run folder without it for long.
    await mkdir(runDir, { recursive: true });
    await writeAtomic(join(runDir, 'meta.yaml'), renderMetaYaml(meta));
    for (const sub of ['metrics', 'params', 'tags']) await mkdir(join(runDir, sub), { recursive: true });
    await mkdir(artifactsDir, { recursive: true });
    for (const [k, v] of Object.entries(tags)) await this.writeKeyFile(join(runDir, 'tags'), k, v);
    this.runDirs.set(runId, runDir);
    return this.runInfoFromMeta(meta as unknown as Record<string, unknown>, runDir);
  }

  private async writeKeyFile(dir: string, key: string, value: string): Promise<void> {
    const path = keyPath(dir, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, value, 'utf8');
  }

  private async readParam(runDir: string, key: string): Promise<string | undefined> {
    try {
      return await readFile(keyPath(join(runDir, 'params'), key), 'utf8');
    } catch {
      return undefined;
    }
  }

  private static changedParamError(runId: string, key: string, old: string, value: string): TrackingError {
    return new TrackingError(
      'INVALID_PARAMETER_VALUE',
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
      { hint: 'Params are immutable; start a new run (or use --force) to log a different configuration.' },
    );
  }

  /**
   * MLflow's FileStore.log_batch, check for check: limits, then each entry, then writes params,
   * metrics and tags in that order. A param conflict raises INTERNAL_ERROR after the params
   * before it were written, as MLflow 2.2.2 does.
   */
  async logBatch(
    runId: string,
    batch: { metrics?: readonly Metric[]; params?: Record<string, string> | ReadonlyArray<{ key: string; value: string }>; tags?: Record<string, string> | ReadonlyArray<{ key: string; value: string }> },
  ): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = toPairs(batch.params);
    const tags = toPairs(batch.tags);
    validateBatchLimits(metrics.length, params.length, tags.length);
    for (const m of metrics) {
      validateMetric(m.key, m.value, m.timestamp, m.step);
      validateLength('Metric key', MAX_KEY_LENGTH, m.key);
    }
    if (params.length > 1) validateParamKeysUnique(params.map((p) => p.key));
    for (const p of params) validateParam(p.key, p.value);
    for (const t of tags) validateTag(t.key, t.value);
    const { dir } = await this.activeRunDir(runId);
    for (const p of params) {
      const old = await this.readParam(dir, p.key);
      if (old !== undefined && old !== p.value) {
        const e = FileStoreTracker.changedParamError(runId, p.key, old, p.value);
        throw new TrackingError('INTERNAL_ERROR', e.message, { hint: e.hint ?? '', cause: e });
      }
      if (old === undefined) await this.writeKeyFile(join(dir, 'params'), p.key, p.value);
    }
    const byKey = new Map<string, string>();
    for (const m of metrics) byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
    for (const [key, lines] of byKey) {
      const path = keyPath(join(dir, 'metrics'), key);
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, lines, 'utf8');
    }
    for (const t of tags) await this.setRunTag(dir, t.key, t.value);
  }

  private async setRunTag(runDir: string, key: string, value: string): Promise<void> {
    await this.writeKeyFile(join(runDir, 'tags'), key, value);
    if (key === MLFLOW_RUN_NAME_TAG) {
      const meta = await this.readRunMeta(runDir);
      if (meta['run_name'] !== value) {
        meta['run_name'] = value;
        await writeAtomic(join(runDir, 'meta.yaml'), renderMetaYaml(meta as unknown as RunMeta));
      }
    }
  }

  /** Checks every param (and conflicts with logged values) before writing any. */
  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    const pairs = toPairs(params);
    for (const p of pairs) validateParam(p.key, p.value);
    const { dir } = await this.activeRunDir(runId);
    for (const p of pairs) {
      const old = await this.readParam(dir, p.key);
      if (old !== undefined && old !== p.value) throw FileStoreTracker.changedParamError(runId, p.key, old, p.value);
    }
    for (const part of chunk(pairs, MAX_PARAMS_PER_BATCH)) await this.logBatch(runId, { params: part });
  }

  async logMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    for (const part of chunk(metrics, MAX_METRICS_PER_BATCH)) await this.logBatch(runId, { metrics: part });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    for (const part of chunk(toPairs(tags), MAX_TAGS_PER_BATCH)) await this.logBatch(runId, { tags: part });
  }

  async updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const { dir, meta } = await this.activeRunDir(runId);
    if (update.status !== undefined) meta['status'] = RUN_STATUS_CODES[update.status];
    if (update.endTime !== undefined) meta['end_time'] = update.endTime;
    if (update.runName !== undefined) {
      validateTag(MLFLOW_RUN_NAME_TAG, update.runName);
      meta['run_name'] = update.runName;
      await this.writeKeyFile(join(dir, 'tags'), MLFLOW_RUN_NAME_TAG, update.runName);
    }
    await writeAtomic(join(dir, 'meta.yaml'), renderMetaYaml(meta as unknown as RunMeta));
    return this.runInfoFromMeta(meta, dir);
  }

  async setTerminated(runId: string, status: TerminalStatus, endTime: number = Date.now()): Promise<void> {
    await this.updateRun(runId, { status, endTime });
  }

  /** Soft delete: `lifecycle_stage: deleted` plus `deleted_time`; the folder stays. */
  async deleteRun(runId: string): Promise<void> {
    const { dir, meta } = await this.activeRunDir(runId);
    meta['lifecycle_stage'] = 'deleted';
    meta['deleted_time'] = Date.now();
    await writeAtomic(join(dir, 'meta.yaml'), renderMetaYaml(meta as unknown as RunMeta));
  }

  /** Undo deleteRun: back to active, `deleted_time` removed. */
  async restoreRun(runId: string): Promise<void> {
    const dir = await this.findRunDir(runId);
    const meta = await this.readRunMeta(dir);
    meta['lifecycle_stage'] = 'active';
    delete meta['deleted_time'];
    await writeAtomic(join(dir, 'meta.yaml'), renderMetaYaml(meta as unknown as RunMeta));
  }

  private async runsOfExperiment(expDir: string): Promise<Run[]> {
    const runs: Run[] = [];
    for (const name of await listDirs(expDir)) {
      if (name === 'tags') continue;
      try {
        runs.push(await this.readRunDir(join(expDir, name)));
      } catch (e) {
        this.onWarning(`Malformed run '${name}' in ${expDir} skipped: ${(e as Error).message}`);
      }
    }
    return runs;
  }

  async searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    const clauses = parseFilter(options.filter);
    const order = parseOrderBy(options.orderBy);
    const view = options.runViewType ?? 'ACTIVE_ONLY';
    const all: Run[] = [];
    for (const id of options.experimentIds) {
      const { dir } = await this.experimentDir(id);
      for (const run of await this.runsOfExperiment(dir)) {
        const stage = run.info.lifecycleStage;
        if (view === 'ACTIVE_ONLY' && stage !== 'active') continue;
        if (view === 'DELETED_ONLY' && stage !== 'deleted') continue;
        if (runMatches(run, clauses)) all.push(run);
      }
    }
    const sorted = sortRuns(all, order);
    return options.maxResults === undefined ? sorted : sorted.slice(0, options.maxResults);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKeyName('metric', key);
    const file = keyPath(join(await this.findRunDir(runId), 'metrics'), key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return [];
    }
    return parseMetricLines(key, text, file);
  }

  /** Read the whole store: experiments (active and deleted), each with all its runs. */
  async readStore(): Promise<StoreSnapshot> {
    const warnings: string[] = [];
    const reader = new FileStoreTracker(this.root, { onWarning: (m) => warnings.push(m), readOnly: true });
    const experiments: StoreSnapshot['experiments'] = [];
    const all = await reader.listExperiments('ALL');
    for (const experiment of all) {
      const dir = experiment.lifecycleStage === 'deleted' ? join(this.root, TRASH, experiment.experimentId) : join(this.root, experiment.experimentId);
      experiments.push({ experiment, runs: sortRuns(await reader.runsOfExperiment(dir), []) });
    }
    experiments.sort((a, b) => Number(a.experiment.lifecycleStage === 'deleted') - Number(b.experiment.lifecycleStage === 'deleted'));
    return { root: this.root, experiments, warnings };
  }

  // ---- artifacts --------------------------------------------------------------------

  /**
   * Local folder of a run's artifacts: `<run>/artifacts` when it exists (a copied or moved
   * store keeps its artifacts there while artifact_uri still names the old place), else the
   * folder of a file: artifact_uri when that exists, else `<run>/artifacts`.
   */
  async artifactsDir(runId: string): Promise<string> {
    const runDir = await this.findRunDir(runId);
    const local = join(runDir, 'artifacts');
    if (await isDir(local)) return local;
    const uri = String((await this.readRunMeta(runDir))['artifact_uri'] ?? '');
    if (/^file:/i.test(uri)) {
      const path = FileStoreTracker.rootPath(uri);
      if (await isDir(path)) return path;
    }
    return local;
  }

  private static artifactSubpath(base: string, artifactPath: string | undefined): string {
    const norm = checkArtifactPath(artifactPath);
    return norm === '' ? base : join(base, ...norm.split('/'));
  }

  async logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    let info;
    try {
      info = await stat(localPath);
    } catch {
      throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Cannot log artifact '${localPath}': no such file or folder`);
    }
    const dest = FileStoreTracker.artifactSubpath(await this.artifactsDir(runId), artifactPath);
    await mkdir(dest, { recursive: true });
    if (info.isDirectory()) await cp(localPath, dest, { recursive: true });
    else await copyFile(localPath, join(dest, basename(localPath)));
  }

  async logText(runId: string, content: string | Uint8Array, artifactFile: string): Promise<void> {
    const dest = FileStoreTracker.artifactSubpath(await this.artifactsDir(runId), artifactFile);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, content);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    const base = await this.artifactsDir(runId);
    const dir = FileStoreTracker.artifactSubpath(base, path);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const norm = checkArtifactPath(path);
    const prefix = norm === '' ? '' : `${norm}/`;
    const out: ArtifactEntry[] = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) out.push({ path: prefix + e.name, isDir: true, fileSize: null });
      else if (e.isFile()) out.push({ path: prefix + e.name, isDir: false, fileSize: (await stat(join(dir, e.name))).size });
    }
    return out;
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    const file = FileStoreTracker.artifactSubpath(await this.artifactsDir(runId), path);
    try {
      return await readFile(file);
    } catch {
      throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `Artifact '${path}' of run '${runId}' not found`);
    }
  }

  async downloadArtifact(runId: string, path: string, destDir: string): Promise<string> {
    const bytes = await this.readArtifact(runId, path);
    await mkdir(destDir, { recursive: true });
    const out = join(destDir, basename(path));
    await writeFile(out, bytes);
    return out;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}

function toPairs(entries: Record<string, string> | ReadonlyArray<{ key: string; value: string }> | undefined): Array<{ key: string; value: string }> {
  if (entries === undefined) return [];
  if (Array.isArray(entries)) return entries.map((e) => ({ key: e.key, value: e.value }));
  return Object.entries(entries as Record<string, string>).map(([key, value]) => ({ key, value }));
}

function sortObject(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Read a whole FileStore at `root` (path or file: URI) without creating anything when it is missing. */
export async function readMlflowStore(root: string): Promise<StoreSnapshot> {
  const path = FileStoreTracker.rootPath(root);
  if (!(await isDir(path))) {
    throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No MLflow store at '${path}'`, { hint: 'Run an experiment first (ablate run), or point MLFLOW_TRACKING_URI at an existing mlruns folder.' });
  }
  return new FileStoreTracker(path).readStore();
}
