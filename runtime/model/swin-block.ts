/**
 * The Swin Transformer block (Liu et al. 2021 §3.1–3.2; Swin-Unet and nnFormer use it
 * in 2D and 3D): pre-norm (shifted) window attention and an MLP, each a residual branch.
 * With modality-aware channel multiplication (paper App. B.1, eq. 14–15) each branch is
 * scaled per channel by `Φ1`, `Φ2` before the residual sum.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gelu, roll, scaleChannels } from '../ops/index.ts';
import { dropPath, type DropPathSource } from './drop-path.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import { ModelConfigError } from './model-config-error.ts';
import type { ParameterStore } from './parameter-store.ts';
import { shiftedWindowMask } from './shift-mask.ts';
import { gridText, type Extent3, type Grid } from './token-grid.ts';
import { WindowAttention } from './window-attention.ts';
import { windowPartition, windowReverse } from './windows.ts';

export interface SwinBlockConfig {
  dim: number;
  heads: number;
  /** Token grid the block runs on. */
  grid: Grid;
  /** Window before clamping to the grid. */
  window: Extent3;
  /** Odd blocks of a stage shift by half a window (SW-MSA). */
  shifted: boolean;
  mlpRatio: number;
  qkvBias: boolean;
  dropPath: number;
}

/** Per-channel scales of one block for one modality (eq. 13): `Φ1, Φ2 ∈ R^D`. */
export interface BlockModulation {
  phi1: tf.Tensor1D;
  phi2: tf.Tensor1D;
}

/** What a block needs from the forward pass besides its input. */
export interface BlockContext {
  /** Drop-path draws; undefined in evaluation. */
  dropPath: DropPathSource | undefined;
  /** eq. 14–15 scales, or undefined without channel modulation. */
  modulation: BlockModulation | undefined;
}

/**
 * Window and shift actually used: a window at least as large as the grid shrinks to it
 * and stops shifting along that axis (Swin's rule, applied per axis).
 */
export function effectiveWindow(grid: Grid, window: Extent3, shifted: boolean): { window: Extent3; shift: Extent3 } {
  const axis = (n: number, w: number): [number, number] => (n <= w ? [n, 0] : [w, shifted ? Math.floor(w / 2) : 0]);
  const [wd, sd] = axis(grid.D, window.d);
  const [wh, sh] = axis(grid.H, window.h);
  const [ww, sw] = axis(grid.W, window.w);
  return { window: { d: wd, h: wh, w: ww }, shift: { d: sd, h: sh, w: sw } };
}

export class SwinBlock {
  readonly norm1: LayerNormLayer;
  readonly attn: WindowAttention;
  readonly norm2: LayerNormLayer;
  readonly fc1: LinearLayer;
  readonly fc2: LinearLayer;
  readonly window: Extent3;
  readonly shift: Extent3;
  private mask: tf.Tensor3D | undefined;

  constructor(store: ParameterStore, readonly prefix: string, readonly cfg: SwinBlockConfig) {
    const { grid, dim } = cfg;
    ({ window: this.window, shift: this.shift } = effectiveWindow(grid, cfg.window, cfg.shifted));
    const w = this.window;
    if (grid.D % w.d !== 0 || grid.H % w.h !== 0 || grid.W % w.w !== 0) {
      throw new ModelConfigError(
        `${prefix}: window ${w.d === 1 ? '' : `${w.d}×`}${w.h}×${w.w} does not divide the token grid ${gridText(grid)}`,
        'choose a window that divides the token grid at every stage (crop / patch / 2^stage)',
        'model.backbone.window',
      );
    }
    this.norm1 = new LayerNormLayer(store, `${prefix}/norm1`, dim);
    this.attn = new WindowAttention(store, `${prefix}/attn`, { dim, heads: cfg.heads, window: w, qkvBias: cfg.qkvBias });
    this.norm2 = new LayerNormLayer(store, `${prefix}/norm2`, dim);
    const hidden = Math.floor(dim * cfg.mlpRatio);
    this.fc1 = new LinearLayer(store, `${prefix}/mlp/fc1`, dim, hidden);
    this.fc2 = new LinearLayer(store, `${prefix}/mlp/fc2`, hidden, dim);
  }

