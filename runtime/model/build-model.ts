/**
 * Run IR model section → a trainable model (paper §2, App. B, E.1) and its EAM-free
 * inference graph.
 *
 * `forward(x, modality, { training })` runs one modality's batch through its path (image
 * embedding → encoder → decoder → head) and, in training, through that modality's EAMs:
 * `{ logits, aux, E, Q }`. `computeLosses(batches, step)` is eq. (12) over one batch per
 * modality, for the training loop (`runtime/train/train-loop.ts`). `inferenceModel()`
 * keeps only what the main head needs (§2.1: "we discard all EAMs").
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossIR, ModelIR } from '../../schemas/run-ir.schema.ts';
import { totalLoss, type CouplingInput, type LossTerms, type ModalityLossInput } from '../losses/total-loss.ts';
import type { ForwardContext } from './backbone.ts';
import { seededDropPath } from './drop-path.ts';
import { buildJoint, type JointModules, type ModalityPath } from './joint.ts';
import { ModelConfigError } from './model-config-error.ts';
import { ParameterStore } from './parameter-store.ts';
import type { BlockModulation } from './swin-block.ts';

export interface BuildModelOptions {
  /** Run IR `data.crop`: `[x, y]` (2D) or `[x, y, z]` (3D), the training input size. */
  crop: readonly number[];
  /** Run IR `data.modalities`, in the paper's order M1, M2. */
  modalities: readonly string[];
  /** Initialisation and drop-path seed (Run IR `train.seed`). */
  seed: number;
  /** Run IR `loss`; needed by `computeLosses` only. */
  loss?: LossIR;
  /**
   * Prefix of the tfjs variable names (`v.name`, what checkpoints key on); default '' so
   * `v.name` is the parameter name. Two models alive at once need different prefixes.
   */
  variableNamespace?: string;
  /**
   * Build only the inference graph's parameters (no EAM, auxiliary head, class embedding
   * unless V3 keeps its query). Used to load a saved inference model.
   */
  inferenceOnly?: boolean;
}

export interface ForwardOptions {
  /** Training mode: drop path on, EAMs run. Default false. */
  training?: boolean;
  /** Optimisation step, seeds drop path (default: a counter of training forwards). */
  step?: number;
}

export interface ForwardResult {
  /** `[B*D, H, W, numClasses]` main head. */
  logits: tf.Tensor4D;
  /** Auxiliary logits per EAM scale (λ ascending), `[B*d_λ, h_λ, w_λ, numClasses]`; empty outside training. */
  aux: tf.Tensor4D[];
  /** Semantic correlations per EAM scale, `[B, Z, Z]`; empty outside training. */
  E: tf.Tensor3D[];
  /** `[Z, 4C]` this modality's class embeddings, when the model has them. */
  Q: tf.Tensor2D | undefined;
}

/**
 * Worker mode of `computeLosses` (`runtime/train/parallel/`): the batches given are this
 * worker's modalities; `exchange` hands their Q and E over and returns the other
 * modalities' (as constants, blocking until they are ready).
 */
export interface LossExchange {
  exchange(own: readonly CouplingInput[]): CouplingInput[];
}

/** One modality's batch: images `[B*D, H, W, Cin]` and int labels `[B*D, H, W]`. */
export interface ModalityBatch {
  x: tf.Tensor4D;
  y: tf.Tensor;
}

export class SegmentationModel {
  readonly store: ParameterStore;
  readonly modules: JointModules;
  private trainingForwards = 0;

  constructor(
    readonly ir: ModelIR,
    readonly options: BuildModelOptions,
  ) {
    if (options.modalities.length === 0) throw new ModelConfigError('no modalities given', 'pass data.modalities from the Run IR', 'data.modalities');
    this.store = new ParameterStore(options.seed, options.variableNamespace ?? '');
    try {
      this.modules = buildJoint(this.store, ir, { modalities: options.modalities, crop: options.crop, inference: options.inferenceOnly ?? false });
    } catch (e) {
      this.store.dispose();
      throw e;
    }
  }

  get modalities(): readonly string[] {
    return this.options.modalities;
  }

  /** Every trainable variable (shared ones once). */
  get trainableVariables(): tf.Variable[] {
    return [...this.store.variables.values()];
  }

