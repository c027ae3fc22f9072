/**
 * Auxiliary prediction head of eq. (9): a 1×1 convolution `F_{1×1}` that reduces the
 * `Z × N` semantic-aware maps `A` of one EAM scale to class logits. Training only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Grid } from './token-grid.ts';

export class AuxHead {
  readonly conv: LinearLayer;

  constructor(store: ParameterStore, prefix: string, readonly classes: number, readonly heads: number, numClasses: number) {
    this.conv = new LinearLayer(store, `${prefix}/conv`, classes * heads, numClasses, true, 'conv');
  }

  /**
   * @param A `[B, N, Z, L]` from the EAM, `L = D*H*W` tokens of `grid`
   * @returns `[B*D, H, W, numClasses]` logits at the scale's resolution
   */
  apply(A: tf.Tensor4D, grid: Grid): tf.Tensor4D {
    const [B, N, Z, L] = A.shape;
    const channels = tf.transpose(tf.reshape(A, [B, N * Z, L]), [0, 2, 1]); // [B, L, N*Z]
    const maps = tf.reshape(channels, [B * grid.D, grid.H, grid.W, N * Z]); // [B*D, H, W, N*Z]
    return this.conv.apply(maps) as tf.Tensor4D;
  }
}