  private get isShifted(): boolean {
    return this.shift.d + this.shift.h + this.shift.w > 0;
  }

  /** `[L, nW, L]`, query-major as `windowAttentionCore` takes it. */
  private attentionMask(): tf.Tensor3D | undefined {
    if (!this.isShifted) return undefined;
    if (this.mask === undefined) {
      const { grid } = this.cfg;
      const L = this.window.d * this.window.h * this.window.w;
      const nW = (grid.D / this.window.d) * (grid.H / this.window.h) * (grid.W / this.window.w);
      const byWindow = shiftedWindowMask(grid, this.window, this.shift); // [nW, L, L]
      const byQuery = new Float32Array(byWindow.length);
      for (let w = 0; w < nW; w++) for (let i = 0; i < L; i++) byQuery.set(byWindow.subarray((w * L + i) * L, (w * L + i + 1) * L), (i * nW + w) * L);
      this.mask = tf.keep(tf.tensor3d(byQuery, [L, nW, L]));
    }
    return this.mask;
  }

  /** Cyclic shift by `sign * shift` along depth (within each sample), rows and columns. */
  private cyclicShift(x: tf.Tensor4D, sign: 1 | -1): tf.Tensor4D {
    const [BD, H, W, C] = x.shape;
    const { D } = this.cfg.grid;
    let y: tf.Tensor = x;
    if (this.shift.h > 0) y = roll(y, sign * this.shift.h, 1);
    if (this.shift.w > 0) y = roll(y, sign * this.shift.w, 2);
    if (this.shift.d > 0) {
      const perSample = tf.reshape(y, [BD / D, D, H * W, C]); // [B, D, H*W, C]
      y = tf.reshape(roll(perSample, sign * this.shift.d, 1), [BD, H, W, C]); // [B*D, H, W, C]
    }
    return y as tf.Tensor4D;
  }

  /**
   * @param x `[B*D, H, W, C]` on `cfg.grid`
   * @returns `[B*D, H, W, C]`
   */
  apply(x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
    const { grid } = this.cfg;
    const rng = ctx.dropPath?.forBlock(this.prefix);
    const shortcut = x;
    let h = this.norm1.apply(x) as tf.Tensor4D;
    // cyclic shift
    if (this.isShifted) h = this.cyclicShift(h, -1);
    // partition windows
    const windows = windowPartition(h, grid, this.window); // [B*nW, L, C]
    // W-MSA / SW-MSA
    const attended = this.attn.apply(windows, this.attentionMask()); // [B*nW, L, C]
    // merge windows
    h = windowReverse(attended, grid, this.window); // [B*D, H, W, C]
    // reverse cyclic shift
    if (this.isShifted) h = this.cyclicShift(h, 1);
    // eq. 14: X' = X + Φ1 ⊗ MSA(Norm(X))
    if (ctx.modulation) h = scaleChannels(h, ctx.modulation.phi1) as tf.Tensor4D;
    const x1 = tf.add(shortcut, dropPath(h, grid.D, this.cfg.dropPath, rng)) as tf.Tensor4D;
    // eq. 15: X_{l+1} = X' + Φ2 ⊗ FFN(Norm(X'))
    let f = this.fc2.apply(gelu(this.fc1.apply(this.norm2.apply(x1)))) as tf.Tensor4D;
    if (ctx.modulation) f = scaleChannels(f, ctx.modulation.phi2) as tf.Tensor4D;
    return tf.add(x1, dropPath(f, grid.D, this.cfg.dropPath, rng)) as tf.Tensor4D;
  }

  dispose(): void {
    this.mask?.dispose();
    this.mask = undefined;
    this.attn.dispose();
  }
}
