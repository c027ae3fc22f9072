/**
 * Transposed convolution where the stride equals the kernel (up-sampling, patch
 * expanding): every input pixel writes one disjoint output block, so the op is a
 * `linear` to `k*k*Cout` channels followed by depth-to-space. No backend has a gradient
 * for `conv3dTranspose`; this formulation needs none.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './matmul.ts';
import { depthToSpace2d, depthToSpace3d } from './space-to-depth.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * 2D transposed convolution with `strides == [kh, kw]` and 'valid' padding, equal to
 * `tf.conv2dTranspose(x, w, [B, h*kh, w*kw, Cout], [kh, kw], 'valid')` plus a bias.
 *
 * @param x `[B, h, w, Cin]`
 * @param w `[kh, kw, Cout, Cin]` (the `tf.conv2dTranspose` filter layout)
 * @param b `[Cout]`, optional
 * @returns `[B, h*kh, w*kw, Cout]`
 */
export function convTranspose2d(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw, Cout, Cin] = w.shape;
  if (x.rank !== 4 || w.rank !== 4 || x.shape[3] !== Cin) {
    throw new OpShapeError('convTranspose2d', `x ${shapeText(x.shape)}, w ${shapeText(w.shape)}`, 'x must be [B, h, w, Cin] and w [kh, kw, Cout, Cin]');
  }
  return tf.tidy(() => {
    // a rank-2 transpose of the flattened filter: rank-5 transposes are slow on wasm
    const wm = tf.transpose(tf.reshape(w, [kh * kw * Cout, Cin])); // [Cin, kh*kw*Cout]
    const y = depthToSpace2d(linear(x, wm) as tf.Tensor4D, kh, kw); // [B, h*kh, w*kw, Cout]
    return b === undefined ? y : tf.add(y, b);
  });
}

/**
 * 3D transposed convolution with `strides == [kd, kh, kw]` and 'valid' padding, equal
 * to `tf.conv3dTranspose` with that stride plus a bias, on rank-4 volumes.
 *
 * @param x `[B*d, h, w, Cin]` (batch and depth folded)
 * @param w `[kd, kh, kw, Cout, Cin]` (the `tf.conv3dTranspose` filter layout)
 * @param b `[Cout]`, optional
 * @returns `[B*d*kd, h*kh, w*kw, Cout]` (depth `d*kd` per sample)
 */
export function convTranspose3d(x: tf.Tensor4D, w: tf.Tensor, b?: tf.Tensor1D): tf.Tensor4D {
  const [kd, kh, kw, Cout, Cin] = w.shape as [number, number, number, number, number];
  if (x.rank !== 4 || w.rank !== 5 || x.shape[3] !== Cin) {
    throw new OpShapeError('convTranspose3d', `x ${shapeText(x.shape)}, w ${shapeText(w.shape)}`, 'x must be [B*d, h, w, Cin] and w [kd, kh, kw, Cout, Cin]');
  }
  return tf.tidy(() => {
    const wm = tf.transpose(tf.reshape(w, [kd * kh * kw * Cout, Cin])); // [Cin, kd*kh*kw*Cout]
    const y = depthToSpace3d(linear(x, wm) as tf.Tensor4D, kd, kh, kw); // [B*d*kd, h*kh, w*kw, Cout]
    return b === undefined ? y : tf.add(y, b);
  });
}
