/**
 * Canonical JSON: object keys sorted recursively (code-unit order), no whitespace. The
 * spec hash is computed over it, so two IRs that differ only in key order hash the same.
 */
import { createHash } from 'node:crypto';

/** A deep copy of `value` with every object's keys in sorted order. */
export function canonicalize<T>(value: T): T {
  const keys = new Set<string>();
  if (jsonFaithful(value, keys) && !keys.has('__proto__')) {
    // JSON.stringify with a key list writes every object's keys in the list's order, natively;
    // JSON.parse builds the copy natively too (3× faster than the walk below, which runs cold).
    // Only where the text round trip is exact (plain data: no undefined, no non-finite
    // number, no -0); `__proto__` in the list would be looked up on every object's prototype.
    return JSON.parse(JSON.stringify(value, [...keys].sort())) as T;
  }
  return canonicalizeWalk(value);
}

/** True when `JSON.parse(JSON.stringify(value))` equals `value` (plain objects, arrays, strings, finite numbers, booleans, null); collects every object key. */
function jsonFaithful(value: unknown, keys: Set<string>): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !jsonFaithful(value[i], keys)) return false;
    return true;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    keys.add(key);
    if (!jsonFaithful((value as Record<string, unknown>)[key], keys)) return false;
  }
  return true;
}

function canonicalizeWalk<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => canonicalizeWalk(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonicalizeWalk((value as Record<string, unknown>)[key]);
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
