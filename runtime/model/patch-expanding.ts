/**
 * Patch expanding (Swin-Unet, Cao et al. 2021 §3.4), the decoder's mirror of patch
 * merging: a linear layer without bias widens the channels, which are rearranged into a
 * `s × s` block of tokens, then LayerNorm.
 * - ×2 expanding between decoder stages: `d → 2d` channels → 2×2 tokens of `d/2`.
 * - final ×P expanding before the head: `d → P²d` channels → P×P tokens of `d`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear, standardize } from '../ops/index.ts';
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

  /**
   * `head(apply(x))` for the 1×1 classifier after the final ×P expanding, computed on the
   * tokens still folded in channels (LayerNorm and the head map each token on its own),
   * so only the logits are moved into space: at 224² the 96 channels are 4.8M values per
   * image, the 5 logits 0.25M. LayerNorm's γ, β are folded into the head,
   * `x̂·(γ ⊙ W) + β·W (+ b)`, which saves two passes over the 96 channels forward and four
   * backward. Equal to `head.apply(this.apply(x))` up to float rounding.
   * @param x `[B, h, w, d]`
   * @returns `[B, h*s, w*s, head.cout]`
   */
  applyHead(x: tf.Tensor4D, head: LinearLayer): tf.Tensor4D {
    const C = this.outDim;
    const wide = this.expand.apply(x) as tf.Tensor4D; // [B, h, w, s*s*outDim]
    const [B, h, w, K] = wide.shape;
    const perPatch = K / C; // output tokens per input token (s*s, or sd*s*s in 3D)
    const xhat = standardize(tf.reshape(wide, [B * h * w * perPatch, C])); // rows (b, y, x, i, j)
    const wFolded = tf.mul(tf.reshape(this.norm.gamma, [C, 1]), head.w); // γ ⊙ W, [C, Cout]
    // β·W as a sum, not a reshaped product: wasm's fused product takes only a bias made at rank 1
    let bFolded = tf.sum(tf.mul(tf.reshape(this.norm.beta, [C, 1]), head.w), 0); // [Cout]
    if (head.b) bFolded = tf.add(bFolded, head.b);
    const logits = linear(xhat, wFolded, bFolded); // [B*h*w*s*s, Cout]
    return unfoldBlocks(tf.reshape(logits, [B, h, w, perPatch * head.cout]) as tf.Tensor4D, this.scale); // [B, h*s, w*s, Cout]
  }
}
