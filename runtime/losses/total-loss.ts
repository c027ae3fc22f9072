/**
 * The overall objective, eq. (12): `L = Σ_m L_seg^m + α Σ_m L_aux^m + β L_mcr + γ L_icr`,
 * with every term returned separately for logging. Weights come from the Run IR's `loss`
 * section; a null term (or a weight of 0) is skipped and not reported.
 *
 * With more than two modalities, L_mcr and L_icr sum over every ordered-by-index pair
 * (M_a, M_b), a < b (the paper has two: M1 = first, M2 = second).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossIR } from '../../schemas/run-ir.schema.ts';
import { auxLoss } from './aux-loss.ts';
import { imageConsistency, modalityConsistency } from './consistency.ts';
import { crossEntropy } from './cross-entropy.ts';
import { diceLoss } from './dice-loss.ts';
import { LossInputError } from './loss-input-error.ts';

/** What the losses need from one modality's forward pass and batch. */
export interface ModalityLossInput {
  modality: string;
  /** `[B*D, H, W, K]` main head. */
  logits: tf.Tensor4D;
  /** `[B*D, H, W]` int labels. */
  labels: tf.Tensor;
  /** Slices per sample (1 in 2D). */
  depth: number;
  /** Auxiliary logits per EAM scale. */
  aux: readonly tf.Tensor4D[];
  /** Correlations E per EAM scale, `[B, Z, Z]`. */
  E: readonly tf.Tensor3D[];
  /** `[Z, C]` class embeddings, when the model has them. */
  Q: tf.Tensor | undefined;
}

export interface LossTerms {
  total: tf.Scalar;
  /** `seg/<m>`, `aux/<m>`, `mcr`, `icr` (unweighted values). */
  terms: Record<string, tf.Scalar>;
}

export function totalLoss(inputs: readonly ModalityLossInput[], loss: LossIR): LossTerms {
  const terms: Record<string, tf.Scalar> = {};
  const weighted: tf.Scalar[] = [];
  for (const m of inputs) {
    const seg = tf.add(tf.mul(crossEntropy(m.logits, m.labels), loss.seg.ce), tf.mul(diceLoss(m.logits, m.labels), loss.seg.dice)) as tf.Scalar;
    terms[`seg/${m.modality}`] = seg;
    weighted.push(seg);
    if (loss.aux && loss.aux.weight > 0) {
      if (m.aux.length === 0) throw new LossInputError(`loss.aux is set but modality ${m.modality} has no auxiliary heads`, 'add model.eam at decoder[...] or remove loss.aux');
      const aux = auxLoss(m.aux, m.labels, m.depth, { ce: loss.aux.ce, dice: loss.aux.dice });
      terms[`aux/${m.modality}`] = aux;
      weighted.push(tf.mul(aux, loss.aux.weight) as tf.Scalar);
    }
  }
  const pairs: [ModalityLossInput, ModalityLossInput][] = [];
  for (let a = 0; a < inputs.length; a++) for (let b = a + 1; b < inputs.length; b++) pairs.push([inputs[a]!, inputs[b]!]);
  if (loss.mcr && loss.mcr.weight > 0 && pairs.length > 0) {
    let mcr: tf.Scalar = tf.scalar(0);
    for (const [a, b] of pairs) {
      if (!a.Q || !b.Q) throw new LossInputError('loss.mcr needs class embeddings for every modality', 'turn class_embedding on (it is on when eam is set)');
      mcr = tf.add(mcr, modalityConsistency(a.Q, b.Q)) as tf.Scalar;
    }
    terms.mcr = mcr;
    weighted.push(tf.mul(mcr, loss.mcr.weight) as tf.Scalar);
  }
  if (loss.icr && loss.icr.weight > 0 && pairs.length > 0) {
    let icr: tf.Scalar = tf.scalar(0);
    for (const [a, b] of pairs) icr = tf.add(icr, imageConsistency(a.E, b.E, loss.icr.tau)) as tf.Scalar;
    terms.icr = icr;
    weighted.push(tf.mul(icr, loss.icr.weight) as tf.Scalar);
  }
  return { total: tf.addN(weighted) as tf.Scalar, terms };
}
