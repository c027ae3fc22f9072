/**
 * Numbers the compiler accepts: every literal finite (`1e999` reads as Infinity and would
 * reach the Run IR as `null`), and whole numbers within limits that keep a typo from
 * starting an endless run (`epochs: 1e20`). Counts (whole numbers that must be ≥ 1:
 * epochs, steps, batch, sizes, cases) go up to `MAX_COUNT`; other whole numbers (seeds)
 * up to `MAX_WHOLE_NUMBER` in magnitude, the range of a 32-bit unsigned seed.
 */
import type { Expr, Node, NumberLit, SourceFile } from '../dsl/ast.ts';
import { diagnostic, type Diagnostic, type DiagnosticBag, type Location } from './diagnostics.ts';

export const MAX_COUNT = 1_000_000;
export const MAX_WHOLE_NUMBER = 2 ** 32 - 1;

/**
 * False (after E044) when whole number `value` at `path` is beyond its limit; `count`
 * when the key is a count (its minimum is 1).
 */
export function checkWholeNumber(value: number, count: boolean, path: string, at: Location, bag: DiagnosticBag): boolean {
  const limit = count ? MAX_COUNT : MAX_WHOLE_NUMBER;
  if (Math.abs(value) <= limit) return true;
  bag.report({ code: 'E044', path, value, limit, count }, at);
  return false;
}

/**
 * E043 for every number literal under `root` (a parsed file, or one `-s` value) whose
 * value is not finite. Walks without recursion: the walk needs no nesting limit.
 */
export function nonFiniteNumbers(root: SourceFile | Expr): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    const node = value as Partial<NumberLit> & Record<string, unknown>;
    if (node.kind === 'Number' && typeof node.value === 'number' && !Number.isFinite(node.value)) {
      out.push(diagnostic({ code: 'E043', text: node.text ?? String(node.value) }, { node: node as Node }));
      continue;
    }
    for (const [key, child] of Object.entries(node)) if (key !== 'span' && child && typeof child === 'object') stack.push(child);
  }
  return out;
}
