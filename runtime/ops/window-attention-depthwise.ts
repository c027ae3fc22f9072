/**
 * Window attention's products as XNNPACK depthwise convolutions: the formulation for
 * wasm when its matrix products are tfjs's own (`ABLATE_WASM_GEMM=xnnpack`, or an engine
 * without SIMD), whose BatchMatMul runs batched products in a scalar loop. The depthwise
 * convolution computes the same sums several times faster (192 products 49×32 · 32×49:
 * ≈ 3 ms against ≈ 14 ms; see `groupedProduct`); with ablate's GEMM, batched products are
 * faster still and `window-attention-core.ts` uses those (stage-0 core fwd+bwd ≈ 11 ms
 * against ≈ 26 ms here).
 *
 * The convolution fixes where each axis lives (`a [K, M, G]`, `b [K, G, N]` → `[M, G, N]`,
 * G innermost), so each product of the forward and backward pass is fed the layout it
 * needs, and each layout is made by one transpose (two when there are fewer windows than
 * heads) straight from `[W, L, h·dh]` tokens: 5 transposes forward and 10 backward, three
 * of them of a score-sized `L×L` tensor (tfjs's own batched products on `[W, h, L, dh]`
 * heads needed ~30, seven score-sized). The softmax runs on scores `[Lq, G, Lk]` (keys
 * innermost, G = heads × windows), and the bias gradient sums over windows with an
 * average pool (wasm reduces only the innermost axis without a transpose).
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';
import { transposeMatrix } from './transpose-matrix.ts';

type Save = tf.GradSaveFunc;

/**
 * `c[m, g, n] = Σ_k a[k, m, g] · b[k, g, n]`: G independent `[M, K] @ [K, N]` products.
 * On wasm a depthwise convolution: image `[1, K, M, G]` (G channels), a `K × 1` filter
 * `[K, 1, G, N]` (channel multiplier N), 'valid' → `[1, 1, M, G·N]`. The image is one
 * `K × M` plane, not M images of `K × 1`, so XNNPACK computes M outputs per tile (~20%
 * faster than one output per image). Elsewhere transposes and `tf.matMul`.
 * @param a `[K, M, G]`
 * @param b `[K, G, N]`
 * @returns `[M, G, N]`
 */
export function groupedProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [K, M, G] = a.shape;
  const N = b.shape[2];
  if (b.shape[0] !== K || b.shape[1] !== G) {
    throw new OpShapeError('groupedProduct', `a ${shapeText(a.shape)}, b ${shapeText(b.shape)}`, 'a must be [K, M, G] and b [K, G, N]');
  }
  return tf.tidy(() => {
    if (tf.getBackend() !== 'wasm') {
      const c = tf.matMul(tf.transpose(a, [2, 1, 0]), tf.transpose(b, [1, 0, 2])); // [G, M, N]
      return tf.transpose(c, [1, 0, 2]) as tf.Tensor3D;
    }
    const y = tf.depthwiseConv2d(tf.reshape(a, [1, K, M, G]) as tf.Tensor4D, tf.reshape(b, [K, 1, G, N]) as tf.Tensor4D, 1, 'valid'); // [1, 1, M, G*N]
    return tf.reshape(y, [M, G, N]) as tf.Tensor3D;
  });
}

// Layouts, from tokens `[W, L, h·dh]` viewed as (w, l, head, d). Groups are ordered
// (head, w), so the transposes end in runs of W, L or dh values (wasm's 4D transpose
// is ~2× slower when the innermost output axis is short, e.g. the 3 heads of stage 0);
// layouts ending in w are made in two steps when there are fewer windows than heads.
const view = (x: tf.Tensor, W: number, L: number, h: number, dh: number) => tf.reshape(x, [W, L, h, dh]);

/** (d, head, w, l): `b` with K = dh. */
const bDGL = (x: tf.Tensor, W: number, L: number, h: number, dh: number) => tf.reshape(tf.transpose(view(x, W, L, h, dh), [3, 2, 0, 1]), [dh, h * W, L]) as tf.Tensor3D;
/** (l, head, w, d): `b` with K = L. */
const bLGD = (x: tf.Tensor, W: number, L: number, h: number, dh: number) => tf.reshape(tf.transpose(view(x, W, L, h, dh), [1, 2, 0, 3]), [L, h * W, dh]) as tf.Tensor3D;
/** (d, l, head, w): `a` with K = dh. With fewer windows than heads via (l, head, w, d). */
const aDLG = (x: tf.Tensor, W: number, L: number, h: number, dh: number) =>
  (W < h
    ? tf.reshape(transposeMatrix(tf.reshape(bLGD(x, W, L, h, dh), [L * h * W, dh])), [dh, L, h * W])
    : tf.reshape(tf.transpose(view(x, W, L, h, dh), [3, 1, 2, 0]), [dh, L, h * W])) as tf.Tensor3D;
/** (l, d, head, w): `a` with K = L, M = dh. With fewer windows than heads via (l, head, w, d). */
const aLDG = (x: tf.Tensor, W: number, L: number, h: number, dh: number) =>
  (W < h ? tf.transpose(bLGD(x, W, L, h, dh), [0, 2, 1]) : tf.reshape(tf.transpose(view(x, W, L, h, dh), [1, 3, 2, 0]), [L, dh, h * W])) as tf.Tensor3D;
