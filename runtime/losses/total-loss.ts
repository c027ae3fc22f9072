/**
 * The overall objective, eq. (12): `L = Σ_m L_seg^m + α Σ_m L_aux^m + β L_mcr + γ L_icr`,
 * with every term returned separately for logging. Weights come from the Run IR's `loss`
 * section; a null term (or a weight of 0) is skipped and not reported.
 *
 * With more than two modalities, L_mcr and L_icr sum over every ordered-by-index pair
 * (M_a, M_b), a < b (the paper has two: M1 = first, M2 = second).
 *
 * Split across workers (`runtime/train/parallel/`), each worker owns some modalities and
 * gets the others' Q and E as constants. Its `total` is then the part of eq. (12) whose
 * gradient reaches its own tensors: its own L_seg and L_aux, and every pair term that
 * touches one of its modalities, differentiated through its side only. The workers'
 * gradients sum to the gradient of the whole eq. (12), because a pair term's gradient is
 * the sum of its partial derivatives through each side. Each pair term is reported
 * (`terms`, `reported`) by the owner of its first modality only, so the reports also sum
 * to the whole.
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

/** Another worker's modality: only what the pair terms read, as constants. */
export type CouplingInput = Pick<ModalityLossInput, 'modality' | 'E' | 'Q'>;

export interface LossTerms {
  /** What to differentiate: eq. (12), or this worker's part of it (see above). */
  total: tf.Scalar;
  /** `seg/<m>`, `aux/<m>`, `mcr`, `icr` (unweighted values) that this call reports. */
  terms: Record<string, tf.Scalar>;
  /** The weighted sum of `terms`: `total` itself when every modality is owned. */
  reported: tf.Scalar;
}

/**
 * eq. (12).
 * @param inputs one entry per modality, in the order M1, M2, …
 * @param owned the modalities this call differentiates (default: all). The others are
 *   `CouplingInput`s, treated as constants.
 */
export function totalLoss(inputs: ReadonlyArray<ModalityLossInput | CouplingInput>, loss: LossIR, owned?: ReadonlySet<string>): LossTerms {
  const isOwned = (m: CouplingInput) => owned === undefined || owned.has(m.modality);
  const terms: Record<string, tf.Scalar> = {};
  const weighted: tf.Scalar[] = [];
  // pair terms differentiated here but reported by the worker owning the pair's first modality
  const unreported: tf.Scalar[] = [];
  for (const m of inputs) {
    if (!isOwned(m)) continue;
    if (!('logits' in m)) throw new LossInputError(`modality ${m.modality} is owned but has no logits`, 'pass its forward pass, not only Q and E');
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
  const pairs: [CouplingInput, CouplingInput][] = [];
  for (let a = 0; a < inputs.length; a++) {
    for (let b = a + 1; b < inputs.length; b++) if (isOwned(inputs[a]!) || isOwned(inputs[b]!)) pairs.push([inputs[a]!, inputs[b]!]);
  }
  const pairTerm = (name: 'mcr' | 'icr', weight: number, of: (a: CouplingInput, b: CouplingInput) => tf.Scalar) => {
    const mine: tf.Scalar[] = [];
    const others: tf.Scalar[] = [];
    for (const [a, b] of pairs) (isOwned(a) ? mine : others).push(of(a, b));
    if (mine.length > 0) {
      const value = tf.addN(mine) as tf.Scalar;
      terms[name] = value;
      weighted.push(tf.mul(value, weight) as tf.Scalar);
    }
    if (others.length > 0) unreported.push(tf.mul(tf.addN(others), weight) as tf.Scalar);
  };
  if (loss.mcr && loss.mcr.weight > 0 && pairs.length > 0) {
    pairTerm('mcr', loss.mcr.weight, (a, b) => {
      if (!a.Q || !b.Q) throw new LossInputError('loss.mcr needs class embeddings for every modality', 'turn class_embedding on (it is on when eam is set)');
      return modalityConsistency(a.Q, b.Q);
    });
  }
  if (loss.icr && loss.icr.weight > 0 && pairs.length > 0) {
    const tau = loss.icr.tau;
    pairTerm('icr', loss.icr.weight, (a, b) => imageConsistency(a.E, b.E, tau));
  }
  if (weighted.length === 0 && unreported.length === 0) throw new LossInputError('no loss term to compute', 'own at least one modality');
  const reported = weighted.length > 0 ? (tf.addN(weighted) as tf.Scalar) : tf.scalar(0);
  const total = unreported.length > 0 ? (tf.addN([reported, ...unreported]) as tf.Scalar) : reported;
  return { total, terms, reported };
}
