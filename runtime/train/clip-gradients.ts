/**
 * Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`:
 * when `‖g‖₂ = sqrt(Σ_i ‖g_i‖²)` exceeds `maxNorm`, every gradient is scaled by
 * `maxNorm / (‖g‖₂ + 1e-6)`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The factor every gradient is multiplied by, given the global norm `norm`. */
export function clipScale(norm: number, maxNorm: number): number {
  return norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
}

/** Returns the clipped gradients (new tensors; the inputs are left for the caller to dispose) and the norm before clipping. */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))).dataSync()[0]!);
  const scale = clipScale(norm, maxNorm);
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) out[n] = tf.tidy(() => (scale === 1 ? tf.clone(grads[n]!) : tf.mul(grads[n]!, scale)));
  return { grads: out, norm };
}
