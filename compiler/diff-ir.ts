/**
 * The differences between two Run IRs: every IR path whose value differs, with both values.
 * Objects are compared key by key and lists of equal length item by item (a list whose
 * length changed differs as a whole). `name`, `experiment`, `origin` and `specHash` say
 * where a run came from, not what it trains, and are skipped — the set the spec hash leaves
 * out (emit-ir.ts) — and so is `repeat.group`, the name of the repeat a draw belongs to.
 */
import type { RunIR } from '../schemas/run-ir.schema.ts';

export interface IrDifference {
  /** Dotted IR path (`loss.mcr`, `model.backbone.depths.2`). */
  path: string;
  /** The value in the first IR (undefined: absent). */
  a: unknown;
  b: unknown;
}

const IDENTITY = new Set(['name', 'experiment', 'origin', 'specHash', 'repeat.group']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const child = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

// Paths as strings and equal values skipped at once: `ablate check` diffs every contract's two rows.
function walk(a: unknown, b: unknown, path: string, out: IrDifference[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const at = child(path, key);
      if (!IDENTITY.has(at)) walk(a[key], b[key], at, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) walk(a[i], b[i], child(path, String(i)), out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, a, b });
}

/** The paths where `a` and `b` differ, in key order. */
export function diffRunIrs(a: RunIR, b: RunIR): IrDifference[] {
  const out: IrDifference[] = [];
  walk(a, b, '', out);
  return out;
}
