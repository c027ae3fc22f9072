/**
 * GELU activation, exact (erf) form: `x * Φ(x) = 0.5 x (1 + erf(x / √2))`, as PyTorch's
 * default `nn.GELU()`, which Swin-Unet and nnFormer use. tfjs-core has no GELU op; the
 * gradient `Φ(x) + x φ(x)` is written by hand so it needs only Erf and Exp, which wasm has.
 */
import * as tf from '@tensorflow/tfjs-core';

type Save = tf.GradSaveFunc;

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluErf = tf.customGrad((x: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const tx = x as tf.Tensor;
  const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(tx, INV_SQRT2)))); // Φ(x)
  (save as Save)([tx, cdf]);
  return {
    value: tf.mul(tx, cdf),
    // tidy: intermediates of a custom gradient live until the backward pass ends otherwise
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
        const pdf = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(sx)))); // φ(x)
        return tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)));
      }),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Exact GELU, elementwise.
 * @param x any shape, float32
 * @returns same shape as `x`
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluErf(x);
}
