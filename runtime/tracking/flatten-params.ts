/**
 * Flatten a nested JSON object (the Run IR) into MLflow params with dotted keys.
 *
 * Conventions:
 * - objects nest with `.`: `{loss: {icr: {tau: 4}}}` → `loss.icr.tau = "4"`;
 * - arrays of scalars stay one param, as JSON: `depths = "[2,2,2,2]"`; arrays holding objects
 *   or arrays are indexed: `stages.0.heads`, `stages.1.heads`;
 * - scalars: strings as they are, numbers as JS prints them, `true`/`false`, `null`;
 *   empty objects and arrays as `{}` and `[]`; `undefined` members are left out;
 * - a value longer than `maxValueLength` code points (MLflow 2.2.2 allows 500) becomes the
 *   pointer `(see artifact params/<key>.txt)` and is returned in `longValues`, for the caller
 *   to write as that artifact.
 */
import { MAX_KEY_LENGTH, MAX_PARAM_VALUE_LENGTH, codePointLength, validateKeyName } from './mlflow-limits.ts';
import { TrackingError } from './tracking-error.ts';

export interface LongParamValue {
  key: string;
  /** Artifact path (posix) the full value belongs at, e.g. `params/model.backbone.txt`. */
  artifactPath: string;
  value: string;
}

export interface FlattenedParams {
  /** Dotted key → value, each value within the length limit. */
  params: Record<string, string>;
  /** Values that were too long for a param. */
  longValues: LongParamValue[];
}

export interface FlattenOptions {
  /** Longest value kept as a param, in code points. Default 500. */
  maxValueLength?: number;
  /** Artifact folder for long values. Default `params`. */
  artifactDir?: string;
  /** Prepended to every key with a dot, e.g. `ir`. Default none. */
  prefix?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string';
}

function scalarText(v: null | boolean | number | string): string {
  return typeof v === 'string' ? v : String(v);
}

/** The pointer text a too-long param value is replaced with. */
export function longValuePointer(artifactPath: string): string {
  return `(see artifact ${artifactPath})`;
}

/** Flatten `obj` (a plain JSON object) into params; see the module comment for the rules. */
export function flattenParams(obj: unknown, options: FlattenOptions = {}): FlattenedParams {
  const max = options.maxValueLength ?? MAX_PARAM_VALUE_LENGTH;
  const dir = (options.artifactDir ?? 'params').replace(/\/+$/, '');
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new TrackingError('INVALID_PARAMETER_VALUE', `flattenParams expects a JSON object, got ${Array.isArray(obj) ? 'an array' : typeof obj}`);
  }
  const params: Record<string, string> = {};
  const longValues: LongParamValue[] = [];

  const emit = (key: string, value: string): void => {
    try {
      validateKeyName('parameter', key);
    } catch (e) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Run IR path '${key}' cannot be an MLflow param key: ${(e as Error).message}`, { hint: 'Rename the field so it uses only letters, digits, "_", "-", "." and spaces.', cause: e });
    }
    if (codePointLength(key) > MAX_KEY_LENGTH) {
      throw new TrackingError('INVALID_PARAMETER_VALUE', `Run IR path '${key}' is longer than MLflow's ${MAX_KEY_LENGTH}-character key limit`);
    }
    if (key in params) throw new TrackingError('INVALID_PARAMETER_VALUE', `Run IR paths collide on param key '${key}'`, { hint: 'A field name containing "." clashes with a nested field of the same dotted path.' });
    if (codePointLength(value) > max) {
      const artifactPath = `${dir}/${key}.txt`;
      longValues.push({ key, artifactPath, value });
      params[key] = longValuePointer(artifactPath);
    } else {
      params[key] = value;
    }
  };

  const walk = (value: unknown, key: string): void => {
    if (value === undefined) return;
    if (isScalar(value)) return emit(key, scalarText(value as null | boolean | number | string));
    if (Array.isArray(value)) {
      if (value.length === 0) return emit(key, '[]');
      if (value.every(isScalar)) return emit(key, JSON.stringify(value));
      value.forEach((item, i) => walk(item, `${key}.${i}`));
      return;
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, Json>);
      if (entries.length === 0) return emit(key, '{}');
      for (const [k, v] of entries) walk(v, key === '' ? k : `${key}.${k}`);
      return;
    }
    throw new TrackingError('INVALID_PARAMETER_VALUE', `Run IR path '${key}' holds a ${typeof value}, which is not JSON`);
  };

  const root = obj as Record<string, unknown>;
  const prefix = options.prefix ?? '';
  if (Object.keys(root).length === 0 && prefix !== '') emit(prefix, '{}');
  for (const [k, v] of Object.entries(root)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
  return { params, longValues };
}
