/**
 * Cyclic shift along one axis as two slices and a concat (Swin's shifted windows,
 * `torch.roll`). tfjs has no roll op; slice and concat differentiate on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * `out[..., i, ...] = x[..., (i - shift) mod n, ...]` along `axis`, as `torch.roll`:
 * a positive shift moves elements towards higher indices. Swin's cyclic shift is
 * `roll(roll(x, -s, 1), -s, 2)` on `[B, H, W, C]`; the reverse shift uses `+s`.
 *
 * @param x any rank ≤ 4 (higher ranks are slow on wasm)
 * @param shift any integer, negative allowed
 * @param axis non-negative axis index
 * @returns same shape as `x`
 */
export function roll(x: tf.Tensor, shift: number, axis: number): tf.Tensor {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank || !Number.isInteger(shift)) {
    throw new OpShapeError('roll', `axis ${axis}, shift ${shift} for x ${shapeText(x.shape)}`, `axis must be in [0, ${x.rank}) and shift an integer`);
  }
  const n = x.shape[axis]!;
  const s = ((shift % n) + n) % n;
  if (s === 0) return tf.clone(x);
  return tf.tidy(() => {
    // fresh begin/size arrays per slice: tfjs keeps them by reference for the gradient
    const begin = (start: number) => x.shape.map((_, i) => (i === axis ? start : 0));
    const size = (len: number) => x.shape.map((d, i) => (i === axis ? len : d));
    const head = tf.slice(x, begin(0), size(n - s)); // x[..., 0 : n-s, ...]
    const tail = tf.slice(x, begin(n - s), size(s)); // x[..., n-s : n, ...]
    return tf.concat([tail, head], axis);
  });
}
