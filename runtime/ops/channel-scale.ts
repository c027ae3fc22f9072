/**
 * Per-channel scaling `x · s` with a gradient that sums over tokens without a transpose.
 * tfjs differentiates `tf.mul(x [..., C], s [C])` with respect to `s` by `tf.sum` over
 * every axis but the last, which wasm computes by transposing the whole product first
 * (~0.5 ms for a 56×56×96 map); here the sum is `columnSum`, an average pool.
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnSum } from './column-sum.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

type Save = tf.GradSaveFunc;

const scale = tf.customGrad((x: tf.Tensor | Save, s: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const [tx, ts] = [x as tf.Tensor, s as tf.Tensor1D];
  (save as Save)([tx, ts]);
  return {
    value: tf.mul(tx, ts),
    // tidy: the tape keeps a custom gradient's intermediates until the backward pass ends
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, ss] = saved as [tf.Tensor, tf.Tensor1D];
        const C = ss.shape[0];
        return [tf.mul(dy, ss), columnSum(tf.reshape(tf.mul(dy, sx), [-1, C]) as tf.Tensor2D)];
      }),
  };
}) as (x: tf.Tensor, s: tf.Tensor1D) => tf.Tensor;

/**
 * `x[..., c] · s[c]`, as `tf.mul(x, s)`.
 * @param x `[..., C]`
 * @param s `[C]`
 * @returns `[..., C]`
 */
export function scaleChannels(x: tf.Tensor, s: tf.Tensor1D): tf.Tensor {
  if (s.rank !== 1 || x.rank < 1 || x.shape[x.rank - 1] !== s.shape[0]) {
    throw new OpShapeError('scaleChannels', `x ${shapeText(x.shape)}, s ${shapeText(s.shape)}`, 's must be [C] where C is the last axis of x');
  }
  return scale(x, s);
}