/** (l, head, w, d) → tokens (w, l, head, d). */
const fromLGD = (x: tf.Tensor, W: number, L: number, h: number, dh: number) => tf.reshape(tf.transpose(tf.reshape(x, [L, h, W, dh]), [2, 0, 1, 3]), [W, L, h * dh]);

function makeCore(W: number, L: number, h: number, dh: number, scale: number, mask: tf.Tensor | undefined) {
  const G = W * h;
  return tf.customGrad((q: tf.Tensor | Save, k: tf.Tensor | Save, v: tf.Tensor | Save, bias: tf.Tensor | Save, save: tf.Tensor | Save) => {
    const [tq, tk, tv, tb] = [q as tf.Tensor, k as tf.Tensor, v as tf.Tensor, bias as tf.Tensor];
    const qs = tf.mul(tq, scale); // [W, L, C]
    let s: tf.Tensor = groupedProduct(aDLG(qs, W, L, h, dh), bDGL(tk, W, L, h, dh)); // [Lq, (h, W), Lk]
    s = tf.add(tf.reshape(s, [L * h, W, L]), tf.reshape(tb, [L * h, 1, L])); // + bias[Lq, h, Lk], every window
    if (mask !== undefined) {
      const nW = mask.shape[1]!;
      // + mask[Lq, j, Lk] for window w = b·nW + j, every head
      s = tf.add(tf.reshape(s, [L, G / nW, nW * L]), tf.reshape(mask, [L, 1, nW * L]));
    }
    const p = tf.softmax(tf.reshape(s, [L, G, L])) as tf.Tensor3D; // [Lq, G, Lk]
    const pt = tf.transpose(p, [2, 0, 1]) as tf.Tensor3D; // [Lk, Lq, G]
    const o = groupedProduct(pt, bLGD(tv, W, L, h, dh)); // [Lq, G, dh]
    (save as Save)([qs, tk, tv, p, pt]);
    return {
      value: fromLGD(o, W, L, h, dh), // [W, Lq, C]
      // tidy: the tape keeps a custom gradient's intermediates until the backward pass ends
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sq, sk, sv, sp, spt] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor3D, tf.Tensor3D];
          const dO = bLGD(dy, W, L, h, dh); // [Lq, G, dh]
          // dv = pᵀ dO: K = Lq, a = p as [Lq, Lk, G]
          const dv = groupedProduct(tf.transpose(spt, [1, 0, 2]) as tf.Tensor3D, dO); // [Lk, G, dh]
          // dp = dO vᵀ: K = dh, a = dO as [dh, Lq, G] (a plain matrix transpose of dO)
          const dOa = tf.reshape(transposeMatrix(tf.reshape(dO, [L * G, dh])), [dh, L, G]) as tf.Tensor3D;
          const dp = groupedProduct(dOa, bDGL(sv, W, L, h, dh)); // [Lq, G, Lk]
          // softmax: ds = p ⊙ (dp − Σ_k dp ⊙ p)
          const ds = tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))) as tf.Tensor3D; // [Lq, G, Lk]
          // bias gradient: Σ over the W windows (an average pool over them, times W)
          const pooled = tf.avgPool(tf.reshape(ds, [L * h, W, 1, L]) as tf.Tensor4D, [W, 1], 1, 'valid'); // [Lq*h, 1, 1, Lk]
          const dBias = tf.reshape(tf.mul(pooled, W), [L, h, L]);
          // dq = s · ds k: K = Lk, a = ds as [Lk, Lq, G]
          const dqs = groupedProduct(tf.transpose(ds, [2, 0, 1]) as tf.Tensor3D, bLGD(sk, W, L, h, dh)); // [Lq, G, dh]
          const dq = tf.mul(fromLGD(dqs, W, L, h, dh), scale); // [W, L, C]
          // dkᵀ = (s·q)ᵀ ds: K = Lq, a = s·q as [Lq, dh, G]
          const dkt = groupedProduct(aLDG(sq, W, L, h, dh), ds); // [dh, G, Lk] = [dh, h, W, Lk]
          const dk = tf.reshape(tf.transpose(tf.reshape(dkt, [dh, h, W, L]), [2, 3, 1, 0]), [W, L, h * dh]); // [W, Lk, C]
          return [dq, dk, fromLGD(dv, W, L, h, dh), dBias];
        }),
    };
  }) as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor) => tf.Tensor3D;
}

/**
 * `windowAttentionCore` (same arguments, conventions and result) through depthwise
 * convolutions; the caller has checked the shapes.
 */
export function depthwiseAttentionCore(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias: tf.Tensor3D, heads: number, scale: number, mask?: tf.Tensor3D): tf.Tensor3D {
  const [W, L, C] = q.shape;
  // tidy: frees the forward's layouts (the tensors saved for the gradient are kept by tfjs)
  return tf.tidy(() => makeCore(W, L, heads, C / heads, scale, mask)(q, k, v, bias));
}
