/**
 * Modality-aware channel-wise multiplication (paper App. B.1, eq. 13–15; Joint V3):
 * `Ω = w1 Q ∈ R^{4C}` aggregates a modality's class embeddings, and each Transformer
 * block projects it to its width: `Φ1 = diag(Ω W2)`, `Φ2 = diag(Ω W3)`, `W2, W3 ∈
 * R^{4C×D}`, which scale the attention and MLP branches (eq. 14–15, in `swin-block.ts`).
 *
 * `w1` and every `W2, W3` are shared by the modalities (the network is shared); only `Q`
 * differs. `w1` starts at `1/Z` (the mean of the class embeddings), `W2, W3` at
 * N(0, 0.02²), so the branches start small, as LayerScale's do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from '../ops/index.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { BlockModulation } from './swin-block.ts';

/** A block that is modulated: its key (prefix without the owner) and width. */
export interface ModulatedBlock {
  key: string;
  dim: number;
}

export class ChannelModulation {
  /** `[1, Z]` */
  readonly w1: tf.Variable;
  readonly w2 = new Map<string, tf.Variable>();
  readonly w3 = new Map<string, tf.Variable>();

  constructor(store: ParameterStore, prefix: string, classes: number, queryDim: number, readonly blocks: readonly ModulatedBlock[]) {
    this.w1 = store.constant(`${prefix}/w1`, [1, classes], 1 / classes);
    for (const b of blocks) {
      this.w2.set(b.key, store.normal(`${prefix}/${b.key}/w2`, [queryDim, b.dim]));
      this.w3.set(b.key, store.normal(`${prefix}/${b.key}/w3`, [queryDim, b.dim]));
    }
  }

  /**
   * eq. 13 for every block.
   * @param Q `[Z, 4C]` class embeddings of one modality
   * @returns block key → `{ phi1 [D], phi2 [D] }`
   */
  scales(Q: tf.Tensor): Map<string, BlockModulation> {
    const omega = matmul(this.w1, Q); // [1, 4C]
    const out = new Map<string, BlockModulation>();
    for (const b of this.blocks) {
      const phi1 = tf.reshape(matmul(omega, this.w2.get(b.key)!), [b.dim]) as tf.Tensor1D; // [D]
      const phi2 = tf.reshape(matmul(omega, this.w3.get(b.key)!), [b.dim]) as tf.Tensor1D; // [D]
      out.set(b.key, { phi1, phi2 });
    }
    return out;
  }
}
