/**
 * Window-based multi-head self-attention with relative position bias (Swin, Liu et al.
 * 2021 §3.2; the volume form of nnFormer). The bias table is looked up by a product
 * with a constant one-hot matrix, which has a gradient on every backend (`tf.gather`
 * has none on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  matmul,
  oneHotGather,
  oneHotMatrix,
  relativePositionIndex2d,
  relativePositionIndex3d,
  relativePositionTableSize2d,
  relativePositionTableSize3d,
  softmax,
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

  /** `[heads, L, L]` relative position bias of one window. */
  private relativeBias(): tf.Tensor3D {
    const { window: w, heads } = this.cfg;
    if (this.oneHot === undefined) {
      const index = w.d === 1 ? relativePositionIndex2d(w.h, w.w) : relativePositionIndex3d(w.d, w.h, w.w);
      this.oneHot = tf.keep(oneHotMatrix(index, this.biasTable.shape[0]!));
    }
    const L = this.tokens;
    const flat = oneHotGather(this.biasTable as tf.Tensor2D, this.oneHot); // [L*L, heads]
    return tf.reshape(tf.transpose(flat), [heads, L, L]); // [heads, L, L]
  }

  /**
   * @param x `[B*nW, L, C]` windows of tokens, `L = wd*wh*ww`
   * @param mask `[nW, L*L]` additive mask (0 or -100) of a shifted block, or undefined
   * @returns `[B*nW, L, C]`
   */
  apply(x: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
    const [BnW, L, C] = x.shape;
    const h = this.cfg.heads;
    const dh = this.headDim;
    const qkv = tf.reshape(this.qkv.apply(x), [BnW, L, 3 * h, dh]); // [B*nW, L, 3h, dh]
    const split = tf.split(tf.transpose(qkv, [0, 2, 1, 3]), 3, 1); // 3 × [B*nW, h, L, dh]
    const q = tf.mul(split[0]!, 1 / Math.sqrt(dh));
    const [k, v] = [split[1]!, split[2]!];
    let attn = matmul(q, k, false, true); // [B*nW, h, L, L]
    attn = tf.add(attn, this.relativeBias());
    if (mask !== undefined) {
      const nW = mask.shape[0];
      const grouped = tf.reshape(attn, [BnW / nW, nW, h, L * L]); // [B, nW, h, L*L]
      attn = tf.reshape(tf.add(grouped, tf.reshape(mask, [1, nW, 1, L * L])), [BnW, h, L, L]);
    }
    const out = matmul(softmax(attn), v); // [B*nW, h, L, dh]
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [BnW, L, C]); // [B*nW, L, C]
    return this.proj.apply(merged) as tf.Tensor3D;
  }

  dispose(): void {
    this.oneHot?.dispose();
    this.oneHot = undefined;
  }
}
