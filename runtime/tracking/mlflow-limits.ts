/**
 * MLflow 2.2.2's validation rules for keys, values and batch sizes, with its exact error
 * wording (see fixtures/mlflow-2.2.2/layout.md "Validation and limits" and expected.json → errors).
 * Lengths count Unicode code points, as Python's `len(str)` does.
 */
import { TrackingError } from './tracking-error.ts';

/** Longest param, metric or tag key. */
export const MAX_KEY_LENGTH = 250;
/** Longest param value (MLflow 2.2.2; later versions allow 6000). */
export const MAX_PARAM_VALUE_LENGTH = 500;
/** Longest run or experiment tag value. */
export const MAX_TAG_VALUE_LENGTH = 5000;
/** log-batch limits, checked before anything is written. */
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_PER_BATCH = 100;
export const MAX_TAGS_PER_BATCH = 100;
export const MAX_ENTRIES_PER_BATCH = 1000;
/** Largest JSON body a tracking server accepts for log-batch. */
export const MAX_REQUEST_BYTES = 1_000_000;

const INVALID = 'INVALID_PARAMETER_VALUE';
// Python's `\w` on str patterns: letters, numbers and underscore, Unicode included.
const VALID_KEY = /^[/\p{L}\p{N}_.\- ]*$/u;
const VALID_RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const VALID_EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

export type KeyKind = 'parameter' | 'metric' | 'tag';

/** Number of Unicode code points, i.e. Python's `len()` of the string. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python's `posixpath.normpath` (keeps a leading `//`, drops a trailing `/`). */
export function posixNormpath(path: string): string {
  if (path === '') return '.';
  const initialSlashes = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (initialSlashes === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = '/'.repeat(initialSlashes) + out.join('/');
  return joined === '' ? '.' : joined;
}

/**
 * Check a param, metric or tag key: the character set, and that it names a unique relative
 * path (`normpath(key) == key`, not `.`, not starting with `..` or `/`).
 */
export function validateKeyName(kind: KeyKind, key: string): void {
  if (typeof key !== 'string' || !VALID_KEY.test(key)) {
    throw new TrackingError(
      INVALID,
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
      { hint: 'Replace other characters (such as ":" or "=") with "_" or ".".' },
    );
  }
  const norm = posixNormpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw new TrackingError(
      INVALID,
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'`,
      { hint: 'Use a relative key without empty, "." or ".." segments and without a trailing "/".' },
    );
  }
}

/**
 * `<what> '<first 250 chars>' had length N, which exceeded length limit of L` when the value
 * is too long (MLflow quotes only the first 250 characters).
 */
export function validateLength(what: string, limit: number, value: string): void {
  const n = codePointLength(value);
  if (n > limit) {
    const head = [...value].slice(0, 250).join('');
    throw new TrackingError(INVALID, `${what} '${head}' had length ${n}, which exceeded length limit of ${limit}`);
  }
}

/** A param as FileStore.log_param checks it: key pattern, key ≤ 250, value ≤ 500. */
export function validateParam(key: string, value: string): void {
  validateKeyName('parameter', key);
  validateLength('Param key', MAX_KEY_LENGTH, key);
  validateLength('Param value', MAX_PARAM_VALUE_LENGTH, value);
}

/** A run tag as log_batch checks it: key pattern, key ≤ 250, value ≤ 5000. */
export function validateTag(key: string, value: string): void {
  validateKeyName('tag', key);
  validateLength('Tag key', MAX_KEY_LENGTH, key);
  validateLength('Tag value', MAX_TAG_VALUE_LENGTH, value);
}

/** A metric: key pattern, a number value, an integer timestamp ≥ 0 (ms) and an integer step. */
export function validateMetric(key: string, value: number, timestamp: number, step: number): void {
  validateKeyName('metric', key);
  if (typeof value !== 'number') {
    throw new TrackingError(
      INVALID,
      `Got invalid value ${String(value)} for metric '${key}' (timestamp=${timestamp}). Please specify value as a valid double (64-bit floating point)`,
    );
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TrackingError(
      INVALID,
      `Got invalid timestamp ${timestamp} for metric '${key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer) `,
      { hint: 'Pass Date.now() (milliseconds).' },
    );
  }
  if (!Number.isSafeInteger(step)) {
    throw new TrackingError(
      INVALID,
      `Got invalid step ${step} for metric '${key}' (value=${value}). Step must be a valid long (64-bit integer).`,
    );
  }
}

/** Batch size limits, in MLflow's order: metrics, params, tags, then the total. */
export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (n: number, max: number, what: string): void => {
    if (n > max) {
      throw new TrackingError(
        INVALID,
        `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
      );
    }
  };
  over(metrics, MAX_METRICS_PER_BATCH, 'metrics');
  over(params, MAX_PARAMS_PER_BATCH, 'params');
  over(tags, MAX_TAGS_PER_BATCH, 'tags');
  over(metrics + params + tags, MAX_ENTRIES_PER_BATCH, 'metrics, params, and tags');
}

/** No param key may appear twice in one batch. */
export function validateParamKeysUnique(keys: readonly string[]): void {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const k of keys) {
    if (seen.has(k) && !dups.includes(k)) dups.push(k);
    seen.add(k);
  }
  if (dups.length > 0) {
    throw new TrackingError(
      INVALID,
      `Duplicate parameter keys have been submitted: [${dups.map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
    );
  }
}

/** Run ids name directories: `^[a-zA-Z0-9][\w\-]{0,255}$`. */
export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !VALID_RUN_ID.test(runId)) {
    throw new TrackingError(INVALID, `Invalid run ID: '${runId}'`);
  }
}

/** Experiment ids name directories: `^[a-zA-Z0-9][\w\-]{0,63}$`. */
export function validateExperimentId(experimentId: string): void {
  if (typeof experimentId !== 'string' || !VALID_EXPERIMENT_ID.test(experimentId)) {
    throw new TrackingError(INVALID, `Invalid experiment ID: '${experimentId}'`);
  }
}

/** Experiment names must be non-empty strings. */
export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new TrackingError(INVALID, `Invalid experiment name: '${String(name)}'`, {
      hint: 'Give the experiment a non-empty name.',
    });
  }
}
