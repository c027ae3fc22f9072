/**
 * Window-based multi-head self-attention with relative position bias (Swin, Liu et al.
 * 2021 §3.2; the volume form of nnFormer). The bias table is looked up by a product
 * with a constant one-hot matrix, which has a gradient on every backend (`tf.gather`
 * has none on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  oneHotGather,
  oneHotMatrix,
  relativePositionIndex2d,
  relativePositionIndex3d,
  relativePositionTableSize2d,
  relativePositionTableSize3d,
  windowAttentionCore,
} from '../ops/index.ts';
import { LinearLayer } from './linear-layer.ts';
import { ModelConfigError } from './model-config-error.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Extent3 } from './token-grid.ts';

export interface WindowAttentionConfig {
  dim: number;
  heads: number;
  window: Extent3;
  qkvBias: boolean;
}

export class WindowAttention {
  readonly qkv: LinearLayer;
  readonly proj: LinearLayer;
  /** `[(2wd-1)(2wh-1)(2ww-1), heads]` */
  readonly biasTable: tf.Variable;
  private readonly tokens: number;
  private readonly headDim: number;
  private oneHot: tf.Tensor2D | undefined;
  private oneHotT: tf.Tensor2D | undefined;

  constructor(store: ParameterStore, prefix: string, readonly cfg: WindowAttentionConfig) {
    const { dim, heads, window: w } = cfg;
    if (dim % heads !== 0) {
      throw new ModelConfigError(`${prefix}: ${heads} heads do not divide the width ${dim}`, 'choose heads that divide the channel width of the stage', 'model.backbone.heads');
    }
    this.headDim = dim / heads;
    this.tokens = w.d * w.h * w.w;
    this.qkv = new LinearLayer(store, `${prefix}/qkv`, dim, 3 * dim, cfg.qkvBias);
    this.proj = new LinearLayer(store, `${prefix}/proj`, dim, dim);
    const rows = w.d === 1 ? relativePositionTableSize2d(w.h, w.w) : relativePositionTableSize3d(w.d, w.h, w.w);
    this.biasTable = store.normal(`${prefix}/relative_position_bias_table`, [rows, heads]);
  }

  /** `[L, heads, L]` relative position bias of one window, `bias[query, head, key]`. */
  private relativeBias(): tf.Tensor3D {
    const { window: w, heads } = this.cfg;
    if (this.oneHot === undefined || this.oneHotT === undefined) {
      const index = w.d === 1 ? relativePositionIndex2d(w.h, w.w) : relativePositionIndex3d(w.d, w.h, w.w);
      this.oneHot = tf.keep(oneHotMatrix(index, this.biasTable.shape[0]!));
      this.oneHotT = tf.keep(tf.transpose(this.oneHot));
    }
    const L = this.tokens;
    const flat = oneHotGather(this.biasTable as tf.Tensor2D, this.oneHot, this.oneHotT); // [L*L, heads]
    return tf.transpose(tf.reshape(flat, [L, L, heads]), [0, 2, 1]) as tf.Tensor3D; // [L, heads, L]
  }

  /**
   * @param x `[B*nW, L, C]` windows of tokens, `L = wd*wh*ww`
   * @param mask `[L, nW, L]` additive mask (0 or -100) of a shifted block, `mask[query,
   *   window, key]`, or undefined
   * @returns `[B*nW, L, C]`
   */
  apply(x: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor3D {
    // channels of qkv are (q|k|v, head, d), as timm's reshape(B_, N, 3, heads, dh)
    const [q, k, v] = tf.split(this.qkv.apply(x), 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // 3 × [B*nW, L, C]
    const merged = windowAttentionCore(q, k, v, this.relativeBias(), this.cfg.heads, 1 / Math.sqrt(this.headDim), mask); // [B*nW, L, C]
    return this.proj.apply(merged) as tf.Tensor3D;
  }

  dispose(): void {
    this.oneHot?.dispose();
    this.oneHotT?.dispose();
    this.oneHot = undefined;
    this.oneHotT = undefined;
  }
}
