/**
 * LayerNorm over the channel axis with learnable `<prefix>/gamma` (ones) and
 * `<prefix>/beta` (zeros), ε = 1e-5 (PyTorch's default, as Swin-Unet and nnFormer use).
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '../ops/index.ts';
import type { ParameterStore } from './parameter-store.ts';

export class LayerNormLayer {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(store: ParameterStore, prefix: string, readonly dim: number) {
    this.gamma = store.ones(`${prefix}/gamma`, [dim]);
    this.beta = store.zeros(`${prefix}/beta`, [dim]);
  }

  /** `[..., C]` → `[..., C]`. */
  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D);
  }
}
