/**
 * Patch embedding (Swin §3.1; nnFormer's embedding layer): a convolution with kernel =
 * stride = patch, `Cin → C`, then LayerNorm. Patch 4×4 (2D) or 4×4×2 (3D, paper Table 3).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { foldBlocks } from './block-folding.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Extent3, Grid } from './token-grid.ts';

export class PatchEmbedding {
  readonly proj: LinearLayer;
  readonly norm: LayerNormLayer;

  constructor(store: ParameterStore, prefix: string, readonly inChannels: number, readonly dim: number, readonly patch: Extent3) {
    this.proj = new LinearLayer(store, `${prefix}/proj`, patch.d * patch.h * patch.w * inChannels, dim, true, 'conv');
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, dim);
  }

  /**
   * @param x `[B*D, H, W, Cin]` pixels/voxels on `grid`
   * @returns `[B*D/pd, H/ph, W/pw, C]`
   */
  apply(x: tf.Tensor4D, grid: Grid): tf.Tensor4D {
    const patches = foldBlocks(x, grid, this.patch); // [B*D', H', W', pd*ph*pw*Cin]
    return this.norm.apply(this.proj.apply(patches)) as tf.Tensor4D;
  }
}
