/**
 * Modality-specific image embedding (paper §2.1): "two consecutive 1×1 convolutional
 * layers, making the resolution and dimension of the inputs unchanged". As written, no
 * activation between them (see README.md). One instance per modality.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { LinearLayer } from './linear-layer.ts';
import type { ParameterStore } from './parameter-store.ts';

export class ImageEmbedding {
  readonly conv1: LinearLayer;
  readonly conv2: LinearLayer;

  constructor(store: ParameterStore, prefix: string, readonly channels: number) {
    this.conv1 = new LinearLayer(store, `${prefix}/conv1`, channels, channels, true, 'conv');
    this.conv2 = new LinearLayer(store, `${prefix}/conv2`, channels, channels, true, 'conv');
  }

  /** `[B*D, H, W, Cin]` → `[B*D, H, W, Cin]`. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv2.apply(this.conv1.apply(x)) as tf.Tensor4D;
  }
}
