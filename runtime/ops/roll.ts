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
    const size = [...x.shape];
    const begin = x.shape.map(() => 0);
    size[axis] = n - s;
    const head = tf.slice(x, begin, size); // x[..., 0 : n-s, ...]
    const tailBegin = [...begin];
    tailBegin[axis] = n - s;
    size[axis] = s;
    const tail = tf.slice(x, tailBegin, size); // x[..., n-s : n, ...]
    return tf.concat([tail, head], axis);
  });
}
