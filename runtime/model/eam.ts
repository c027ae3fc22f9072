/**
 * External Attention Module (paper §2.2, eq. 1–8; App. B.2, Fig. 2), one per decoder
 * scale λ and per modality, used only in training.
 *
 * Given class embeddings `Q` (modality-specific at the first scale, image-specific after)
 * and the decoder features `F` of the scale:
 * - multi-head cross attention of `Q` on `F` (eq. 1–3) with pre-norms and residuals
 *   (eq. 4–5) gives image-specific embeddings `Q̃`, reduced by a 1×1 convolution to the
 *   width of the next scale;
 * - the per-head semantic-aware maps `A = q kᵀ ∈ R^{Z×N×L}` (eq. 2–3) feed the auxiliary
 *   head (eq. 9) and, with semantic kernels `K^i = Q^i W^i` (eq. 6), the semantic
 *   filtering, re-weighting and aggregation (eq. 6–8) give correlations `E ∈ R^{Z×Z}`.
 * The last EAM's `Q̃` feeds nothing, so it computes only `A` and `E` and has no
 * `W_V`, `W_O`, MLP or reduction (README.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu, matmul, softmax } from '../ops/index.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import { ModelConfigError } from './model-config-error.ts';
import type { ParameterStore } from './parameter-store.ts';

export interface EamConfig {
  /** Width of the scale's decoder features `F` (4C at λ = 1). */
  dim: number;
  /** Attention heads N. */
  heads: number;
  /** Class embeddings Z. */
  classes: number;
  /** Width of the incoming `Q`; when it differs from `dim` a 1×1 reduction maps it first. */
  queryDim: number;
  /** Width of the next EAM scale, or null for the last EAM. */
  nextDim: number | null;
  mlpRatio: number;
}

/** Outputs of one EAM for a batch of one modality. */
export interface EamOutput {
  /** `[B, N, Z, L]` semantic-aware maps `q kᵀ`, head-major (eq. 2–3). */
  A: tf.Tensor4D;
  /** `[B, Z, Z]` semantic correlations, row i = E^i (eq. 8). */
  E: tf.Tensor3D;
  /** `[B, Z, nextDim]` image-specific embeddings for the next scale, or undefined (last EAM). */
  next: tf.Tensor3D | undefined;
}

export class ExternalAttentionModule {
  readonly inputReduction: LinearLayer | undefined;
  readonly normQ: LayerNormLayer;
  readonly normF: LayerNormLayer;
  readonly wq: LinearLayer;
  readonly wk: LinearLayer;
  readonly wv: LinearLayer | undefined;
  /** `[Z, dim, N]`: row block i is W^i of eq. 6. */
  readonly semanticKernels: tf.Variable;
  readonly wo: LinearLayer | undefined;
  readonly normMlp: LayerNormLayer | undefined;
  readonly fc1: LinearLayer | undefined;
  readonly fc2: LinearLayer | undefined;
  readonly reduce: LinearLayer | undefined;
  private readonly headDim: number;

  constructor(store: ParameterStore, prefix: string, readonly cfg: EamConfig) {
    const { dim, heads, classes } = cfg;
    if (dim % heads !== 0) {
      throw new ModelConfigError(`${prefix}: ${heads} EAM heads do not divide the width ${dim}`, 'choose eam heads that divide the channel width at every EAM stage', 'model.eam.heads');
    }
    this.headDim = dim / heads;
    this.inputReduction = cfg.queryDim !== dim ? new LinearLayer(store, `${prefix}/input_reduction`, cfg.queryDim, dim) : undefined;
    this.normQ = new LayerNormLayer(store, `${prefix}/norm_q`, dim);
    this.normF = new LayerNormLayer(store, `${prefix}/norm_f`, dim);
    this.wq = new LinearLayer(store, `${prefix}/wq`, dim, dim);
    this.wk = new LinearLayer(store, `${prefix}/wk`, dim, dim);
    this.semanticKernels = store.normal(`${prefix}/semantic_kernels`, [classes, dim, heads]);
    if (cfg.nextDim !== null) {
      const hidden = Math.floor(dim * cfg.mlpRatio);
      this.wv = new LinearLayer(store, `${prefix}/wv`, dim, dim);
      this.wo = new LinearLayer(store, `${prefix}/wo`, dim, dim);
      this.normMlp = new LayerNormLayer(store, `${prefix}/norm_mlp`, dim);
      this.fc1 = new LinearLayer(store, `${prefix}/mlp/fc1`, dim, hidden);
      this.fc2 = new LinearLayer(store, `${prefix}/mlp/fc2`, hidden, dim);
      this.reduce = new LinearLayer(store, `${prefix}/reduce`, dim, cfg.nextDim);
    }
  }

