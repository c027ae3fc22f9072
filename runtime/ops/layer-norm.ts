/**
 * Layer normalisation over the channel (last) axis, with a hand-written gradient: the
 * composite of mean/sub/square/rsqrt differentiates into ~20 kernels; this one into ~10.
 *
 * On wasm with ablate's fused kernels (`runtime/backend/wasm-fused-kernels.ts`) each of
 * `layerNorm`, `standardize` and their gradients is one kernel that passes over each row in
 * L1 (`AblateLayerNorm`, `AblateStandardize` and their `…Grad`); `layerNorm` then keeps x,
 * the row means and rstd for the backward pass instead of x̂. Elsewhere the composites below.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNEL, hasFusedKernel } from '../backend/fused/fused-kernel-names.ts';
import { columnSum } from './column-sum.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

type Save = tf.GradSaveFunc;

/** Default epsilon, as PyTorch's `nn.LayerNorm`. */
export const LAYER_NORM_EPS = 1e-5;

function makeLayerNorm(eps: number) {
  return tf.customGrad((x: tf.Tensor | Save, gamma: tf.Tensor | Save, beta: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [tx, tg, tb] = [x as tf.Tensor, gamma as tf.Tensor1D, beta as tf.Tensor1D];
    const C = tx.shape[tx.rank - 1]!;
    const mean = tf.mean(tx, -1, true); // [..., 1]
    const xc = tf.sub(tx, mean); // [..., C]
    const variance = tf.mean(tf.square(xc), -1, true); // [..., 1] (biased, as PyTorch)
    const rstd = tf.rsqrt(tf.add(variance, eps)); // [..., 1]
    const xhat = tf.mul(xc, rstd); // [..., C]
    (save as Save)([xhat, rstd, tg]);
    return {
      value: tf.add(tf.mul(xhat, tg), tb),
      // tidy: the tape frees nothing until the whole backward pass ends, so a custom
      // gradient's intermediates would otherwise stay alive (wasm's heap is capped at 4 GiB)
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sxhat, srstd, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D];
          const g = tf.mul(dy, sg); // [..., C]
          const meanG = tf.mean(g, -1, true); // [..., 1]
          const meanGx = tf.mean(tf.mul(g, sxhat), -1, true); // [..., 1]
          const dx = tf.mul(srstd, tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGx))); // [..., C]
          const dy2 = tf.reshape(dy, [-1, C]) as tf.Tensor2D; // [N, C]
          const dgamma = columnSum(tf.mul(dy2, tf.reshape(sxhat, [-1, C])) as tf.Tensor2D); // [C]
          const dbeta = columnSum(dy2); // [C]
          return [dx, dgamma, dbeta];
        }),
    };
  }) as (x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor;
}

function makeFusedLayerNorm(eps: number) {
  return tf.customGrad((x: tf.Tensor | Save, gamma: tf.Tensor | Save, beta: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [tx, tg, tb] = [x as tf.Tensor, gamma as tf.Tensor1D, beta as tf.Tensor1D];
    const [y, mean, rstd] = tf.engine().runKernel(FUSED_KERNEL.layerNorm, { x: tx, gamma: tg, beta: tb }, { eps }) as tf.Tensor[];
    (save as Save)([tx, mean!, rstd!, tg]); // mean, rstd [..., 1]
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smean, srstd, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(FUSED_KERNEL.layerNormGrad, { dy, x: sx, mean: smean, rstd: srstd, gamma: sg }) as tf.Tensor[]; // [dx, dgamma, dbeta]
      },
    };
  }) as (x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor;
}

const byEps = new Map<number, ReturnType<typeof makeLayerNorm>>();
const fusedByEps = new Map<number, ReturnType<typeof makeFusedLayerNorm>>();

/**
 * `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis (biased variance,
 * as PyTorch's `nn.LayerNorm`).
 *
 * @param x `[..., C]`
 * @param gamma `[C]` scale
 * @param beta `[C]` shift
 * @param eps default `LAYER_NORM_EPS` (1e-5)
 * @returns `[..., C]`
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = LAYER_NORM_EPS): tf.Tensor {
  const C = x.shape[x.rank - 1];
  if (x.rank < 1 || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== C || beta.shape[0] !== C) {
    throw new OpShapeError(
      'layerNorm',
      `x ${shapeText(x.shape)}, gamma ${shapeText(gamma.shape)}, beta ${shapeText(beta.shape)}`,
      'gamma and beta must be [C] where C is the last axis of x',
    );
  }
  if (x.dtype === 'float32' && hasFusedKernel(FUSED_KERNEL.layerNorm)) {
    let fused = fusedByEps.get(eps);
    if (fused === undefined) fusedByEps.set(eps, (fused = makeFusedLayerNorm(eps)));
    return fused(x, gamma, beta);
  }
  let op = byEps.get(eps);
  if (op === undefined) byEps.set(eps, (op = makeLayerNorm(eps)));
  return op(x, gamma, beta);
}

const standardizeByEps = new Map<number, (x: tf.Tensor) => tf.Tensor>();
const fusedStandardizeByEps = new Map<number, (x: tf.Tensor) => tf.Tensor>();

function makeFusedStandardize(eps: number) {
  return tf.customGrad((x: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [xhat, rstd] = tf.engine().runKernel(FUSED_KERNEL.standardize, { x: x as tf.Tensor }, { eps }) as tf.Tensor[];
    (save as Save)([xhat!, rstd!]); // rstd [..., 1]
    return {
      value: xhat!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(FUSED_KERNEL.standardizeGrad, { dy, xhat: saved[0]!, rstd: saved[1]! }) as tf.Tensor,
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

function makeStandardize(eps: number) {
  return tf.customGrad((x: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const tx = x as tf.Tensor;
    const xc = tf.sub(tx, tf.mean(tx, -1, true)); // [..., C]
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps)); // [..., 1]
    const xhat = tf.mul(xc, rstd); // [..., C]
    (save as Save)([xhat, rstd]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sxhat, srstd] = saved as [tf.Tensor, tf.Tensor];
          const meanG = tf.mean(dy, -1, true); // [..., 1]
          const meanGx = tf.mean(tf.mul(dy, sxhat), -1, true); // [..., 1]
          return tf.mul(srstd, tf.sub(tf.sub(dy, meanG), tf.mul(sxhat, meanGx)));
        }),
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

/**
 * `(x - mean) / sqrt(var + eps)` over the last axis: `layerNorm` without `gamma` and
 * `beta`, for when they are folded into the next linear layer (`y = x̂·(γ ⊙ W) + β·W`
 * saves two passes over the map forward and four backward).
 * @param x `[..., C]`
 * @param eps default `LAYER_NORM_EPS` (1e-5)
 * @returns `[..., C]`
 */
export function standardize(x: tf.Tensor, eps = LAYER_NORM_EPS): tf.Tensor {
  if (x.rank < 1) throw new OpShapeError('standardize', `x ${shapeText(x.shape)}`, 'x must have a channel axis');
  if (x.dtype === 'float32' && hasFusedKernel(FUSED_KERNEL.standardize)) {
    let fused = fusedStandardizeByEps.get(eps);
    if (fused === undefined) fusedStandardizeByEps.set(eps, (fused = makeFusedStandardize(eps)));
    return fused(x);
  }
  let op = standardizeByEps.get(eps);
  if (op === undefined) standardizeByEps.set(eps, (op = makeStandardize(eps)));
  return op(x);
}
