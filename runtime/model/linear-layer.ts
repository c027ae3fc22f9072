/**
 * A fully connected layer on the channel axis (also every 1×1 convolution of the paper:
 * on channels-last maps a 1×1 convolution is exactly this). Parameters `<prefix>/w`
 * `[Cin, Cout]` and, with a bias, `<prefix>/b` `[Cout]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../ops/index.ts';
import type { ParameterStore } from './parameter-store.ts';

/**
 * How weights start: `linear` is Swin's truncated normal σ = 0.02 with zero bias (timm's
 * `_init_weights` for nn.Linear); `conv` is PyTorch's default for convolutions, which Swin
 * and nnFormer leave untouched (kaiming-uniform with a = √5: U(±1/√fan_in) for weight and
 * bias). Using σ = 0.02 for the input convolutions shrinks the image by ~10³ before the
 * first LayerNorm, whose ε then swamps it and the network cannot see its input.
 */
export type LinearInit = 'linear' | 'conv';

export class LinearLayer {
  readonly w: tf.Variable;
  readonly b: tf.Variable | undefined;

  constructor(store: ParameterStore, prefix: string, readonly cin: number, readonly cout: number, bias = true, init: LinearInit = 'linear') {
    if (init === 'conv') {
      const bound = 1 / Math.sqrt(cin);
      this.w = store.uniform(`${prefix}/w`, [cin, cout], bound);
      this.b = bias ? store.uniform(`${prefix}/b`, [cout], bound) : undefined;
    } else {
      this.w = store.normal(`${prefix}/w`, [cin, cout]);
      this.b = bias ? store.zeros(`${prefix}/b`, [cout]) : undefined;
    }
  }

  /** `[..., Cin]` (rank ≤ 4) → `[..., Cout]`. */
  apply(x: tf.Tensor): tf.Tensor {
    return linear(x, this.w, this.b);
  }
}

