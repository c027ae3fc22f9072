/**
 * One modality's inference path in ONNX (paper §2.1 without EAMs): image embedding,
 * encoder, decoder and head of either backbone, read module by module from ablate's
 * built model (`runtime/model/swin-unet.ts`, `runtime/model/nnformer.ts`) so the graph
 * has the same structure and parameters as `InferenceModel.predict`.
 */
import { blockKey, type Decoder, type Encoder } from '../../model/backbone.ts';
import type { ImageEmbedding } from '../../model/image-embedding.ts';
import { NnFormerDecoder, NnFormerEncoder } from '../../model/nnformer.ts';
import type { PatchEmbedding } from '../../model/patch-embedding.ts';
import type { PatchExpanding } from '../../model/patch-expanding.ts';
import type { SwinBlock } from '../../model/swin-block.ts';
import { SwinUnetDecoder, SwinUnetEncoder } from '../../model/swin-unet.ts';
import type { LinearLayer } from '../../model/linear-layer.ts';
import type { Extent3 } from '../../model/token-grid.ts';
import { foldBlocks, spatial, unfoldBlocks, type TokenMap } from './onnx-token-map.ts';
import { layerNormNode, linearNode, swinBlockNodes, type OnnxBlockScales, type OnnxContext } from './onnx-swin-block.ts';

/** Block key (`encoder/stage0/block1`) → that block's frozen Φ, or undefined without V3. */
export type ScalesOf = (key: string) => OnnxBlockScales | undefined;

const X2: Extent3 = { d: 1, h: 2, w: 2 };

function stage(ctx: OnnxContext, blocks: readonly SwinBlock[], x: TokenMap, scales: ScalesOf): TokenMap {
  let h = x;
  for (const b of blocks) h = swinBlockNodes(ctx, b, h, scales(blockKey(b.prefix)), b.prefix);
  return h;
}

function map(x: TokenMap, name: string, channels = x.channels): TokenMap {
  return { ...x, name, channels };
}

/** Two 1×1 convolutions (§2.1). */
export function imageEmbeddingNodes(ctx: OnnxContext, e: ImageEmbedding, x: TokenMap, hint: string): TokenMap {
  return map(x, linearNode(ctx, e.conv2, linearNode(ctx, e.conv1, x.name, `${hint}/conv1`), `${hint}/conv2`));
}

function patchEmbeddingNodes(ctx: OnnxContext, p: PatchEmbedding, x: TokenMap, hint: string): TokenMap {
  const patches = foldBlocks(ctx.graph, ctx.layout, x, p.patch, `${hint}/patches`);
  return map(patches, layerNormNode(ctx, p.norm, linearNode(ctx, p.proj, patches.name, `${hint}/proj`), `${hint}/norm`), p.dim);
}

/** Linear widening, unfold into `scale` blocks, LayerNorm (Swin-Unet patch expanding). */
function patchExpandingNodes(ctx: OnnxContext, p: PatchExpanding, x: TokenMap, hint: string): TokenMap {
  const wide = map(x, linearNode(ctx, p.expand, x.name, `${hint}/expand`), p.expand.cout);
  const tokens = unfoldBlocks(ctx.graph, ctx.layout, wide, p.scale, `${hint}/unfold`);
  return map(tokens, layerNormNode(ctx, p.norm, tokens.name, `${hint}/norm`));
}

/**
 * The final ×P expanding and the 1×1 head, applied per token before the unfold (as
 * `PatchExpanding.applyHead`): LayerNorm and the head map each token on its own.
 */
function expandingHeadNodes(ctx: OnnxContext, p: PatchExpanding, head: LinearLayer, x: TokenMap, hint: string): TokenMap {
  const g = ctx.graph;
  const sizes = spatial(ctx.layout, x.grid);
  const perPatch = p.expand.cout / p.outDim;
  const wide = g.reshape(linearNode(ctx, p.expand, x.name, `${hint}/expand`), [-1, ...sizes, perPatch, p.outDim], `${hint}/tokens`);
  const logits = linearNode(ctx, head, layerNormNode(ctx, p.norm, wide, `${hint}/norm`), `${hint}/head`);
  const folded = map(x, g.reshape(logits, [-1, ...sizes, perPatch * head.cout], `${hint}/folded`), perPatch * head.cout);
  return unfoldBlocks(g, ctx.layout, folded, p.scale, `${hint}/logits`);
}

