/**
 * The geometry of a token map: depth, rows and columns. 2D maps have `D = 1`; tensors
 * are `[B*D, H, W, C]` (see README.md).
 */

/** Token grid of one sample. */
export interface Grid {
  D: number;
  H: number;
  W: number;
}

/** Window (or patch, or stride) sizes per axis. 2D uses `d = 1`. */
export interface Extent3 {
  d: number;
  h: number;
  w: number;
}

/** Tokens per sample. */
export function gridSize(g: Grid): number {
  return g.D * g.H * g.W;
}

/** `g` divided by `e` per axis (exact division is checked by callers). */
export function divideGrid(g: Grid, e: Extent3): Grid {
  return { D: g.D / e.d, H: g.H / e.h, W: g.W / e.w };
}

/** `g` multiplied by `e` per axis. */
export function multiplyGrid(g: Grid, e: Extent3): Grid {
  return { D: g.D * e.d, H: g.H * e.h, W: g.W * e.w };
}

/** `[x, y]` or `[x, y, z]` from the Run IR as an extent (`w = x`, `h = y`, `d = z`). */
export function extentFromXyz(xyz: readonly number[]): Extent3 {
  return { w: xyz[0]!, h: xyz[1]!, d: xyz.length > 2 ? xyz[2]! : 1 };
}

export function gridText(g: Grid): string {
  return g.D === 1 ? `${g.H}×${g.W}` : `${g.D}×${g.H}×${g.W}`;
}
