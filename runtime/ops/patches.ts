/**
 * Patch extraction ("im2col") for convolutions, using only Slice, Pad, Reshape and
 * Concat. Those have gradients on every backend and fast kernels on wasm; StridedSlice
 * (no gradient anywhere) and rank-5 tensors (a slow generic path on wasm) are avoided.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Geometry of `extractPatches` along one axis. */
export interface PatchAxis {
  kernel: number;
  stride: number;
  /** zeros before the first element */
  padBefore: number;
  /** number of output positions */
  out: number;
}

/**
 * All `kh × kw` patches of a channels-last image, concatenated on the channel axis.
 *
 * @param x `[B, H, W, C]`
 * @returns `[B, Ho, Wo, kh*kw*C]`, channel index `(i*kw + j)*C + c` for tap `(i, j)`,
 *   i.e. the row order of a `[kh, kw, C, Cout]` filter reshaped to `[kh*kw*C, Cout]`.
 *   Out-of-range taps read zeros.
 */
export function extractPatches(x: tf.Tensor4D, rows: PatchAxis, cols: PatchAxis): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, , , C] = x.shape;
    const phases = polyphase(x, rows, cols); // phases[pi][pj]: [B, Hq, Wq, C]
    const taps: tf.Tensor4D[] = [];
    for (let i = 0; i < rows.kernel; i++) {
      for (let j = 0; j < cols.kernel; j++) {
        const phase = phases[i % rows.stride]![j % cols.stride]!;
        const begin = [0, Math.floor(i / rows.stride), Math.floor(j / cols.stride), 0];
        taps.push(tf.slice(phase, begin, [B, rows.out, cols.out, C])); // [B, Ho, Wo, C]
      }
    }
    return taps.length === 1 ? taps[0]! : tf.concat(taps, 3); // [B, Ho, Wo, kh*kw*C]
  });
}

/**
 * Pad (or crop) `x` so that each axis holds `Hq * stride` elements, then split it into
 * its `stride × stride` polyphase components: `phase[pi][pj][b, q, r, c] =
 * padded[b, q*sh + pi, r*sw + pj, c]`. Tap `i` of output `o` then reads
 * `phase[i % s]` at `o + floor(i / s)`.
 */
function polyphase(x: tf.Tensor4D, rows: PatchAxis, cols: PatchAxis): tf.Tensor4D[][] {
  const [B, H, W, C] = x.shape;
  const hq = Math.floor((rows.kernel - 1) / rows.stride) + rows.out;
  const wq = Math.floor((cols.kernel - 1) / cols.stride) + cols.out;
  const hp = hq * rows.stride;
  const wp = wq * cols.stride;
  let xp: tf.Tensor4D = x;
  const padAfterH = hp - H - rows.padBefore;
  const padAfterW = wp - W - cols.padBefore;
  if (rows.padBefore > 0 || cols.padBefore > 0 || padAfterH > 0 || padAfterW > 0) {
    xp = tf.pad(xp, [
      [0, 0],
      [rows.padBefore, Math.max(padAfterH, 0)],
      [cols.padBefore, Math.max(padAfterW, 0)],
      [0, 0],
    ]);
  }
  if (padAfterH < 0 || padAfterW < 0) xp = tf.slice(xp, [0, 0, 0, 0], [B, hp, wp, C]); // [B, hp, wp, C]
  if (rows.stride === 1 && cols.stride === 1) return [[xp]];
  const folded = tf.reshape(xp, [B * hq, rows.stride, wq, cols.stride * C]); // [B*Hq, sh, Wq, sw*C]
  const usedRows = Math.min(rows.stride, rows.kernel);
  const usedCols = Math.min(cols.stride, cols.kernel);
  const phases: tf.Tensor4D[][] = [];
  for (let pi = 0; pi < usedRows; pi++) {
    const row: tf.Tensor4D[] = [];
    for (let pj = 0; pj < usedCols; pj++) {
      const p = tf.slice(folded, [0, pi, 0, pj * C], [B * hq, 1, wq, C]); // [B*Hq, 1, Wq, C]
      row.push(tf.reshape(p, [B, hq, wq, C]));
    }
    phases.push(row);
  }
  return phases;
}
