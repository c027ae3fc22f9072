/**
 * Sum over the rows of a matrix (bias and LayerNorm-affine gradients). wasm reduces only
 * the innermost axis: `tf.sum(x, 0)` first transposes the whole matrix, which costs
 * ~25 ms for a 224² × 96 map; a `[1, N] @ [N, C]` product with a ones row runs on
 * XNNPACK and takes ~1 ms (bench/README.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * `Σ_n x[n, c]` for every column c. Not differentiable by design (gradient code only).
 * @param x `[N, C]` float32
 * @returns `[C]`
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (x.rank !== 2) throw new OpShapeError('columnSum', `x ${shapeText(x.shape)}`, 'x must be a matrix [N, C]; reshape to [-1, C] first');
  const [N, C] = x.shape;
  return tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, N]), x), [C]) as tf.Tensor1D);
}
