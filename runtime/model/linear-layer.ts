/**
 * A fully connected layer on the channel axis (also every 1×1 convolution of the paper:
 * on channels-last maps a 1×1 convolution is exactly this). Parameters `<prefix>/w`
 * `[Cin, Cout]` and, with a bias, `<prefix>/b` `[Cout]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '../ops/index.ts';
import type { ParameterStore } from './parameter-store.ts';

export class LinearLayer {
  readonly w: tf.Variable;
  readonly b: tf.Variable | undefined;

  constructor(store: ParameterStore, prefix: string, readonly cin: number, readonly cout: number, bias = true) {
    this.w = store.normal(`${prefix}/w`, [cin, cout]);
    this.b = bias ? store.zeros(`${prefix}/b`, [cout]) : undefined;
  }

  /** `[..., Cin]` (rank ≤ 4) → `[..., Cout]`. */
  apply(x: tf.Tensor): tf.Tensor {
    return linear(x, this.w, this.b);
  }
}

