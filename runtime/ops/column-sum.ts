/**
 * Sum over the rows of a matrix (bias and LayerNorm-affine gradients). wasm reduces only
 * the innermost axis, so `tf.sum(x, 0)` transposes the whole matrix first; an N×1
 * average pool over the rows (XNNPACK) times N is 5–10× faster on the models' shapes
 * (bench/README.md). A `[1, N] @ [N, C]` product is not: XNNPACK repacks its second
 * operand whenever that tensor is new, which costs more than the transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * `Σ_n x[n, c]` for every column c. For gradient code: not meant to be differentiated.
 * @param x `[N, C]` float32
 * @returns `[C]`
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (x.rank !== 2) throw new OpShapeError('columnSum', `x ${shapeText(x.shape)}`, 'x must be a matrix [N, C]; reshape to [-1, C] first');
  const [N, C] = x.shape;
  if (tf.getBackend() !== 'wasm' || N === 0) return tf.sum(x, 0);
  return tf.tidy(() => {
    const mean = tf.avgPool(tf.reshape(x, [1, N, 1, C]) as tf.Tensor4D, [N, 1], 1, 'valid'); // [1, 1, 1, C]
    return tf.reshape(tf.mul(mean, N), [C]) as tf.Tensor1D;
  });
}
