/**
 * Softmax and log-softmax over the last axis. tfjs's own kernels and gradients are
 * correct on wasm and cpu (tested in test/ops/softmax.test.ts); these wrappers pin the
 * axis and give the models one import for them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `exp(x_i) / Σ_j exp(x_j)` over the last axis.
 * @param x `[..., N]` logits
 * @returns `[..., N]`, rows summing to 1
 */
export function softmax(x: tf.Tensor): tf.Tensor {
  return tf.softmax(x, -1);
}

/**
 * `x_i - log Σ_j exp(x_j)` over the last axis (numerically stable; for cross-entropy).
 * @param x `[..., N]` logits
 * @returns `[..., N]`
 */
export function logSoftmax(x: tf.Tensor): tf.Tensor {
  return tf.logSoftmax(x, -1);
}