  /** Parameter name → variable (names as in README.md: `<owner>/<module>/…`). */
  get namedVariables(): ReadonlyMap<string, tf.Variable> {
    return this.store.variables;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.store.count();
  }

  private path(modality: string): ModalityPath {
    const p = this.modules.paths.get(modality);
    if (!p) throw new ModelConfigError(`unknown modality '${modality}'`, `the model was built for ${this.modalities.join(', ')}`);
    return p;
  }

  /**
   * @param x `[B*D, H, W, Cin]` one modality's images at the training crop size
   */
  forward(x: tf.Tensor4D, modality: string, options: ForwardOptions = {}): ForwardResult {
    const training = options.training ?? false;
    const path = this.path(modality);
    const step = options.step ?? (training ? this.trainingForwards++ : 0);
    const Q = path.classEmbedding?.Q as tf.Tensor2D | undefined;
    const ctx: ForwardContext = {
      dropPath: training ? seededDropPath(this.options.seed, step) : undefined,
      modulation: this.modules.modulation && Q ? this.modules.modulation.scales(Q) : undefined,
    };
    const enc = path.encoder.apply(path.embedding.apply(x), ctx);
    const dec = path.decoder.apply(enc, ctx);
    const aux: tf.Tensor4D[] = [];
    const E: tf.Tensor3D[] = [];
    if (training && path.eams.length > 0) {
      if (!Q) throw new ModelConfigError('EAMs need class embeddings', 'turn class_embedding on', 'model.classEmbedding');
      let query: tf.Tensor = Q;
      const g = this.modules.geometry;
      for (const s of path.eams) {
        const grid = g.grids[s.stage]!;
        const out = s.eam.apply(query, dec.features[s.stage]!, grid.D);
        aux.push(s.aux.apply(out.A, grid));
        E.push(out.E);
        if (out.next) query = out.next;
      }
    }
    return { logits: dec.logits, aux, E, Q };
  }

  /**
   * eq. (12) for one batch per modality, in training mode. Pure in the batches and `step`
   * (drop path is seeded by it); call inside `tf.variableGrads`. With `worker`, only the
   * batches' modalities are differentiated and the pair terms see the other modalities
   * through `worker.exchange` (`totalLoss`'s `owned`).
   */
  computeLosses(batches: Readonly<Record<string, ModalityBatch>>, step: number, worker?: LossExchange): LossTerms {
    const loss = this.options.loss;
    if (!loss) throw new ModelConfigError('computeLosses needs the loss section', 'pass loss: runIR.loss to buildModel');
    const inputs: ModalityLossInput[] = [];
    for (const m of this.modalities) {
      const batch = batches[m];
      if (!batch) continue;
      const out = this.forward(batch.x, m, { training: true, step });
      inputs.push({ modality: m, logits: out.logits, labels: batch.y, depth: this.modules.geometry.input.D, aux: out.aux, E: out.E, Q: out.Q });
    }
    if (inputs.length === 0) throw new ModelConfigError(`no batch for any of ${this.modalities.join(', ')}`, 'pass one batch per modality, keyed by modality name');
    // without a pair term the modalities are independent: nothing to wait for
    const pairTerms = (loss.mcr?.weight ?? 0) > 0 || (loss.icr?.weight ?? 0) > 0;
    if (!worker || !pairTerms) return totalLoss(inputs, loss);
    const peers = worker.exchange(inputs.map(({ modality, Q, E }) => ({ modality, Q, E })));
    const all = this.modalities.flatMap((m) => inputs.find((i) => i.modality === m) ?? peers.find((p) => p.modality === m) ?? []);
    return totalLoss(all, loss, new Set(inputs.map((i) => i.modality)));
  }

