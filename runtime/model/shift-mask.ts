/**
 * The attention mask of a shifted-window block (Swin §3.2, "efficient batch computation
 * for shifted configuration"): after the cyclic shift, a window may hold tokens from up
 * to three regions per axis that were not neighbours; pairs from different regions get
 * -100 before the softmax. Built in plain JS, once per block geometry, outside any
 * differentiated function (no backend differentiates `Greater`).
 */
import type { Extent3, Grid } from './token-grid.ts';

/** Value added to the logits of pairs in different regions (Swin's). */
export const MASKED_LOGIT = -100;

/**
 * @returns `[nW * L * L]` row-major `[nW, L, L]` values (0 or `MASKED_LOGIT`), windows in
 *   `windowPartition` order (depth, row, column), tokens in window order.
 */
export function shiftedWindowMask(grid: Grid, win: Extent3, shift: Extent3): Float32Array {
  const region = (p: number, n: number, w: number, s: number): number => (s === 0 ? 0 : p < n - w ? 0 : p < n - s ? 1 : 2);
  const [nD, nH, nW] = [grid.D / win.d, grid.H / win.h, grid.W / win.w];
  const L = win.d * win.h * win.w;
  const out = new Float32Array(nD * nH * nW * L * L);
  const ids = new Int32Array(L);
  let o = 0;
  for (let wd = 0; wd < nD; wd++) {
    for (let wh = 0; wh < nH; wh++) {
      for (let ww = 0; ww < nW; ww++) {
        let t = 0;
        for (let dz = 0; dz < win.d; dz++) {
          for (let i = 0; i < win.h; i++) {
            for (let j = 0; j < win.w; j++) {
              const rd = region(wd * win.d + dz, grid.D, win.d, shift.d);
              const rh = region(wh * win.h + i, grid.H, win.h, shift.h);
              const rw = region(ww * win.w + j, grid.W, win.w, shift.w);
              ids[t++] = (rd * 3 + rh) * 3 + rw;
            }
          }
        }
        for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) out[o++] = ids[a] === ids[b] ? 0 : MASKED_LOGIT;
      }
    }
  }
  return out;
}
