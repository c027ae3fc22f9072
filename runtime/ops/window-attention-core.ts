/**
 * The attention products of window attention (Swin §3.2), `softmax(s·q kᵀ + bias + mask) v`
 * for every window and head at once, with a hand-written gradient.
 *
 * Heads are laid out as G = W·h matrices `[G, L, dh]` (groups ordered window, head), and
 * every product of the forward and backward pass is one batched `tf.matMul` on them,
 * transposed operands passed as flags: ablate's GEMM on wasm reads either operand
 * transposed at no cost, so `q kᵀ`, `pᵀ dO`, `dO vᵀ` and `dsᵀ q` need no transpose. The
 * only transposes are the head splits of q, k, v and dy and the merges of o, dq, dk, dv
 * (4 forward, 4 backward, none of a score-sized `L×L` tensor), plus the small bias and
 * mask. Scores are `[G, Lq, Lk]`, keys innermost for the softmax; the bias gradient sums
 * over windows with an average pool (wasm's Sum over a leading axis transposes first).
 *
 * Where wasm's products are tfjs's own (`ABLATE_WASM_GEMM=xnnpack`, or an engine without
 * SIMD), batched products run in a scalar loop and the products are depthwise
 * convolutions instead (`window-attention-depthwise.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { productsTakeTransposes } from '../backend/wasm-matmul-kernel.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';
import { depthwiseAttentionCore } from './window-attention-depthwise.ts';

type Save = tf.GradSaveFunc;

/** Tokens `[W, L, h·dh]` → heads `[W·h, L, dh]`. */
function toHeads(x: tf.Tensor, W: number, L: number, h: number, dh: number): tf.Tensor3D {
  if (h === 1) return tf.reshape(x, [W, L, dh]);
  return tf.reshape(tf.transpose(tf.reshape(x, [W, L, h, dh]), [0, 2, 1, 3]), [W * h, L, dh]);
}

/** Heads `[W·h, L, dh]` → tokens `[W, L, h·dh]`. */
function fromHeads(x: tf.Tensor, W: number, L: number, h: number, dh: number): tf.Tensor3D {
  if (h === 1) return tf.reshape(x, [W, L, dh]);
  return tf.reshape(tf.transpose(tf.reshape(x, [W, h, L, dh]), [0, 2, 1, 3]), [W, L, h * dh]);
}

/** Swap the two leading axes of `[A, B, N]` (the bias's and mask's query-major layouts). */
function swapLeading(x: tf.Tensor, A: number, B: number, N: number): tf.Tensor3D {
  return (A === 1 || B === 1 ? tf.reshape(x, [B, A, N]) : tf.transpose(tf.reshape(x, [A, B, N]), [1, 0, 2])) as tf.Tensor3D;
}

function makeCore(W: number, L: number, h: number, dh: number, scale: number, mask: tf.Tensor | undefined) {
  const G = W * h;
  return tf.customGrad((q: tf.Tensor | Save, k: tf.Tensor | Save, v: tf.Tensor | Save, bias: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [tq, tk, tv, tb] = [q as tf.Tensor, k as tf.Tensor, v as tf.Tensor, bias as tf.Tensor];
    const qh = toHeads(tf.mul(tq, scale), W, L, h, dh); // [G, L, dh], scaled as timm
    const kh = toHeads(tk, W, L, h, dh);
    const vh = toHeads(tv, W, L, h, dh);
    const s = tf.matMul(qh, kh, false, true); // [G, Lq, Lk]
    // + bias[head] in every window, + mask[j] in window w = b·nW + j: one broadcast add
    // of the (small) sum of the two, [nW, h, Lq·Lk], over the B samples
    let added = swapLeading(tb, L, h, L); // [h, Lq, Lk]
    let repeats = W;
    if (mask !== undefined) {
      const nW = mask.shape[1]!;
      added = tf.add(tf.reshape(added, [1, h, L * L]), tf.reshape(swapLeading(mask, L, nW, L), [nW, 1, L * L]));
      repeats = W / nW;
    }
    const scores = tf.add(tf.reshape(s, [repeats, G * L * L / repeats]), tf.reshape(added, [1, G * L * L / repeats]));
    const p = tf.softmax(tf.reshape(scores, [G, L, L])) as tf.Tensor3D; // [G, Lq, Lk]
    const o = tf.matMul(p, vh); // [G, Lq, dh]
    (save as Save)([qh, kh, vh, p]);
    return {
      value: fromHeads(o, W, L, h, dh), // [W, Lq, C]
      // tidy: the tape keeps a custom gradient's intermediates until the backward pass ends
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sq, sk, sv, sp] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const dO = toHeads(dy, W, L, h, dh); // [G, Lq, dh]
          const dv = tf.matMul(sp, dO, true, false); // pᵀ dO: [G, Lk, dh]
          const dp = tf.matMul(dO, sv, false, true); // dO vᵀ: [G, Lq, Lk]
          // softmax: ds = p ⊙ (dp − Σ_k dp ⊙ p)
          const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))) as tf.Tensor3D; // [G, Lq, Lk]
          // bias gradient: Σ over the W windows (an average pool over them, times W)
          const pooled = tf.avgPool(tf.reshape(ds, [1, W, 1, h * L * L]) as tf.Tensor4D, [W, 1], 1, 'valid'); // [1, 1, 1, h·Lq·Lk]
          const dBias = swapLeading(tf.mul(pooled, W), h, L, L); // [Lq, h, Lk]
          const dq = tf.mul(fromHeads(tf.matMul(ds, sk), W, L, h, dh), scale); // s · ds k: [W, Lq, C]
          const dk = fromHeads(tf.matMul(ds, sq, true, false), W, L, h, dh); // dsᵀ (s·q): [W, Lk, C]
          return [dq, dk, fromHeads(dv, W, L, h, dh), dBias];
        }),
    };
  }) as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor) => tf.Tensor3D;
}

