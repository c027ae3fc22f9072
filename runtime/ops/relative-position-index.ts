/**
 * Index of the relative position bias table for every (query, key) pair of a window
 * (Swin, Liu et al. 2021, §3.2 "Relative position bias"). Pure arithmetic, no tensors:
 * feed the result to `oneHotMatrix` once and `oneHotGather` every step.
 */

/**
 * For a `wh × ww` window, entry `i*N + j` (N = wh*ww, tokens row-major) is
 * `(dy + wh - 1) * (2ww - 1) + (dx + ww - 1)` with `(dy, dx)` = position of token i
 * minus that of token j; the table has `(2wh-1)(2ww-1)` rows.
 */
export function relativePositionIndex2d(wh: number, ww: number): Int32Array {
  const n = wh * ww;
  const out = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / ww) - Math.floor(j / ww);
      const dx = (i % ww) - (j % ww);
      out[i * n + j] = (dy + wh - 1) * (2 * ww - 1) + (dx + ww - 1);
    }
  }
  return out;
}

/**
 * The 3D analogue for a `wd × wh × ww` window (tokens ordered depth, row, column):
 * `((dz + wd-1)(2wh-1) + dy + wh-1)(2ww-1) + dx + ww-1`; the table has
 * `(2wd-1)(2wh-1)(2ww-1)` rows.
 */
export function relativePositionIndex3d(wd: number, wh: number, ww: number): Int32Array {
  const n = wd * wh * ww;
  const out = new Int32Array(n * n);
  const pos = (t: number) => [Math.floor(t / (wh * ww)), Math.floor(t / ww) % wh, t % ww] as const;
  for (let i = 0; i < n; i++) {
    const [zi, yi, xi] = pos(i);
    for (let j = 0; j < n; j++) {
      const [zj, yj, xj] = pos(j);
      out[i * n + j] = ((zi - zj + wd - 1) * (2 * wh - 1) + (yi - yj + wh - 1)) * (2 * ww - 1) + (xi - xj + ww - 1);
    }
  }
  return out;
}

/** Rows of the 2D bias table: `(2wh-1)(2ww-1)`. */
export function relativePositionTableSize2d(wh: number, ww: number): number {
  return (2 * wh - 1) * (2 * ww - 1);
}

/** Rows of the 3D bias table: `(2wd-1)(2wh-1)(2ww-1)`. */
export function relativePositionTableSize3d(wd: number, wh: number, ww: number): number {
  return (2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1);
}
