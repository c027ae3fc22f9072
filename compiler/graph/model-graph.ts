/**
 * The model graph as data (DESIGN.md, "The pipeline"): a tree of modules with named
 * input/output shapes, parameter counts and FLOPs, each marked by the phase it exists in.
 * Built from the Run IR without tensors (`build-graph.ts`), printed by `ablate graph`.
 *
 * Conventions:
 * - shapes are logical and per sample batch `B`: `[B, H:56, W:56, C:96]`, volumes
 *   `[B, D:16, H:64, W:64, C:192]`, class embeddings `[Z:5, C:384]`;
 * - FLOPs are per sample (B = 1) and count matrix products only (linear layers, 1×1
 *   convolutions, attention products), one multiply-add = 2 FLOPs; norms, softmax,
 *   activations and element-wise ops are not counted;
 * - `phase`: `both` (trained and kept at inference), `training` (dropped at inference:
 *   EAMs, auxiliary heads, class embeddings unless kept, V3's projections when folded),
 *   `inference` (exists only in the exported model: V3's frozen channel scales Φ).
 */

export type Phase = 'both' | 'training' | 'inference';

/** One named dimension; `size` undefined for the batch. */
export interface Dim {
  name: string;
  size?: number;
}

export type Shape = Dim[];

export interface GraphModule {
  /** Last segment of `path` (`block1`). */
  name: string;
  /** Parameter prefix in the runtime model (`shared/encoder/stage0/block1`). */
  path: string;
  /** Paper component (`SwinBlock`, `ExternalAttentionModule`, …). */
  kind: string;
  /** Modality that owns it, or `shared`. */
  owner: string;
  phase: Phase;
  input: Shape;
  output: Shape;
  /** Parameters of this module and its children. */
  params: number;
  /** FLOPs per sample of this module and its children. */
  flops: number;
  /** One line of detail (`W-MSA window 7×7`, `shift 3×3`). */
  note?: string;
  children: GraphModule[];
}

export interface GraphTotals {
  params: number;
  flops: number;
}

export interface ModelGraph {
  /** Backbone kind and joint variant, for the header. */
  title: string;
  modalities: string[];
  modules: GraphModule[];
  /** Everything trained (phase both + training). FLOPs: one forward of one sample of one modality. */
  training: GraphTotals;
  /** The exported inference model (phase both + inference). FLOPs: one sample of one modality. */
  inference: GraphTotals;
}

/** `[B, H:56, W:56, C:96]` */
export function shapeText(shape: Shape): string {
  return `[${shape.map((d) => (d.size === undefined ? d.name : `${d.name}:${d.size}`)).join(', ')}]`;
}

/** Depth-first walk. */
export function* walk(modules: readonly GraphModule[]): Generator<GraphModule> {
  for (const m of modules) {
    yield m;
    yield* walk(m.children);
  }
}
