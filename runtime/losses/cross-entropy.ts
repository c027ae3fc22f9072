/**
 * Pixel-wise cross-entropy of logits against integer labels (paper eq. 9 and the
 * segmentation loss), averaged over every pixel/voxel of the batch (PyTorch's
 * `CrossEntropyLoss()` default reduction).
 */
import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax } from '../ops/index.ts';
import { labelMap, oneHotLabels } from './labels.ts';
import { LossInputError } from './loss-input-error.ts';

/**
 * @param logits `[B*D, H, W, K]`
 * @param labels `[B*D, H, W]` int class indices in `0..K-1`
 * @returns scalar mean over pixels of `-log softmax(logits)[label]`
 */
export function crossEntropy(logits: tf.Tensor4D, labels: tf.Tensor): tf.Scalar {
  const y = labelMap(labels);
  checkShapes('crossEntropy', logits, y);
  const K = logits.shape[3];
  const target = oneHotLabels(y, K);
  const perPixel = tf.sum(tf.mul(target, logSoftmax(logits)), 3); // [B*D, H, W]
  return tf.neg(tf.mean(perPixel)) as tf.Scalar;
}

export function checkShapes(loss: string, logits: tf.Tensor4D, y: tf.Tensor3D): void {
  if (logits.rank !== 4 || y.shape.some((d, i) => d !== logits.shape[i])) {
    throw new LossInputError(`${loss}: logits [${logits.shape.join(', ')}] and labels [${y.shape.join(', ')}] differ`, 'labels must be [B*D, H, W] at the logits resolution');
  }
}
