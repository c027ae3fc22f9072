/**
 * Auxiliary prediction loss, eq. (9): `Σ_λ [CE(F_1×1(A_λ), Y_λ) + DSC(F_1×1(A_λ), Y_λ)]`
 * over the EAM scales, with `Y_λ` the labels down-sampled (nearest) to scale λ. The CE and
 * Dice weights come from the Run IR (`loss.aux.ce`, `loss.aux.dice`; the paper's 1 and 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from './cross-entropy.ts';
import { diceLoss } from './dice-loss.ts';
import { downsampleLabels, labelMap } from './labels.ts';
import { LossInputError } from './loss-input-error.ts';

export interface AuxLossWeights {
  ce: number;
  dice: number;
}

/**
 * @param auxLogits per scale `[B*d_λ, h_λ, w_λ, K]` (from the auxiliary heads)
 * @param labels `[B*D, H, W]` at the input resolution
 * @param D slices per sample of `labels` (1 in 2D)
 * @returns scalar sum over scales
 */
export function auxLoss(auxLogits: readonly tf.Tensor4D[], labels: tf.Tensor, D: number, weights: AuxLossWeights): tf.Scalar {
  const y = labelMap(labels);
  const [BD, H, W] = y.shape;
  const B = BD / D;
  let total: tf.Scalar = tf.scalar(0);
  for (const logits of auxLogits) {
    const [bd, h, w] = logits.shape;
    const d = bd / B;
    const [fd, fh, fw] = [D / d, H / h, W / w];
    if (![fd, fh, fw].every((f) => Number.isInteger(f) && f >= 1)) {
      throw new LossInputError(`auxiliary logits [${logits.shape.join(', ')}] do not divide labels [${y.shape.join(', ')}]`, 'aux heads must run at an integer fraction of the input resolution');
    }
    const yl = downsampleLabels(y, D, fd, fh, fw);
    const term = tf.add(tf.mul(crossEntropy(logits, yl), weights.ce), tf.mul(diceLoss(logits, yl), weights.dice));
    total = tf.add(total, term) as tf.Scalar;
  }
  return total;
}
