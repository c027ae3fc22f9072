/**
 * nnFormer-style down- and up-sampling for volumes (Zhou et al. 2021; paper Table 3,
 * "Strided Convolution"): kernel = stride = 2 on every axis, so each is a block fold or
 * unfold plus a linear layer (no im2col, no conv3dTranspose gradient needed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { foldBlocks, unfoldBlocks } from './block-folding.ts';
import { LayerNormLayer } from './layer-norm-layer.ts';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';
import type { Extent3, Grid } from './token-grid.ts';

/** LayerNorm, then a strided convolution `d → 2d` (kernel = stride = `factor`, with bias). */
export class StridedConvDown {
  readonly norm: LayerNormLayer;
  readonly conv: LinearLayer;

  constructor(store: ParameterStore, prefix: string, readonly dim: number, readonly factor: Extent3) {
    this.norm = new LayerNormLayer(store, `${prefix}/norm`, dim);
    this.conv = new LinearLayer(store, `${prefix}/conv`, factor.d * factor.h * factor.w * dim, 2 * dim, true, 'conv');
  }

  /** `[B*D, H, W, d]` on `grid` → `[B*D/fd, H/fh, W/fw, 2d]`. */
  apply(x: tf.Tensor4D, grid: Grid): tf.Tensor4D {
    const blocks = foldBlocks(this.norm.apply(x) as tf.Tensor4D, grid, this.factor); // [B*D', H', W', f*d]
    return this.conv.apply(blocks) as tf.Tensor4D;
  }
}

/**
 * A transposed convolution `cin → cout` with kernel = stride = `factor` and a bias per
 * output channel (as `ConvTranspose3d`): a linear layer without bias to one block of
 * `cout` channels per tap, unfolded, plus the bias.
 */
export class TransposedConvUp {
  readonly conv: LinearLayer;
  readonly bias: tf.Variable;

  constructor(store: ParameterStore, prefix: string, readonly cin: number, readonly cout: number, readonly factor: Extent3) {
    this.conv = new LinearLayer(store, `${prefix}/conv`, cin, factor.d * factor.h * factor.w * cout, false, 'conv');
    this.bias = store.zeros(`${prefix}/bias`, [cout]);
  }

  /** `[B*d, h, w, cin]` → `[B*d*fd, h*fh, w*fw, cout]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const taps = this.conv.apply(x) as tf.Tensor4D; // [B*d, h, w, f*cout]
    return tf.add(unfoldBlocks(taps, this.factor), this.bias) as tf.Tensor4D; // [B*D, H, W, cout]
  }
}
