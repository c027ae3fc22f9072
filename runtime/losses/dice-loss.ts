/**
 * Soft Dice loss (Milletari et al. 2016, the "DSC" of eq. 9 and the segmentation loss):
 * `1 - (2 Σ p g + s) / (Σ p + Σ g + s)` per class, with `p = softmax(logits)` and `g`
 * the one-hot labels, sums pooled over the whole batch (pixels and samples), averaged over
 * the classes.
 *
 * Conventions (named options, defaults stated):
 * - `smooth` s = 1e-5 (Swin-Unet's): an absent class predicted absent scores loss ≈ 0;
 * - `includeBackground` = true: class 0 is averaged like the others (Swin-Unet's and
 *   nnU-Net's training losses do so);
 * - linear (not squared) denominators.
 */
import * as tf from '@tensorflow/tfjs-core';
import { softmax } from '../ops/index.ts';
import { checkShapes } from './cross-entropy.ts';
import { labelMap, oneHotLabels } from './labels.ts';

export interface DiceLossOptions {
  /** Added to numerator and denominator; default 1e-5. */
  smooth?: number;
  /** Average over class 0 too; default true. */
  includeBackground?: boolean;
}

/**
 * @param logits `[B*D, H, W, K]`
 * @param labels `[B*D, H, W]` int class indices
 * @returns scalar in [0, 1]
 */
export function diceLoss(logits: tf.Tensor4D, labels: tf.Tensor, options: DiceLossOptions = {}): tf.Scalar {
  const smooth = options.smooth ?? 1e-5;
  const includeBackground = options.includeBackground ?? true;
  const y = labelMap(labels);
  checkShapes('diceLoss', logits, y);
  const K = logits.shape[3];
  const p = tf.reshape(softmax(logits), [-1, K]); // [B*D*H*W, K]
  const g = tf.reshape(oneHotLabels(y, K), [-1, K]); // [B*D*H*W, K]
  const intersection = tf.sum(tf.mul(p, g), 0); // [K]
  const total = tf.add(tf.sum(p, 0), tf.sum(g, 0)); // [K]
  let perClass = tf.sub(1, tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(total, smooth))); // [K]
  if (!includeBackground) perClass = tf.slice(perClass, [1], [K - 1]);
  return tf.mean(perClass) as tf.Scalar;
}
