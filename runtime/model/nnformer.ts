/**
 * nnFormer-style 3D U-shaped Transformer (Zhou et al. 2021), the paper's 3D backbone
 * (§3.2, App. C, Table 3): volume-window Swin blocks, strided-convolution down-sampling
 * and transposed-convolution up-sampling (kernel = stride = 2), additive skips, patch
 * 4×4×2. Built from the same Swin block as the 2D backbone; volumes are `[B*D, H, W, C]`.
 * Our simplifications of nnFormer are listed in README.md.
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
import type { ParameterStore } from './parameter-store.ts';
import { PatchEmbedding } from './patch-embedding.ts';
import type { SwinBlock } from './swin-block.ts';
import { StridedConvDown, TransposedConvUp } from './volume-sampling.ts';

export class NnFormerEncoder implements Encoder {
  readonly patchEmbed: PatchEmbedding;
  readonly stages: SwinBlock[][];
  readonly downs: StridedConvDown[];

  /** @param prefix `<owner>/encoder` */
  constructor(store: ParameterStore, prefix: string, backbone: BackboneIR, readonly geometry: BackboneGeometry) {
    const g = geometry;
    const rates = dropPathRates(backbone.depths, backbone.dropPath);
    this.patchEmbed = new PatchEmbedding(store, `${prefix}/patch_embed`, g.inChannels, g.dims[0]!, g.patch);
    this.stages = backbone.depths.map((depth, k) => buildStage(store, `${prefix}/stage${k}`, backbone, g, k, depth, rates[k]!));
    this.downs = g.dims.slice(0, -1).map((d, k) => new StridedConvDown(store, `${prefix}/stage${k}/down`, d, g.factor));
  }

  get blocks(): SwinBlock[] {
    return this.stages.flat();
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): EncoderOutput {
    const g = this.geometry;
    let h = this.patchEmbed.apply(x, g.input); // [B*D/pd, H/ph, W/pw, C]
    const skips: tf.Tensor4D[] = [];
    for (let k = 0; k < g.stages; k++) {
      h = applyStage(this.stages[k]!, h, ctx); // [B*D_k, H_k, W_k, C·2^k]
      if (k < g.stages - 1) {
        skips.push(h);
        h = this.downs[k]!.apply(h, g.grids[k]!); // [B*D_k/2, H_k/2, W_k/2, C·2^(k+1)]
      }
    }
    return { skips, bottom: h };
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }
}

export class NnFormerDecoder implements Decoder {
  readonly ups: TransposedConvUp[];
  readonly stages: SwinBlock[][];
  readonly head: TransposedConvUp;

  /** @param prefix `<owner>/decoder`; arrays are indexed by stage k = 0..K-2 (finest first) */
  constructor(store: ParameterStore, prefix: string, backbone: BackboneIR, readonly geometry: BackboneGeometry) {
    const g = geometry;
    const rates = dropPathRates(backbone.depths, backbone.dropPath);
    this.ups = g.dims.slice(0, -1).map((d, k) => new TransposedConvUp(store, `${prefix}/stage${k}/up`, 2 * d, d, g.factor));
    this.stages = g.dims.slice(0, -1).map((_, k) => buildStage(store, `${prefix}/stage${k}`, backbone, g, k, backbone.decoderDepths[k]!, rates[k]!));
    this.head = new TransposedConvUp(store, `${prefix}/head`, g.dims[0]!, g.numClasses, g.patch);
  }

  get blocks(): SwinBlock[] {
    return this.stages.flat();
  }

  apply(enc: EncoderOutput, ctx: ForwardContext): DecoderOutput {
    const K = this.geometry.stages;
    const features: tf.Tensor4D[] = new Array(K - 1);
    let h = enc.bottom;
    for (let k = K - 2; k >= 0; k--) {
      // up-sampling, then the additive skip
      h = tf.add(this.ups[k]!.apply(h), enc.skips[k]!) as tf.Tensor4D; // [B*D_k, H_k, W_k, C·2^k]
      h = applyStage(this.stages[k]!, h, ctx);
      features[k] = h;
    }
    return { features, logits: this.head.apply(h) }; // [B*D, H, W, classes]
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }
}
