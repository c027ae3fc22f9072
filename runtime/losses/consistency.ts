/**
 * The two consistency regularisations of paper §2.3.
 * - eq. (10) modality level: `L_mcr = Σ_i (1 - cos(Q_M1^i, Q_M2^i))` over the Z class
 *   embeddings of two modalities.
 * - eq. (11) image level: `L_icr = Σ_λ Σ_i [KL(σ(E_M1^i/τ) ‖ σ(E_M2^i/τ)) + KL(σ(E_M2^i/τ) ‖
 *   σ(E_M1^i/τ))]`, σ the softmax over the class axis j of row `E^i`. The two KL terms sum
 *   to `Σ_j (p_j - q_j)(log p_j - log q_j)`.
 *
 * Batches are unpaired: `L_icr` averages over every (M1 sample, M2 sample) pair of the
 * step (B1·B2 pairs), "generating many sample pairs" (§2.1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax } from '../ops/index.ts';
import { LossInputError } from './loss-input-error.ts';

/** Guards the cosine's denominator; far below any norm a trained embedding has. */
export const COSINE_EPS = 1e-8;

/**
 * eq. (10).
 * @param qA `[Z, C]` class embeddings of modality M1
 * @param qB `[Z, C]` of modality M2
 * @returns scalar in [0, 2Z]
 */
export function modalityConsistency(qA: tf.Tensor, qB: tf.Tensor): tf.Scalar {
  if (qA.rank !== 2 || qA.shape.some((d, i) => d !== qB.shape[i])) {
    throw new LossInputError(`L_mcr: class embeddings [${qA.shape.join(', ')}] and [${qB.shape.join(', ')}]`, 'both modalities need Z × C embeddings of the same size');
  }
  const dot = tf.sum(tf.mul(qA, qB), 1); // [Z]
  const norms = tf.mul(tf.sqrt(tf.sum(tf.square(qA), 1)), tf.sqrt(tf.sum(tf.square(qB), 1))); // [Z]
  const cos = tf.div(dot, tf.maximum(norms, COSINE_EPS)); // [Z]
  return tf.sum(tf.sub(1, cos)) as tf.Scalar;
}

/**
 * eq. (11) at one scale λ, averaged over sample pairs.
 * @param eA `[B1, Z, Z]` correlations of M1's samples (row i = E^i)
 * @param eB `[B2, Z, Z]` of M2's samples
 * @param tau temperature τ > 0
 * @returns scalar ≥ 0
 */
export function imageConsistencyAtScale(eA: tf.Tensor3D, eB: tf.Tensor3D, tau: number): tf.Scalar {
  const [B1, Z, Z2] = eA.shape;
  const B2 = eB.shape[0];
  if (Z !== Z2 || eB.shape[1] !== Z || eB.shape[2] !== Z) {
    throw new LossInputError(`L_icr: correlations [${eA.shape.join(', ')}] and [${eB.shape.join(', ')}]`, 'both modalities need [B, Z, Z] correlations with the same Z');
  }
  const logP = tf.reshape(logSoftmax(tf.div(eA, tau)), [B1, 1, Z, Z]); // [B1, 1, Z, Z]
  const logQ = tf.reshape(logSoftmax(tf.div(eB, tau)), [1, B2, Z, Z]); // [1, B2, Z, Z]
  const sym = tf.mul(tf.sub(tf.exp(logP), tf.exp(logQ)), tf.sub(logP, logQ)); // [B1, B2, Z, Z]
  return tf.div(tf.sum(sym), B1 * B2) as tf.Scalar;
}

/**
 * eq. (11): the sum over scales λ.
 * @param eA per scale `[B1, Z, Z]`
 * @param eB per scale `[B2, Z, Z]`, same scales in the same order
 */
export function imageConsistency(eA: readonly tf.Tensor3D[], eB: readonly tf.Tensor3D[], tau: number): tf.Scalar {
  if (eA.length !== eB.length) {
    throw new LossInputError(`L_icr: ${eA.length} scales for one modality, ${eB.length} for the other`, 'both modalities need EAMs at the same scales');
  }
  if (!(tau > 0)) throw new LossInputError(`L_icr: temperature τ = ${tau}`, 'τ must be > 0');
  let total: tf.Scalar = tf.scalar(0);
  eA.forEach((e, i) => {
    total = tf.add(total, imageConsistencyAtScale(e, eB[i]!, tau)) as tf.Scalar;
  });
  return total;
}
