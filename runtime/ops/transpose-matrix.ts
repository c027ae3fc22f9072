/**
 * Matrix transpose that avoids wasm's slow case. wasm's 2D Transpose reads rows and
 * writes columns with a stride of R floats; when R·4 bytes is a multiple of 1 KiB every
 * write of a row lands in the same few cache sets, and `[50176, 96]` (a 224² × 96 map)
 * takes ~30 ms, `[3072, 768]` ~20 ms (≈ 5–8 ns per value against ≈ 1 ns otherwise).
 * Transposing 64-row blocks first (`[R/64, 64, C] → [R/64, C, 64]`, cache-resident) and
 * then moving contiguous 64-value runs (`→ [C, R/64, 64]`) takes two cheap passes
 * (≈ 11 ms and ≈ 5 ms for those shapes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/** Row block of the two-pass form. */
const BLOCK = 64;
/** Below this many values one pass is fast enough whatever the stride. */
const MIN_TWO_PASS = 1 << 16;

/**
 * `xᵀ`, values identical to `tf.transpose(x)`. Differentiable (its gradient is again a
 * transpose).
 * @param x `[R, C]`
 * @returns `[C, R]`
 */
export function transposeMatrix(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 2) throw new OpShapeError('transposeMatrix', `x ${shapeText(x.shape)}`, 'x must be a matrix [R, C]; reshape first');
  const [R, C] = x.shape as [number, number];
  // the slow case: a write stride of R floats that is a multiple of 1 KiB
  if (tf.getBackend() !== 'wasm' || R % 256 !== 0 || R * C < MIN_TWO_PASS || C === 1) return tf.transpose(x) as tf.Tensor2D;
  return tf.tidy(() => {
    const blocks = tf.transpose(tf.reshape(x, [R / BLOCK, BLOCK, C]), [0, 2, 1]); // [R/64, C, 64]
    return tf.reshape(tf.transpose(blocks, [1, 0, 2]), [C, R]) as tf.Tensor2D; // [C, R]
  });
}
