/**
 * GELU activation, exact (erf) form: `x * Φ(x) = 0.5 x (1 + erf(x / √2))`, as PyTorch's
 * default `nn.GELU()`, which Swin-Unet and nnFormer use. tfjs-core has no GELU op; the
 * gradient `Φ(x) + x φ(x)` is written by hand so it needs only Erf and a sigmoid.
 *
 * On wasm with ablate's fused kernels (`runtime/backend/wasm-fused-kernels.ts`), forward and
 * gradient are one SIMD kernel each (`AblateGelu`, `AblateGeluGrad`, erf to ≤ 2e-7) and only x
 * is kept for the backward pass. Elsewhere (cpu, node, wasm without them) the composite below.
 *
 * wasm computes Exp (and Erf) with scalar libm calls, ~7 ns per value (8 ms for a
 * 56×56×384 map); its Sigmoid is XNNPACK's vectorised kernel (~1.7 ms). So the backward
 * pass gets `e^z`, `z = -x²/2 ≤ 0`, as `σ(z) / (1 − σ(z))` (an identity; relative error a few
 * ulps, also where `e^z` underflows towards 0): ~2.5 ms instead of ~9 ms there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNEL, hasFusedKernel } from '../backend/fused/fused-kernel-names.ts';

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
        const sig = tf.sigmoid(tf.mul(tf.square(sx), -0.5)); // σ(z), z = -x²/2
        const gauss = tf.div(sig, tf.sub(1, sig)); // e^z = σ(z) / (1 − σ(z))
        const pdf = tf.mul(gauss, INV_SQRT_2PI); // φ(x)
        return tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)));
      }),
  };
}) as (x: tf.Tensor) => tf.Tensor;

const geluFused = tf.customGrad((x: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const tx = x as tf.Tensor;
  (save as Save)([tx]);
  return {
    value: tf.engine().runKernel(FUSED_KERNEL.gelu, { x: tx }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(FUSED_KERNEL.geluGrad, { dy, x: saved[0]! }) as tf.Tensor,
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * Exact GELU, elementwise.
 * @param x any shape, float32
 * @returns same shape as `x`
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' && hasFusedKernel(FUSED_KERNEL.gelu) ? geluFused(x) : geluErf(x);
}
