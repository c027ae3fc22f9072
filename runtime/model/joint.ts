/**
 * The joint architectures (paper App. E.1, Fig. 3): which module instances each modality
 * uses. A shared module is one instance (parameters under `shared/…`) referenced by every
 * modality; a modality-specific one is an instance per modality (`<modality>/…`).
 * - separate: everything per modality (the paper's Backbone and Baseline);
 * - v1: per-modality embedding, encoder, EAMs; shared decoder and head;
 * - v2: per-modality embedding and EAMs; shared encoder, decoder and head;
 * - v3: v2 + channel modulation (eq. 13–15) in every block, from each modality's Q.
 * Class embeddings and EAMs (with their auxiliary heads) are always per modality.
 */
import type { ModelIR } from '../../schemas/run-ir.schema.ts';
import { AuxHead } from './aux-head.ts';
import { backboneGeometry, blockKey, type BackboneGeometry, type Decoder, type Encoder } from './backbone.ts';
import { ChannelModulation } from './channel-modulation.ts';
import { ClassEmbedding } from './class-embedding.ts';
import { ExternalAttentionModule } from './eam.ts';
import { ImageEmbedding } from './image-embedding.ts';
import { ModelConfigError } from './model-config-error.ts';
import { NnFormerDecoder, NnFormerEncoder } from './nnformer.ts';
import type { ParameterStore } from './parameter-store.ts';
import { SwinUnetDecoder, SwinUnetEncoder } from './swin-unet.ts';
import { JOINT_VARIANTS, SHARED_OWNER } from './variants.ts';

/** One EAM scale of one modality: the module and its auxiliary head. */
export interface EamScale {
  /** λ, 1-based (1 = width 4C, paper §2.2). */
  scale: number;
  /** Decoder stage k (0 = finest) whose features it reads. */
  stage: number;
  eam: ExternalAttentionModule;
  aux: AuxHead;
}

/** What one modality's forward pass runs through. */
export interface ModalityPath {
  embedding: ImageEmbedding;
  encoder: Encoder;
  decoder: Decoder;
  /** Class embeddings, when the model has them and they are built (training, or kept at inference). */
  classEmbedding: ClassEmbedding | undefined;
  /** EAM scales in order λ ascending; empty at inference. */
  eams: EamScale[];
}

export interface JointModules {
  geometry: BackboneGeometry;
  paths: Map<string, ModalityPath>;
  /** Joint V3's shared projections, when built. */
  modulation: ChannelModulation | undefined;
}

/** Which parts to build: everything (training) or the inference graph only. */
export interface JointBuildOptions {
  modalities: readonly string[];
  crop: readonly number[];
  inference: boolean;
}

/** λ → decoder stage k: λ = 1 is the stage of width 4C, i.e. k = K-1-λ. */
export function eamStage(scale: number, stages: number): number {
  return stages - 1 - scale;
}

/** Whether class embeddings (and, for V3, the shared projections) exist in the graph built. */
export function keepsQuery(model: ModelIR, inference: boolean): boolean {
  if (!model.classEmbedding) return false;
  return !inference || (model.joint === 'v3' && model.keepQueryAtInference);
}

export function buildJoint(store: ParameterStore, model: ModelIR, opts: JointBuildOptions): JointModules {
  const variant = JOINT_VARIANTS[model.joint];
  const backbone = model.backbone;
  const g = backboneGeometry(backbone, model.inChannels, model.numClasses, opts.crop);
  const K = g.stages;
  if (opts.modalities.includes(SHARED_OWNER)) {
    throw new ModelConfigError(`a modality may not be called '${SHARED_OWNER}'`, 'rename the modality in the dataset', 'data.modalities');
  }
  if (variant.channelModulation && !model.classEmbedding) {
    throw new ModelConfigError('joint v3 needs class embeddings (eq. 13 computes Ω from Q)', 'turn class_embedding on or use joint v2', 'model.joint');
  }
  const makeEncoder = (owner: string): Encoder =>
    backbone.kind === 'swin_unet' ? new SwinUnetEncoder(store, `${owner}/encoder`, backbone, g) : new NnFormerEncoder(store, `${owner}/encoder`, backbone, g);
  const makeDecoder = (owner: string): Decoder =>
    backbone.kind === 'swin_unet' ? new SwinUnetDecoder(store, `${owner}/decoder`, backbone, g) : new NnFormerDecoder(store, `${owner}/decoder`, backbone, g);

  const sharedEncoder = variant.shareEncoder ? makeEncoder(SHARED_OWNER) : undefined;
  const sharedDecoder = variant.shareDecoder ? makeDecoder(SHARED_OWNER) : undefined;
  const withQuery = keepsQuery(model, opts.inference);
  const queryDim = g.dims[K - 2] ?? g.dims[0]!;
  const Z = model.numClasses;

  const scales = [...(model.eam?.stages ?? [])].sort((a, b) => a - b);
  for (const s of scales) {
    if (s < 1 || s > K - 1) {
      throw new ModelConfigError(`EAM at decoder scale ${s}, but the backbone's decoder has scales 1..${K - 1}`, `use eam at decoder[1..${K - 1}]`, 'model.eam.stages');
    }
  }

  const paths = new Map<string, ModalityPath>();
  for (const m of opts.modalities) {
    const classEmbedding = withQuery ? new ClassEmbedding(store, `${m}/class_embedding`, Z, queryDim) : undefined;
    const eams: EamScale[] = [];
    if (!opts.inference && model.eam) {
      scales.forEach((scale, i) => {
        const stage = eamStage(scale, K);
        const dim = g.dims[stage]!;
        const next = scales[i + 1];
        const eam = new ExternalAttentionModule(store, `${m}/eam${scale}`, {
          dim,
          heads: model.eam!.heads,
          classes: Z,
          queryDim: i === 0 ? queryDim : dim,
          nextDim: next === undefined ? null : g.dims[eamStage(next, K)]!,
          mlpRatio: backbone.mlpRatio,
        });
        eams.push({ scale, stage, eam, aux: new AuxHead(store, `${m}/aux${scale}`, Z, model.eam!.heads, model.numClasses) });
      });
    }
    paths.set(m, {
      embedding: new ImageEmbedding(store, `${m}/embedding`, model.inChannels),
      encoder: sharedEncoder ?? makeEncoder(m),
      decoder: sharedDecoder ?? makeDecoder(m),
      classEmbedding,
      eams,
    });
  }

  let modulation: ChannelModulation | undefined;
  if (variant.channelModulation && withQuery) {
    const first = paths.values().next().value as ModalityPath;
    const blocks = [...first.encoder.blocks, ...first.decoder.blocks].map((b) => ({ key: blockKey(b.prefix), dim: b.cfg.dim }));
    modulation = new ChannelModulation(store, `${SHARED_OWNER}/modulation`, Z, queryDim, blocks);
  }
  return { geometry: g, paths, modulation };
}
