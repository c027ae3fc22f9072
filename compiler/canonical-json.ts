/**
 * Canonical JSON: object keys sorted recursively (code-unit order), no whitespace. The
 * spec hash is computed over it, so two IRs that differ only in key order hash the same.
 */
import { createHash } from 'node:crypto';

/** A deep copy of `value` with every object's keys in sorted order. */
export function canonicalize<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => canonicalize(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonicalize((value as Record<string, unknown>)[key]);
      // Defined, not assigned: a key `__proto__` (a table row label) stays a key instead of
      // replacing the prototype. Every other key is assigned: defining each one turned the
      // objects into slow dictionaries (a fifth of `ablate check`).
      if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
      else out[key] = item;
    }
    return out as T;
  }
  return value;
}

/** The canonical JSON text of `value`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** sha256 (hex) of the canonical JSON of `value`. */
export function sha256Canonical(value: unknown): string {
  return sha256Json(canonicalize(value));
}

/** sha256 (hex) of `JSON.stringify(value)`: the canonical JSON when `value` is already canonical. */
export function sha256Json(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
