/**
 * Swin-Unet (Cao et al. 2021), the paper's 2D backbone (§3.1, App. C, Table 3): patch
 * embedding, K encoder stages of Swin blocks with patch merging, a decoder of patch
 * expanding, skip concatenation + linear and Swin blocks, a final ×P patch expanding and
 * a 1×1 head. The published reference has ≈27.17M parameters at 224², patch 4, embed 96,
 * depths [2,2,2,2], heads [3,6,12,24], window 7 and 9 classes.
 *
 * Skips are the *inputs* of encoder stages 0..K-2 (as in the reference code), and the
 * bottleneck is encoder stage K-1 followed by LayerNorm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackboneIR } from '../../schemas/run-ir.schema.ts';
import {
  applyStage,
  buildStage,
  dropPathRates,
  type BackboneGeometry,
  type Decoder,
  type DecoderOutput,
  type Encoder,
  type EncoderOutput,
  type ForwardContext,
} from './backbone.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import { PatchEmbedding } from './patch-embedding.ts';
import { PatchExpanding } from './patch-expanding.ts';
import { PatchMerging } from './patch-merging.ts';
import type { SwinBlock } from './swin-block.ts';

const X2 = { d: 1, h: 2, w: 2 };

export class SwinUnetEncoder implements Encoder {
  readonly patchEmbed: PatchEmbedding;
  readonly stages: SwinBlock[][];
  readonly merges: PatchMerging[];
  readonly norm: LayerNormLayer;

  /** @param prefix `<owner>/encoder` */
  constructor(store: ParameterStore, prefix: string, backbone: BackboneIR, readonly geometry: BackboneGeometry) {
    const g = geometry;
    const rates = dropPathRates(backbone.depths, backbone.dropPath);
    this.patchEmbed = new PatchEmbedding(store, `${prefix}/patch_embed`, g.inChannels, g.dims[0]!, g.patch);
    this.stages = backbone.depths.map((depth, k) => buildStage(store, `${prefix}/stage${k}`, backbone, g, k, depth, rates[k]!));
    this.merges = g.dims.slice(0, -1).map((d, k) => new PatchMerging(store, `${prefix}/stage${k}/merge`, d));
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, g.dims[g.stages - 1]!);
  }

  get blocks(): SwinBlock[] {
    return this.stages.flat();
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): EncoderOutput {
    const g = this.geometry;
    let h = this.patchEmbed.apply(x, g.input); // [B, H/P, W/P, C]
    const skips: tf.Tensor4D[] = [];
    for (let k = 0; k < g.stages; k++) {
      if (k < g.stages - 1) skips.push(h);
      h = applyStage(this.stages[k]!, h, ctx); // [B, H_k, W_k, C·2^k]
      if (k < g.stages - 1) h = this.merges[k]!.apply(h, g.grids[k]!); // [B, H_k/2, W_k/2, C·2^(k+1)]
    }
    return { skips, bottom: this.norm.apply(h) as tf.Tensor4D };
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }
}

export class SwinUnetDecoder implements Decoder {
  readonly bottomExpand: PatchExpanding;
  readonly concats: LinearLayer[];
  readonly stages: SwinBlock[][];
  readonly expands: PatchExpanding[];
  readonly norm: LayerNormLayer;
  readonly finalExpand: PatchExpanding;
  readonly head: LinearLayer;

  /** @param prefix `<owner>/decoder`; arrays are indexed by stage k = 0..K-2 (finest first) */
  constructor(store: ParameterStore, prefix: string, backbone: BackboneIR, readonly geometry: BackboneGeometry) {
    const g = geometry;
    const K = g.stages;
    const rates = dropPathRates(backbone.depths, backbone.dropPath);
    const dims = g.dims;
    this.bottomExpand = new PatchExpanding(store, `${prefix}/stage${K - 1}/expand`, dims[K - 1]!, X2, dims[K - 2]!);
    this.concats = dims.slice(0, -1).map((d, k) => new LinearLayer(store, `${prefix}/stage${k}/concat`, 2 * d, d));
    this.stages = dims.slice(0, -1).map((_, k) => buildStage(store, `${prefix}/stage${k}`, backbone, g, k, backbone.decoderDepths[k]!, rates[k]!));
    this.expands = dims.slice(1, -1).map((d, i) => new PatchExpanding(store, `${prefix}/stage${i + 1}/expand`, d, X2, d / 2));
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, dims[0]!);
    this.finalExpand = new PatchExpanding(store, `${prefix}/final_expand`, dims[0]!, g.patch, dims[0]!);
    this.head = new LinearLayer(store, `${prefix}/head`, dims[0]!, g.numClasses, false, 'conv');
  }

  get blocks(): SwinBlock[] {
    return this.stages.flat();
  }

  apply(enc: EncoderOutput, ctx: ForwardContext): DecoderOutput {
    const K = this.geometry.stages;
    const features: tf.Tensor4D[] = new Array(K - 1);
    let h = this.bottomExpand.apply(enc.bottom); // [B, H_{K-2}, W_{K-2}, C·2^(K-2)]
    for (let k = K - 2; k >= 0; k--) {
      // skip connection: concat then linear 2d → d
      h = this.concats[k]!.apply(tf.concat([h, enc.skips[k]!], 3)) as tf.Tensor4D; // [B, H_k, W_k, C·2^k]
      h = applyStage(this.stages[k]!, h, ctx);
      features[k] = h;
      if (k > 0) h = this.expands[k - 1]!.apply(h); // [B, H_{k-1}, W_{k-1}, C·2^(k-1)]
    }
    // final ×P expanding and the 1×1 head (applied before unfolding, LayerNorm's γ, β folded in)
    const logits = this.finalExpand.applyHead(this.norm.apply(h) as tf.Tensor4D, this.head); // [B, H, W, classes]
    return { features, logits };
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }
}
