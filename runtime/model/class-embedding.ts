/**
 * Modality-specific class embeddings `Q ∈ R^{Z×4C}` (paper §2.1–2.2): one learnable
 * vector per class, per modality, of the width of EAM scale 1. They are the queries of
 * the first EAM (eq. 1), the operands of L_mcr (eq. 10), and in Joint V3 the source of
 * the channel weights Ω (eq. 13). Initialised N(0, 1) truncated at ±2 (as an embedding).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ParameterStore } from './parameter-store.ts';

export const CLASS_EMBEDDING_INIT_STD = 1;

export class ClassEmbedding {
  /** `[Z, 4C]` */
  readonly Q: tf.Variable;

  constructor(store: ParameterStore, prefix: string, readonly classes: number, readonly dim: number) {
    this.Q = store.normal(`${prefix}/Q`, [classes, dim], CLASS_EMBEDDING_INIT_STD);
  }
}
