/**
 * Patch merging (Swin §3.1, Swin-Unet's encoder down-sampling): each 2×2 group of tokens
 * is concatenated (`4d` channels), normalised, and projected to `2d` without bias.
 * Halves H and W, doubles the width.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { foldBlocks } from './block-folding.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Grid } from './token-grid.ts';

export class PatchMerging {
  readonly norm: LayerNormLayer;
  readonly reduction: LinearLayer;

  constructor(store: ParameterStore, prefix: string, readonly dim: number) {
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, 4 * dim);
    this.reduction = new LinearLayer(store, `${prefix}/reduction`, 4 * dim, 2 * dim, false);
  }

  /**
   * @param x `[B, H, W, d]` on `grid` (2D, `D = 1`)
   * @returns `[B, H/2, W/2, 2d]`
   */
  apply(x: tf.Tensor4D, grid: Grid): tf.Tensor4D {
    const merged = foldBlocks(x, grid, { d: 1, h: 2, w: 2 }); // [B, H/2, W/2, 4d]
    return this.reduction.apply(this.norm.apply(merged)) as tf.Tensor4D;
  }
}
