/**
 * Sum over the rows of a matrix, for bias and LayerNorm-affine gradients. wasm reduces
 * only the innermost axis, so `tf.sum(x, 0)` transposes the whole matrix first (~15 ms
 * extra for a fresh `[50176, 96]`, a 224² × 96 map). On wasm this is an average pool with
 * an `N × 1` window over `[1, N, 1, C]` (XNNPACK, one channels-last pass) times N: ~4 ms.
 *
 * Timing note: a `[1, N] @ [N, C]` product with a ones row looks fast only when the same
 * `x` is reused, because XNNPACK caches the packed right operand per tensor; with a fresh
 * gradient each step it repacks `x` and is slower than `tf.sum` (measured 62 vs 32 ms).
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * `Σ_n x[n, c]` for every column c (float32 accumulation). Differentiable, though meant
 * for gradient code.
 * @param x `[N, C]` float32
 * @returns `[C]`
 */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (x.rank !== 2) throw new OpShapeError('columnSum', `x ${shapeText(x.shape)}`, 'x must be a matrix [N, C]; reshape to [-1, C] first');
  const [N, C] = x.shape;
  // an empty matrix has no pooling window: its column sums are zeros
  if (tf.getBackend() !== 'wasm' || N === 0) return tf.sum(x, 0);
  return tf.tidy(() => {
    const mean = tf.avgPool(tf.reshape(x, [1, N, 1, C]) as tf.Tensor4D, [N, 1], 1, 'valid'); // [1, 1, 1, C]
    return tf.reshape(tf.mul(mean, N), [C]) as tf.Tensor1D;
  });
}
