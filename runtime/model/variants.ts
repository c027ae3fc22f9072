/**
 * Variants as data (STYLE.md point 12): which parts each joint architecture shares
 * between modalities (paper App. E.1, Fig. 3), and named backbone presets.
 */
import type { BackboneIR, ModelIR } from '../../schemas/run-ir.schema.ts';

export type JointKind = ModelIR['joint'];

/** Which modules one modality owns (`false`) or all modalities share (`true`). */
export interface JointVariant {
  /** Modality-specific image embedding (§2.1): never shared. */
  shareEmbedding: false;
  shareEncoder: boolean;
  shareDecoder: boolean;
  /** EAMs, their auxiliary heads and the class embeddings: always per modality. */
  shareEams: false;
  /** eq. 13–15 channel multiplication in every block. */
  channelModulation: boolean;
  /** Paper name. */
  title: string;
}

export const JOINT_VARIANTS: Readonly<Record<JointKind, JointVariant>> = {
  separate: { shareEmbedding: false, shareEncoder: false, shareDecoder: false, shareEams: false, channelModulation: false, title: 'Backbone / Baseline (one model per modality)' },
  v1: { shareEmbedding: false, shareEncoder: false, shareDecoder: true, shareEams: false, channelModulation: false, title: 'Joint V1 (modality-specific encoders, shared decoder)' },
  v2: { shareEmbedding: false, shareEncoder: true, shareDecoder: true, shareEams: false, channelModulation: false, title: 'Joint V2 (shared encoder and decoder, EAMs per modality)' },
  v3: { shareEmbedding: false, shareEncoder: true, shareDecoder: true, shareEams: false, channelModulation: true, title: 'Joint V3 (V2 + modality-aware channel multiplication)' },
};

/** Owner segment of shared parameter names. */
export const SHARED_OWNER = 'shared';

/** Named backbones: the paper's two (App. C, Table 3) with our documented defaults, and tiny ones for tests. */
export const BACKBONE_VARIANTS: Readonly<Record<string, BackboneIR>> = {
  /** Swin-Unet as published (Cao et al. 2021): ≈27.17M parameters at 224², 9 classes. */
  swin_unet_reference: {
    kind: 'swin_unet', dims: 2, patch: [4, 4], embed: 96, depths: [2, 2, 2, 2], decoderDepths: [2, 2, 2, 2],
    heads: [3, 6, 12, 24], window: [7, 7], mlpRatio: 4, qkvBias: true, dropPath: 0.1,
  },
  /** experiments/paper/common.abl, 3D: embed 192, heads [6,12,24,48], window 4×4×2, patch 4×4×2. */
  nnformer_paper: {
    kind: 'nnformer', dims: 3, patch: [4, 4, 2], embed: 192, depths: [2, 2, 2, 2], decoderDepths: [2, 2, 2, 2],
    heads: [6, 12, 24, 48], window: [[4, 4, 2]], mlpRatio: 4, qkvBias: true, dropPath: 0.1,
  },
  swin_unet_tiny: {
    kind: 'swin_unet', dims: 2, patch: [2, 2], embed: 8, depths: [1, 2], decoderDepths: [2, 2],
    heads: [2, 2], window: [2, 2], mlpRatio: 2, qkvBias: true, dropPath: 0,
  },
  nnformer_tiny: {
    kind: 'nnformer', dims: 3, patch: [2, 2, 2], embed: 8, depths: [2, 1], decoderDepths: [2, 2],
    heads: [2, 2], window: [[2, 2, 2]], mlpRatio: 2, qkvBias: true, dropPath: 0,
  },
};
