/**
 * Row lookup written as a product with a constant one-hot matrix. `tf.gather` has no
 * gradient on wasm (its gradient needs UnsortedSegmentSum); a matmul does, and for
 * Swin's relative position bias (169 rows, 2401 lookups at window 7) it is cheap.
 * The gradient is written by hand so the constant one-hot matrix gets none.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * A constant `[N, depth]` float32 matrix with `M[n, indices[n]] = 1`, zeros elsewhere.
 * Build it once per index set and reuse it across steps.
 * @throws OpShapeError when an index is outside `[0, depth)`
 */
export function oneHotMatrix(indices: ArrayLike<number>, depth: number): tf.Tensor2D {
  const n = indices.length;
  const data = new Float32Array(n * depth);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= depth) {
      throw new OpShapeError('oneHotMatrix', `index ${k} at position ${i} with depth ${depth}`, `every index must be an integer in [0, ${depth})`);
    }
    data[i * depth + k] = 1;
  }
  return tf.tensor2d(data, [n, depth]);
}

// table [T, C] gathered by oneHot [N, T]; the one-hot matrices are constants (closed
// over, not inputs), so only the table gets a gradient: oneHotᵀ · dy
function gatherRows(oneHot: tf.Tensor2D, oneHotT: tf.Tensor2D) {
  return tf.customGrad((table: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    (save as tf.GradSaveFunc)([oneHotT]); // kept for the backward pass, even when made here in a tidy
    return {
      value: tf.matMul(oneHot, table as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(saved[0]!, dy as tf.Tensor2D),
    };
  }) as (table: tf.Tensor2D) => tf.Tensor2D;
}

/**
 * `table[indices[n], :]` for every n, differentiable with respect to `table` on all backends.
 * @param table `[T, C]`
 * @param oneHot `[N, T]` from `oneHotMatrix(indices, T)`
 * @param oneHotT optional `[T, N]`, the transpose of `oneHot`: build it once beside it and
 *   the gradient transposes nothing (the `[2401, 169]` one-hot of a 7×7 window is
 *   transposed in every backward pass otherwise)
 * @returns `[N, C]`
 */
export function oneHotGather(table: tf.Tensor2D, oneHot: tf.Tensor2D, oneHotT?: tf.Tensor2D): tf.Tensor2D {
  if (table.rank !== 2 || oneHot.rank !== 2 || oneHot.shape[1] !== table.shape[0]) {
    throw new OpShapeError('oneHotGather', `table ${shapeText(table.shape)}, oneHot ${shapeText(oneHot.shape)}`, 'oneHot must be [N, T] for a table [T, C]');
  }
  if (oneHotT !== undefined && (oneHotT.rank !== 2 || oneHotT.shape[0] !== oneHot.shape[1] || oneHotT.shape[1] !== oneHot.shape[0])) {
    throw new OpShapeError('oneHotGather', `oneHotT ${shapeText(oneHotT.shape)} for oneHot ${shapeText(oneHot.shape)}`, 'oneHotT must be the transpose of oneHot, [T, N]');
  }
  return tf.tidy(() => gatherRows(oneHot, oneHotT ?? tf.transpose(oneHot))(table));
}
