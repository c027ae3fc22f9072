/**
 * Patch expanding (Swin-Unet, Cao et al. 2021 §3.4), the decoder's mirror of patch
 * merging: a linear layer without bias widens the channels, which are rearranged into a
 * `s × s` block of tokens, then LayerNorm.
 * - ×2 expanding between decoder stages: `d → 2d` channels → 2×2 tokens of `d/2`.
 * - final ×P expanding before the head: `d → P²d` channels → P×P tokens of `d`.
 */
import * as tf from '@tensorflow/tfjs-core';
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
   * `unfold(head(norm(tokens)))` for a token-wise `head` (one that maps each token on its
   * own, as the 1×1 classifier after the final ×P expanding): equal to
   * `head(apply(x))`, but LayerNorm and `head` run on the tokens still folded in
   * channels and only `head`'s output is moved into space. At 224² the final expanding's
   * 96 channels are 4.8M values per image; the 5 class logits are 0.25M.
   * @param x `[B, h, w, d]`
   * @param head `[N, outDim] → [N, Cout]`
   * @returns `[B, h*s, w*s, Cout]`
   */
  applyThen(x: tf.Tensor4D, head: (tokens: tf.Tensor2D) => tf.Tensor): tf.Tensor4D {
    const wide = this.expand.apply(x) as tf.Tensor4D; // [B, h, w, s*s*outDim]
    const [B, h, w, K] = wide.shape;
    const perPatch = K / this.outDim; // tokens per input token (s*s, or sd*s*s in 3D)
    const tokens = tf.reshape(wide, [B * h * w * perPatch, this.outDim]) as tf.Tensor2D; // rows (b, y, x, i, j)
    const out = head(this.norm.apply(tokens) as tf.Tensor2D); // [B*h*w*s*s, Cout]
    const cout = out.shape[1]!;
    return unfoldBlocks(tf.reshape(out, [B, h, w, perPatch * cout]) as tf.Tensor4D, this.scale); // [B, h*s, w*s, Cout]
  }
}
