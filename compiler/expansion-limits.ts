/**
 * How many runs one declaration may expand to, checked before anything is allocated: a
 * typo such as `tau in 1..2147483648` or `times: 65536` must be a located error, not
 * minutes of work followed by an out-of-memory abort. The limits sit far above what a
 * research cluster schedules from one file (the paper's largest sweep has 8 points, its
 * repeats 5 draws) and are documented in dsl/SYNTAX.md.
 */
import type { Expr, Node } from '../dsl/ast.ts';
import type { DiagnosticBag, Location } from './diagnostics.ts';

/** Values one range `a..b` may hold. */
export const MAX_RANGE_VALUES = 10_000;
/** Points of one sweep (grid: the product of the axes' lengths). */
export const MAX_SWEEP_POINTS = 10_000;
/** Draws of one repeat. */
export const MAX_REPEAT_TIMES = 1_000;
/** Runs of one repeat over a sweep (points × draws). */
export const MAX_REPEAT_RUNS = 10_000;

/** False (after E023) when `from..to` holds more than `MAX_RANGE_VALUES` values. */
export function checkRangeLength(from: number, to: number, range: Expr, bag: DiagnosticBag): boolean {
  const count = to - from + 1;
  if (count <= MAX_RANGE_VALUES) return true;
  bag.report({ code: 'E023', from, to, count, limit: MAX_RANGE_VALUES }, { node: range });
  return false;
}

/**
 * False (after E024) when a sweep has more than `MAX_SWEEP_POINTS` points. The product is
 * taken in floating point, so it cannot wrap around however long the axes are.
 */
export function checkSweepPoints(
  sweep: { name: string; span: Node['span'] },
  mode: 'grid' | 'zip',
  lengths: { path: string; length: number }[],
  bag: DiagnosticBag,
): boolean {
  const points = lengths.length === 0 ? 1 : mode === 'zip' ? lengths[0]!.length : lengths.reduce((product, axis) => product * axis.length, 1);
  if (points <= MAX_SWEEP_POINTS) return true;
  bag.report({ code: 'E024', sweep: sweep.name, mode, points, limit: MAX_SWEEP_POINTS, lengths }, { node: sweep });
  return false;
}

/** False (after E025) when a repeat asks for too many draws, or for too many runs over a sweep. */
export function checkRepeatRuns(repeat: string, times: number, points: number, at: Location, bag: DiagnosticBag): boolean {
  if (times <= MAX_REPEAT_TIMES && times * points <= MAX_REPEAT_RUNS) return true;
  bag.report({ code: 'E025', repeat, times, points, limit: times > MAX_REPEAT_TIMES ? MAX_REPEAT_TIMES : MAX_REPEAT_RUNS }, at);
  return false;
}