function swinUnetNodes(ctx: OnnxContext, enc: SwinUnetEncoder, dec: SwinUnetDecoder, x: TokenMap, scales: ScalesOf): TokenMap {
  const K = enc.geometry.stages;
  // encoder: skips are the stage inputs, the bottleneck is the last stage + LayerNorm
  let h = patchEmbeddingNodes(ctx, enc.patchEmbed, x, 'encoder/patch_embed');
  const skips: TokenMap[] = [];
  for (let k = 0; k < K; k++) {
    if (k < K - 1) skips.push(h);
    h = stage(ctx, enc.stages[k]!, h, scales);
    if (k < K - 1) {
      const merge = enc.merges[k]!;
      const merged = foldBlocks(ctx.graph, ctx.layout, h, X2, `encoder/stage${k}/merge/fold`);
      h = map(merged, linearNode(ctx, merge.reduction, layerNormNode(ctx, merge.norm, merged.name, `encoder/stage${k}/merge/norm`), `encoder/stage${k}/merge`), 2 * h.channels);
    }
  }
  h = map(h, layerNormNode(ctx, enc.norm, h.name, 'encoder/norm'));
  // decoder: skip concat + linear 2d → d, Swin blocks, ×2 expanding
  h = patchExpandingNodes(ctx, dec.bottomExpand, h, `decoder/stage${K - 1}/expand`);
  for (let k = K - 2; k >= 0; k--) {
    const cat = ctx.graph.op('Concat', [h.name, skips[k]!.name], { axis: -1 }, `decoder/stage${k}/skip`);
    h = map(h, linearNode(ctx, dec.concats[k]!, cat, `decoder/stage${k}/concat`));
    h = stage(ctx, dec.stages[k]!, h, scales);
    if (k > 0) h = patchExpandingNodes(ctx, dec.expands[k - 1]!, h, `decoder/stage${k}/expand`);
  }
  h = map(h, layerNormNode(ctx, dec.norm, h.name, 'decoder/norm'));
  return expandingHeadNodes(ctx, dec.finalExpand, dec.head, h, 'decoder/final_expand');
}

function nnFormerNodes(ctx: OnnxContext, enc: NnFormerEncoder, dec: NnFormerDecoder, x: TokenMap, scales: ScalesOf): TokenMap {
  const g = ctx.graph;
  const K = enc.geometry.stages;
  // encoder: skips are the stage outputs; down-sampling = LayerNorm + strided convolution
  let h = patchEmbeddingNodes(ctx, enc.patchEmbed, x, 'encoder/patch_embed');
  const skips: TokenMap[] = [];
  for (let k = 0; k < K; k++) {
    h = stage(ctx, enc.stages[k]!, h, scales);
    if (k < K - 1) {
      skips.push(h);
      const down = enc.downs[k]!;
      const normed = map(h, layerNormNode(ctx, down.norm, h.name, `encoder/stage${k}/down/norm`));
      const blocks = foldBlocks(g, ctx.layout, normed, down.factor, `encoder/stage${k}/down/fold`);
      h = map(blocks, linearNode(ctx, down.conv, blocks.name, `encoder/stage${k}/down`), 2 * h.channels);
    }
  }
  // decoder: transposed convolution up, additive skip, Swin blocks
  const up = (conv: LinearLayer, bias: string, factor: Extent3, y: TokenMap, hint: string): TokenMap => {
    const taps = map(y, linearNode(ctx, conv, y.name, `${hint}/conv`), conv.cout);
    const unfolded = unfoldBlocks(g, ctx.layout, taps, factor, `${hint}/unfold`);
    return map(unfolded, g.op('Add', [unfolded.name, bias], {}, hint));
  };
  for (let k = K - 2; k >= 0; k--) {
    const u = dec.ups[k]!;
    const upsampled = up(u.conv, ctx.params.variable(u.bias), u.factor, h, `decoder/stage${k}/up`);
    h = map(upsampled, g.op('Add', [upsampled.name, skips[k]!.name], {}, `decoder/stage${k}/skip`));
    h = stage(ctx, dec.stages[k]!, h, scales);
  }
  return up(dec.head.conv, ctx.params.variable(dec.head.bias), dec.head.factor, h, 'decoder/head');
}

/** Encoder + decoder + head: `[N, …grid, C]` embedded image → `[N, …grid, classes]` logits. */
export function backboneNodes(ctx: OnnxContext, encoder: Encoder, decoder: Decoder, x: TokenMap, scales: ScalesOf): TokenMap {
  if (encoder instanceof SwinUnetEncoder && decoder instanceof SwinUnetDecoder) return swinUnetNodes(ctx, encoder, decoder, x, scales);
  if (encoder instanceof NnFormerEncoder && decoder instanceof NnFormerDecoder) return nnFormerNodes(ctx, encoder, decoder, x, scales);
  throw new Error(`no ONNX mapping for encoder ${encoder.constructor.name} with decoder ${decoder.constructor.name}`);
}