  /**
   * The inference graph: image embedding, encoder, decoder and head of each modality,
   * sharing this model's variables (no copy). No EAM, auxiliary head or class embedding,
   * except V3's query and projections when `keepQueryAtInference`; without it, V3's
   * per-modality channel scales Φ are computed now from the trained Q and frozen.
   */
  inferenceModel(): InferenceModel {
    if (this.options.inferenceOnly) {
      return new InferenceModel(this, new Map(this.store.variables), new Map(), []);
    }
    const weights = new Map<string, tf.Tensor>();
    const keep = (prefix: string) => {
      for (const [name, v] of this.store.variables) if (name.startsWith(prefix)) weights.set(name, v);
    };
    const usesQuery = this.ir.joint === 'v3' && this.ir.keepQueryAtInference && this.ir.classEmbedding;
    for (const m of this.modalities) {
      keep(`${m}/embedding/`);
      keep(`${m}/encoder/`);
      keep(`${m}/decoder/`);
      if (usesQuery) keep(`${m}/class_embedding/`);
    }
    keep('shared/encoder/');
    keep('shared/decoder/');
    if (usesQuery) keep('shared/modulation/');
    const frozen = new Map<string, Map<string, BlockModulation>>();
    if (this.modules.modulation && !usesQuery) {
      for (const m of this.modalities) {
        const Q = this.path(m).classEmbedding!.Q;
        const keys = this.modules.modulation.blocks.map((b) => b.key);
        const flat = tf.tidy(() => {
          const scales = this.modules.modulation!.scales(Q);
          return keys.flatMap((k) => [scales.get(k)!.phi1, scales.get(k)!.phi2]);
        });
        const kept = new Map<string, BlockModulation>();
        for (const [i, key] of keys.entries()) {
          const phi1 = flat[2 * i] as tf.Tensor1D;
          const phi2 = flat[2 * i + 1] as tf.Tensor1D;
          kept.set(key, { phi1, phi2 });
          weights.set(`${m}/modulation/${key}/phi1`, phi1);
          weights.set(`${m}/modulation/${key}/phi2`, phi2);
        }
        frozen.set(m, kept);
      }
    }
    return new InferenceModel(this, weights, frozen, [...frozen.values()].flatMap((m) => [...m.values()].flatMap((s) => [s.phi1, s.phi2])));
  }

  dispose(): void {
    const seen = new Set<object>();
    for (const p of this.modules.paths.values()) {
      for (const part of [p.encoder, p.decoder]) {
        if (!seen.has(part)) part.dispose();
        seen.add(part);
      }
    }
    this.store.dispose();
  }
}

/**
 * The EAM-free model of §2.1 / App. B: `predict(x, modality)` gives the main head's
 * logits, equal to the training model's `forward(x, modality).logits` in evaluation mode.
 */
export class InferenceModel {
  constructor(
    private readonly source: SegmentationModel,
    /** Every tensor the inference graph reads, by name (what `saveWeights` writes). */
    readonly weights: ReadonlyMap<string, tf.Tensor>,
    private readonly frozenScales: ReadonlyMap<string, ReadonlyMap<string, BlockModulation>>,
    private readonly owned: tf.Tensor[],
    /** Whether `dispose` also frees the source model (a model loaded from disk owns it). */
    private readonly ownsSource = false,
  ) {}

  get ir(): ModelIR {
    return this.source.ir;
  }

  get modalities(): readonly string[] {
    return this.source.modalities;
  }

  get crop(): readonly number[] {
    return this.source.options.crop;
  }

  /** Number of scalars the inference graph holds. */
  parameterCount(): number {
    let n = 0;
    for (const t of this.weights.values()) n += t.size;
    return n;
  }

  /** @returns `[B*D, H, W, numClasses]` logits */
  predict(x: tf.Tensor4D, modality: string): tf.Tensor4D {
    const path = this.source.modules.paths.get(modality);
    if (!path) throw new ModelConfigError(`unknown modality '${modality}'`, `the model was built for ${this.modalities.join(', ')}`);
    const frozen = this.frozenScales.get(modality);
    const Q = path.classEmbedding?.Q;
    const modulation = frozen ? new Map(frozen) : this.source.modules.modulation && Q ? this.source.modules.modulation.scales(Q) : undefined;
    const ctx: ForwardContext = { dropPath: undefined, modulation };
    return path.decoder.apply(path.encoder.apply(path.embedding.apply(x), ctx), ctx).logits;
  }

  /** Frees the frozen channel scales, and the source model when this one owns it. */
  dispose(): void {
    for (const t of this.owned) t.dispose();
    if (this.ownsSource) this.source.dispose();
  }
}

/** Build the model a Run IR's model section describes. */
export function buildModel(ir: ModelIR, options: BuildModelOptions): SegmentationModel {
  return new SegmentationModel(ir, options);
}