  /**
   * @param Q `[Z, queryDim]` (modality-specific, shared by the batch) or `[B, Z, queryDim]`
   * @param F `[B*D, H, W, dim]` decoder features of this scale, `D` rows per sample
   */
  apply(Q: tf.Tensor, F: tf.Tensor4D, D: number): EamOutput {
    const [BD, H, W, C] = F.shape;
    const B = BD / D;
    const L = D * H * W;
    const { heads: N, classes: Z } = this.cfg;
    const dh = this.headDim;
    let q0 = Q.rank === 2 ? tf.tile(tf.expandDims(Q, 0), [B, 1, 1]) : Q; // [B, Z, queryDim]
    if (this.inputReduction) q0 = this.inputReduction.apply(q0); // [B, Z, dim]
    const tokens = tf.reshape(F, [B, L, C]); // [B, L, dim]

    // eq. 1: q = Norm(Q) W_Q, k = Norm(F) W_K, v = Norm(F) W_V, split into N heads
    const fn = this.normF.apply(tokens);
    const q = tf.transpose(tf.reshape(this.wq.apply(this.normQ.apply(q0)), [B, Z, N, dh]), [0, 2, 1, 3]); // [B, N, Z, dh]
    const k = tf.transpose(tf.reshape(this.wk.apply(fn), [B, L, N, dh]), [0, 2, 1, 3]); // [B, N, L, dh]
    // eq. 2–3: semantic-aware maps A = q kᵀ per head
    const A = matmul(q, k, false, true) as tf.Tensor4D; // [B, N, Z, L]

    let next: tf.Tensor3D | undefined;
    if (this.wv && this.wo && this.normMlp && this.fc1 && this.fc2 && this.reduce) {
      const v = tf.transpose(tf.reshape(this.wv.apply(fn), [B, L, N, dh]), [0, 2, 1, 3]); // [B, N, L, dh]
      // eq. 2: softmax over the spatial axis
      const attn = softmax(tf.mul(A, 1 / Math.sqrt(dh))); // [B, N, Z, L]
      const heads = matmul(attn, v); // [B, N, Z, dh]
      const concat = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [B, Z, C]); // [B, Z, dim]
      // eq. 3–4: Q̂ = MCA(Norm(Q), Norm(F)) + Q
      const qHat = tf.add(this.wo.apply(concat), q0);
      // eq. 5: Q̃ = MLP(Norm(Q̂)) + Q̂
      const qTilde = tf.add(this.fc2.apply(gelu(this.fc1.apply(this.normMlp.apply(qHat)))), qHat);
      // 1×1 reduction of Q̃ to the next scale's width
      next = this.reduce.apply(qTilde) as tf.Tensor3D; // [B, Z, nextDim]
    }

    const E = this.correlations(q0, A, B, L);
    return { A, E, next };
  }

  /**
   * eq. 6–8 from the (unnormalised) input embeddings and the maps A.
   * @param q0 `[B, Z, dim]`
   * @param A `[B, N, Z, L]`
   * @returns `[B, Z, Z]`, `E[b, i, j]`
   */
  private correlations(q0: tf.Tensor, A: tf.Tensor4D, B: number, L: number): tf.Tensor3D {
    const { heads: N, classes: Z } = this.cfg;
    // eq. 6: semantic kernels K^i = Q^i W^i
    const perClass = tf.transpose(q0, [1, 0, 2]); // [Z, B, dim]
    const kernels = tf.transpose(matmul(perClass, this.semanticKernels), [1, 0, 2]); // [B, Z, N]
    // eq. 6: S^{ij} = F(K^i, A^j), a 1×1 filtering of the N head maps of class j
    const S = tf.reshape(matmul(kernels, tf.reshape(A, [B, N, Z * L])), [B, Z, Z, L]); // [B, Zi, Zj, L]
    // eq. 7: softmax over the class axis j at each position, gating A
    const P = tf.transpose(softmax(tf.transpose(S, [0, 1, 3, 2])), [0, 1, 3, 2]); // [B, Zi, Zj, L]
    // eq. 8: Σ_{N,H,W} (A^j ⊙ σ(S^i)^j) / Σ_{H,W} σ(S^i)^j
    const headSum = tf.expandDims(tf.sum(A, 1), 1); // [B, 1, Zj, L]
    const numerator = tf.sum(tf.mul(P, headSum), 3); // [B, Zi, Zj]
    const denominator = tf.sum(P, 3); // [B, Zi, Zj]
    return tf.div(numerator, denominator) as tf.Tensor3D;
  }
}