/**
 * `windowAttentionCore` (same arguments, conventions and result) through batched matrix
 * products on `[W·h, L, dh]` heads; the caller has checked the shapes. The formulation
 * `windowAttentionCore` uses where batched products are fast.
 */
export function batchedAttentionCore(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor3D, heads: number, scale: number, mask?: tf.Tensor3D): tf.Tensor3D {
  const [W, L, C] = q.shape;
  // tidy: frees the forward's layouts (the tensors saved for the gradient are kept by tfjs)
  return tf.tidy(() => makeCore(W, L, heads, C / heads, scale, mask)(q, k, v, bias));
}

/**
 * Multi-head attention inside windows: per window w and head i,
 * `softmax(scale · q_wi k_wiᵀ + bias_i + mask_w) v_wi`, heads concatenated.
 *
 * @param q `[W, L, h·dh]` queries of `W = B·nW` windows of `L` tokens, head-major channels
 *   (timm's `qkv` split: channel `i·dh + d` is dimension d of head i)
 * @param k `[W, L, h·dh]` keys
 * @param v `[W, L, h·dh]` values
 * @param bias `[L, h, L]` additive bias `bias[query, head, key]` shared by all windows
 *   (Swin's relative position bias); differentiable
 * @param heads h
 * @param scale multiplies `q kᵀ` (Swin: `dh^-0.5`); applied to q, as timm
 * @param mask `[L, nW, L]` constant additive mask `mask[query, window, key]` for the nW
 *   windows of one sample (windows `b·nW + j` use window j), or undefined; no gradient
 * @returns `[W, L, h·dh]`
 */
export function windowAttentionCore(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor3D, heads: number, scale: number, mask?: tf.Tensor3D): tf.Tensor3D {
  const [W, L, C] = q.shape;
  const dh = C / heads;
  const same = (x: tf.Tensor) => x.rank === 3 && x.shape[0] === W && x.shape[1] === L && x.shape[2] === C;
  if (!Number.isInteger(dh) || !same(k) || !same(v)) {
    throw new OpShapeError('windowAttentionCore', `q ${shapeText(q.shape)}, k ${shapeText(k.shape)}, v ${shapeText(v.shape)}, ${heads} heads`, 'q, k and v must be [W, L, C] with C a multiple of heads');
  }
  if (bias.rank !== 3 || bias.shape[0] !== L || bias.shape[1] !== heads || bias.shape[2] !== L) {
    throw new OpShapeError('windowAttentionCore', `bias ${shapeText(bias.shape)} for L = ${L}, ${heads} heads`, `bias must be [L, heads, L] = [${L}, ${heads}, ${L}]`);
  }
  if (mask !== undefined && (mask.rank !== 3 || mask.shape[0] !== L || mask.shape[2] !== L || W % mask.shape[1] !== 0)) {
    throw new OpShapeError('windowAttentionCore', `mask ${shapeText(mask.shape)} for ${W} windows of ${L} tokens`, 'mask must be [L, nW, L] with nW dividing the number of windows');
  }
  return (productsTakeTransposes() ? batchedAttentionCore : depthwiseAttentionCore)(q, k, v, bias, heads, scale, mask);
}
