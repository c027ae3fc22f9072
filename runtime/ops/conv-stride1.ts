/**
 * Stride-1 convolution (2D, or 3D on rank-4 volumes) with a hand-written gradient built
 * from the kernels wasm does fast: XNNPACK's forward Conv2D for the value and for the
 * input gradient (a correlation with the 180°-rotated filter), and one channel-first
 * im2col + matmul for the filter gradient (wasm has no Conv2DBackpropFilter; its
 * Conv3DBackprop kernels are wrong or slow). A 3D kernel is `kd` in-plane convolutions
 * whose outputs are shifted along depth and summed, so no tensor has rank 5.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PatchAxis } from './patches.ts';

type Save = tf.GradSaveFunc;
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** Zeros after the last input element implied by a plan (`out` outputs at stride 1). */
function padAfter(size: number, axis: PatchAxis): number {
  return axis.out - 1 + axis.kernel - size - axis.padBefore;
}

/**
 * `out[b, zo] = v[b, zo + offset]`, zero where `zo + offset` is outside `[0, D)`.
 * @param v `[B, D, M]` @returns `[B, outD, M]`
 */
function depthShift(v: tf.Tensor3D, offset: number, outD: number): tf.Tensor3D {
  const [B, D, M] = v.shape;
  if (offset === 0 && outD === D) return v;
  const lo = Math.max(0, -offset);
  const hi = Math.min(outD, D - offset);
  if (hi <= lo) return tf.zeros([B, outD, M]);
  const part = tf.slice(v, [0, lo + offset, 0], [B, hi - lo, M]); // [B, hi-lo, M], contiguous per sample
  return lo === 0 && hi === outD ? part : tf.pad(part, [[0, 0], [lo, outD - hi], [0, 0]]);
}

/** In-plane filter of depth tap `dz`: `[kh, kw, Cin, Cout]`. */
function depthTap(w: tf.Tensor, dz: number): tf.Tensor4D {
  const [kd, kh, kw, Cin, Cout] = w.shape as [number, number, number, number, number];
  const rows = tf.reshape(w, [kd, kh * kw * Cin * Cout]); // rank 2: slicing a rank-5 tensor is slow on wasm
  return tf.reshape(tf.slice(rows, [dz, 0], [1, kh * kw * Cin * Cout]), [kh, kw, Cin, Cout]);
}

/**
 * Im2col with positions last: `[kh*kw*Cin, B*Ho*Wo]`, row `(i*kw + j)*Cin + c`. Slicing
 * `[Cin, N, H, W]` copies rows of `Wo` floats (not `Cin`), and the concat is along axis 0,
 * one copy per tap.
 * @param x `[N, H, W, Cin]`
 */
function patchesChannelFirst(x: tf.Tensor4D, rows: PatchAxis, cols: PatchAxis): tf.Tensor2D {
  const [N, H, W, Cin] = x.shape;
  const xt = tf.transpose(x, [3, 0, 1, 2]); // [Cin, N, H, W]
  const xp = tf.pad(xt, [[0, 0], [0, 0], [rows.padBefore, padAfter(H, rows)], [cols.padBefore, padAfter(W, cols)]]); // [Cin, N, Hp, Wp]
  const taps: tf.Tensor4D[] = [];
  for (let i = 0; i < rows.kernel; i++) {
    for (let j = 0; j < cols.kernel; j++) taps.push(tf.slice(xp, [0, 0, i, j], [Cin, N, rows.out, cols.out])); // [Cin, N, Ho, Wo]
  }
  const all = taps.length === 1 ? taps[0]! : tf.concat(taps, 0); // [kh*kw*Cin, N, Ho, Wo]
  return tf.reshape(all, [rows.kernel * cols.kernel * Cin, N * rows.out * cols.out]);
}

/**
 * Stride-1 convolution of a rank-4 volume, no bias.
 * @param x `[B*D, H, W, Cin]` (D = 1 for a 2D convolution)
 * @param w `[kd, kh, kw, Cin, Cout]`
 * @returns `[B*Do, Ho, Wo, Cout]`
 */
export function convStride1(x: tf.Tensor4D, D: number, w: tf.Tensor, depth: PatchAxis, rows: PatchAxis, cols: PatchAxis): tf.Tensor4D {
  const [BD, H, W, Cin] = x.shape;
  const B = BD / D;
  const [kd, kh, kw, , Cout] = w.shape as [number, number, number, number, number];
  const [Do, Ho, Wo] = [depth.out, rows.out, cols.out];
  const M = Ho * Wo * Cout;
  const planePad: ExplicitPad = [[0, 0], [rows.padBefore, padAfter(H, rows)], [cols.padBefore, padAfter(W, cols)], [0, 0]];
  // input gradient of a stride-1 correlation = correlation of dy, padded by k-1-pad, with the rotated filter
  const backPad: ExplicitPad = [[0, 0], [kh - 1 - planePad[1][0], kh - 1 - planePad[1][1]], [kw - 1 - planePad[2][0], kw - 1 - planePad[2][1]], [0, 0]];
  const op = tf.customGrad((xIn: tf.Tensor | Save, wIn: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [tx, tw] = [xIn as tf.Tensor4D, wIn as tf.Tensor];
    (save as Save)([tx, tw]);
    let y: tf.Tensor3D | undefined;
    for (let dz = 0; dz < kd; dz++) {
      const z = tf.conv2d(tx, depthTap(tw, dz), 1, planePad); // [B*D, Ho, Wo, Cout]
      // output slice zo reads input slice zo + dz - padBefore
      const c = depthShift(tf.reshape(z, [B, D, M]) as tf.Tensor3D, dz - depth.padBefore, Do); // [B, Do, M]
      y = y === undefined ? c : tf.add(y, c) as tf.Tensor3D;
    }
    return {
      value: tf.reshape(y!, [B * Do, Ho, Wo, Cout]),
      // tidy: the tape would otherwise keep the im2col matrix and shifted gradients to the end of backprop
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor];
          const dy3 = tf.reshape(dy, [B, Do, M]) as tf.Tensor3D; // [B, Do, M]
          const pt = patchesChannelFirst(sx, rows, cols); // [kh*kw*Cin, B*D*Ho*Wo]
          const dxs: tf.Tensor4D[] = [];
          const dws: tf.Tensor2D[] = [];
          for (let dz = 0; dz < kd; dz++) {
            const dz3 = depthShift(dy3, depth.padBefore - dz, D); // [B, D, M], adjoint of the forward shift
            const dzFlat = tf.reshape(dz3, [BD * Ho * Wo, Cout]);
            dws.push(tf.matMul(pt, dzFlat)); // [kh*kw*Cin, Cout]
            const rot = tf.transpose(tf.reverse(depthTap(sw, dz), [0, 1]), [0, 1, 3, 2]); // [kh, kw, Cout, Cin]
            dxs.push(tf.conv2d(tf.reshape(dz3, [BD, Ho, Wo, Cout]), rot, 1, backPad)); // [B*D, H, W, Cin]
          }
          const dx = dxs.length === 1 ? dxs[0]! : tf.addN(dxs);
          const dw = tf.reshape(dws.length === 1 ? dws[0]! : tf.concat(dws, 0), [kd, kh, kw, Cin, Cout]);
          return [dx, dw];
        }),
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor) => tf.Tensor4D;
  return op(x, w);
}
