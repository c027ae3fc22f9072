/**
 * Patch expanding (Swin-Unet, Cao et al. 2021 §3.4), the decoder's mirror of patch
 * merging: a linear layer without bias widens the channels, which are rearranged into a
 * `s × s` block of tokens, then LayerNorm.
 * - ×2 expanding between decoder stages: `d → 2d` channels → 2×2 tokens of `d/2`.
 * - final ×P expanding before the head: `d → P²d` channels → P×P tokens of `d`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { unfoldBlocks } from './block-folding.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Extent3 } from './token-grid.ts';

export class PatchExpanding {
  readonly expand: LinearLayer;
  readonly norm: LayerNormLayer;
  readonly outDim: number;

  /**
   * @param scale up-sampling factor per axis (2 between stages, the patch size at the end; 2D: `d = 1`)
   * @param outDim channels per output token (`d/2` between stages, `d` at the end)
   */
  constructor(store: ParameterStore, prefix: string, readonly dim: number, readonly scale: Extent3, outDim: number) {
    this.outDim = outDim;
    this.expand = new LinearLayer(store, `${prefix}/expand`, dim, scale.h * scale.w * outDim, false);
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, outDim);
  }

  /**
   * @param x `[B, h, w, d]`
   * @returns `[B, h*s, w*s, outDim]`
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const wide = this.expand.apply(x) as tf.Tensor4D; // [B, h, w, s*s*outDim]
    const tokens = unfoldBlocks(wide, this.scale); // [B, h*s, w*s, outDim]
    return this.norm.apply(tokens) as tf.Tensor4D;
  }
}
