/**
 * What the two U-shaped backbones (Swin-Unet 2D, nnFormer-style 3D) have in common: the
 * stage geometry, the encoder/decoder interfaces the joint architectures compose
 * (Joint V1 pairs per-modality encoders with one decoder), and building a stage of
 * Swin blocks with its stochastic-depth rates.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackboneIR } from '../../schemas/run-ir.schema.ts';
import type { DropPathSource } from './drop-path.ts';
import { ModelConfigError } from './model-config-error.ts';
import type { ParameterStore } from './parameter-store.ts';
import { SwinBlock, type BlockModulation } from './swin-block.ts';
import { extentFromXyz, gridText, type Extent3, type Grid } from './token-grid.ts';

/** Shapes of every stage, derived from the backbone IR and the input size. */
export interface BackboneGeometry {
  kind: BackboneIR['kind'];
  /** Stages K. */
  stages: number;
  inChannels: number;
  numClasses: number;
  /** Pixel/voxel grid of one input sample. */
  input: Grid;
  patch: Extent3;
  /** Width of stage k: C·2^k. */
  dims: number[];
  /** Token grid of stage k. */
  grids: Grid[];
  /** Window of stage k before clamping to the grid. */
  windows: Extent3[];
  /** Down-sampling factor between stage k and k+1 (2 on every axis the model halves). */
  factor: Extent3;
}

/**
 * @param crop Run IR `data.crop`: `[x, y]` (2D) or `[x, y, z]` (3D)
 * @throws ModelConfigError when the patch or the down-sampling does not divide the input
 */
export function backboneGeometry(backbone: BackboneIR, inChannels: number, numClasses: number, crop: readonly number[]): BackboneGeometry {
  const K = backbone.depths.length;
  const input = gridFromCrop(crop);
  const patch = extentFromXyz(backbone.patch);
  const factor: Extent3 = backbone.dims === 3 ? { d: 2, h: 2, w: 2 } : { d: 1, h: 2, w: 2 };
  if (backbone.heads.length !== K) {
    throw new ModelConfigError(`backbone has ${K} stages (depths) but ${backbone.heads.length} heads`, 'give one heads entry per stage', 'model.backbone.heads');
  }
  if (backbone.decoderDepths.length !== K && backbone.decoderDepths.length !== K - 1) {
    throw new ModelConfigError(`backbone has ${K} stages but ${backbone.decoderDepths.length} decoder depths`, `give ${K} decoder depths (the last, the bottleneck's, is not used) or ${K - 1}`, 'model.backbone.decoderDepths');
  }
  const windows: Extent3[] =
    backbone.kind === 'swin_unet'
      ? Array.from({ length: K }, () => extentFromXyz(backbone.window))
      : Array.from({ length: K }, (_, k) => extentFromXyz(backbone.window[Math.min(k, backbone.window.length - 1)]!));
  const grids: Grid[] = [];
  let g: Grid = { D: input.D / patch.d, H: input.H / patch.h, W: input.W / patch.w };
  for (let k = 0; k < K; k++) {
    if (![g.D, g.H, g.W].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ModelConfigError(
        `input ${gridText(input)} does not divide into patches ${patch.d}×${patch.h}×${patch.w} and ${K - 1} halvings (stage ${k} would be ${gridText(g)})`,
        'choose a crop that is a multiple of patch × 2^(stages-1) on every axis',
        'data.crop',
      );
    }
    grids.push(g);
    g = { D: g.D / factor.d, H: g.H / factor.h, W: g.W / factor.w };
  }
  return {
    kind: backbone.kind,
    stages: K,
    inChannels,
    numClasses,
    input,
    patch,
    dims: Array.from({ length: K }, (_, k) => backbone.embed * 2 ** k),
    grids,
    windows,
    factor,
  };
}

/** Grid of a Run IR crop `[x, y]` or `[x, y, z]`. */
export function gridFromCrop(crop: readonly number[]): Grid {
  return { W: crop[0]!, H: crop[1]!, D: crop.length > 2 ? crop[2]! : 1 };
}

/** Stochastic-depth rate of every encoder block, linear from 0 to `rate` (Swin). */
export function dropPathRates(depths: readonly number[], rate: number): number[][] {
  const total = depths.reduce((a, b) => a + b, 0);
  const rates: number[][] = [];
  let i = 0;
  for (const d of depths) {
    rates.push(Array.from({ length: d }, () => (rate * i++) / Math.max(total - 1, 1)));
  }
  return rates;
}

/** What every module of a forward pass needs besides its input. */
export interface ForwardContext {
  dropPath: DropPathSource | undefined;
  /** eq. 13 scales by block key, or undefined without channel modulation. */
  modulation: Map<string, BlockModulation> | undefined;
}

export interface EncoderOutput {
  /** Skip features of stages 0..K-2, finest first. */
  skips: tf.Tensor4D[];
  /** Bottleneck features `[B*D, H, W, C·2^(K-1)]`. */
  bottom: tf.Tensor4D;
}

export interface DecoderOutput {
  /** Features of decoder stage k = 0..K-2 (finest first) after its blocks: the EAM inputs `F`. */
  features: tf.Tensor4D[];
  /** `[B*D, H, W, numClasses]` at the input resolution. */
  logits: tf.Tensor4D;
}

export interface Encoder {
  readonly blocks: readonly SwinBlock[];
  /** @param x `[B*D, H, W, Cin]` embedded image */
  apply(x: tf.Tensor4D, ctx: ForwardContext): EncoderOutput;
  dispose(): void;
}

export interface Decoder {
  readonly blocks: readonly SwinBlock[];
  apply(enc: EncoderOutput, ctx: ForwardContext): DecoderOutput;
  dispose(): void;
}

/** A block's key: its prefix without the owner (`encoder/stage0/block1`). */
export function blockKey(prefix: string): string {
  return prefix.slice(prefix.indexOf('/') + 1);
}

/** The Swin blocks of one stage, alternating W-MSA and SW-MSA. */
export function buildStage(
  store: ParameterStore,
  prefix: string,
  backbone: BackboneIR,
  geometry: BackboneGeometry,
  k: number,
  depth: number,
  rates: readonly number[],
): SwinBlock[] {
  return Array.from(
    { length: depth },
    (_, j) =>
      new SwinBlock(store, `${prefix}/block${j}`, {
        dim: geometry.dims[k]!,
        heads: backbone.heads[k]!,
        grid: geometry.grids[k]!,
        window: geometry.windows[k]!,
        shifted: j % 2 === 1,
        mlpRatio: backbone.mlpRatio,
        qkvBias: backbone.qkvBias,
        dropPath: rates[j] ?? rates[rates.length - 1] ?? 0,
      }),
  );
}

/** Run the blocks of a stage in order. */
export function applyStage(blocks: readonly SwinBlock[], x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
  let y = x;
  for (const b of blocks) y = b.apply(y, { dropPath: ctx.dropPath, modulation: ctx.modulation?.get(blockKey(b.prefix)) });
  return y;
}
