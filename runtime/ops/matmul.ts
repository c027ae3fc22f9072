/**
 * Matrix products with gradients that are fast on wasm.
 *
 * On wasm, ablate's GEMM (`runtime/backend/wasm-matmul-kernel.ts`) replaces tfjs's products
 * when the engine has SIMD (always, in Node ≥ 16.4); it takes transposed operands at full
 * speed, so products and their gradients pass transposeA/B (`productsTakeTransposes`).
 *
 * Without it, wasm's BatchMatMul has two paths (tfjs-backend-wasm `batch_mat_mul_impl.cc`):
 * XNNPACK for batch 1 without transposes, and a scalar blocked loop for everything else. So:
 * - rank-2 products (batch 1) never pass transposeA/B: transposes are explicit
 *   `tf.transpose` calls (the built-in gradient's transposeA/B is ~10× slower);
 * - batched products (attention, batch > 1) would take the scalar loop; on wasm they are
 *   computed as a depthwise convolution instead (see `batchedProduct`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnSum } from './column-sum.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';
import { transposeMatrix as T } from './transpose-matrix.ts';
import { productsTakeTransposes } from '../backend/wasm-matmul-kernel.ts';

type Save = tf.GradSaveFunc;

/** Swap the last two axes of a rank-2 or rank-3 tensor. */
function swapLast(x: tf.Tensor): tf.Tensor {
  return x.rank === 2 ? T(x) : tf.transpose(x, [0, 2, 1]);
}

/**
 * `aᵀ @ b` for `a [N, P]`, `b [N, Q]` → `[P, Q]` (weight gradients). XNNPACK packs its
 * second operand on every call (a fresh gradient is never cached), and a large packed
 * operand is streamed once per 4 result rows, so `(bᵀ @ a)ᵀ` (packs `a`, transposes the
 * `P×Q` result) wins when Q > P and the `N×Q` operand it avoids packing is the larger:
 * N > P (1.7× faster for [6272,96]ᵀ·[6272,384]; for [49,768]ᵀ·[49,3072], at the
 * bottleneck, it would transpose a 3072×768 result and is 3× slower than `aᵀ @ b`).
 */
function transposeTimes(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (productsTakeTransposes()) return tf.matMul(a, b, true, false);
  const [N, P] = a.shape;
  const Q = b.shape[1];
  return Q > P && N > P ? T(tf.matMul(T(b), a)) : tf.matMul(T(a), b);
}

/**
 * `dy @ wᵀ` for `dy [M, N]`, `w [K, N]` → `[M, K]` (input gradients). `dy @ transpose(w)`
 * moves and repacks the whole weight (2·K·N values); `(w @ dyᵀ)ᵀ` moves `dy` twice and
 * the result once (2·M·N + M·K) and leaves `w` unpacked as the first operand. The second
 * form wins for few tokens and wide layers: the paper config's bottleneck MLP (M = 49,
 * K·N = 3072·768) spent more time transposing weights than multiplying.
 */
function timesTransposed(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (productsTakeTransposes()) return tf.matMul(dy, w, false, true);
  const [M, N] = dy.shape;
  const K = w.shape[0];
  if (2 * M * N + M * K < 2 * K * N) return T(tf.matMul(w, T(dy)));
  return tf.matMul(dy, T(w));
}

// [M, K] @ [K, N], XNNPACK on wasm
const plainMatmul = tf.customGrad((a: tf.Tensor | Save, b: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const [ta, tb] = [a as tf.Tensor, b as tf.Tensor];
  (save as Save)([ta, tb]);
  return {
    value: tf.matMul(ta, tb),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      // tidy: the tape keeps a custom gradient's intermediates until the backward pass ends
      return tf.tidy(() => [timesTransposed(dy as tf.Tensor2D, sb), transposeTimes(sa, dy as tf.Tensor2D)]);
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * `[G, M, K] @ [G, K, N] → [G, M, N]` with the current backend's fastest kernel. On wasm,
 * BatchMatMul with G > 1 is a scalar loop; a depthwise convolution computes the same sums
 * on XNNPACK (~2.5× faster on attention shapes): image `x[m, k, 0, g] = a[g, m, k]`,
 * filter `f[k, 0, g, n] = b[g, k, n]`, a K×1 'valid' window, channel multiplier N.
 */
function batchedProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  const [G, M, K] = a.shape;
  const N = b.shape[2];
  const x = tf.reshape(tf.transpose(a, [1, 2, 0]), [M, K, 1, G]); // [M, K, 1, G]
  const f = tf.reshape(tf.transpose(b, [1, 0, 2]), [K, 1, G, N]); // [K, 1, G, N]
  const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'); // [M, 1, 1, G*N]
  return tf.transpose(tf.reshape(y, [M, G, N]), [1, 0, 2]); // [G, M, N]
}

// [G, M, K] @ [G, K, N] → [G, M, N]
const batchedMatmul = tf.customGrad((a: tf.Tensor | Save, b: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const [ta, tb] = [a as tf.Tensor3D, b as tf.Tensor3D];
  (save as Save)([ta, tb]);
  return {
    value: batchedProduct(ta, tb),
    gradFunc: (dc: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dct = dc as tf.Tensor3D;
      return tf.tidy(() => [batchedProduct(dct, swapLast(sb) as tf.Tensor3D), batchedProduct(swapLast(sa) as tf.Tensor3D, dct)]);
    },
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

// [N, Cin] @ [Cin, Cout] + [Cout]
const affine = tf.customGrad((x: tf.Tensor | Save, w: tf.Tensor | Save, b: tf.Tensor | Save, save: tf.Tensor | Save) => {
  const [tx, tw, tb] = [x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D];
  (save as Save)([tx, tw]);
  return {
    // bias inside the product: one XNNPACK kernel on wasm instead of a product and an Add
    value: tf.fused.matMul({ a: tx, b: tw, bias: tb }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return tf.tidy(() => [timesTransposed(dy as tf.Tensor2D, sw), transposeTimes(sx, dy as tf.Tensor2D), columnSum(dy as tf.Tensor2D)]);
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * Batched matrix product `op(a) @ op(b)`, where `op` transposes the last two axes when
 * asked. Drop-in for `tf.matMul` with a wasm-friendly gradient.
 *
 * Shapes (after the optional transposes):
 * - `a [M, K]`, `b [K, N]` → `[M, N]`
 * - `a [..., M, K]` (rank 3–4), `b [..., K, N]` with the same leading dims → `[..., M, N]`
 * - `a [..., M, K]` (rank 3–4), `b [K, N]` (shared weight) → `[..., M, N]`
 *
 * Broadcasting of other leading dims is not supported: tile or reshape first.
 */
export function matmul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  if (a.rank < 2 || a.rank > 4 || b.rank < 2 || b.rank > 4) {
    throw new OpShapeError('matmul', `ranks ${a.rank} and ${b.rank}`, 'both operands must have rank 2, 3 or 4');
  }
  return tf.tidy(() => {
    const opA = transposeA ? swapLastAny(a) : a;
    const [M, K] = opA.shape.slice(-2) as [number, number];
    const [K2, N] = (transposeB ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : b.shape.slice(-2)) as [number, number];
    if (K !== K2) {
      throw new OpShapeError(
        'matmul',
        `inner sizes differ: ${shapeText(a.shape)} @ ${shapeText(b.shape)}`,
        'the last axis of a must equal the second-to-last axis of b (check transposeA/transposeB)',
      );
    }
    const lead = opA.shape.slice(0, -2);
    const leadB = b.shape.slice(0, -2);
    if (b.rank > 2 && (lead.length !== leadB.length || lead.some((d, i) => d !== leadB[i]))) {
      throw new OpShapeError(
        'matmul',
        `batch dims differ: ${shapeText(a.shape)} @ ${shapeText(b.shape)}`,
        'give both operands the same leading dims, or pass b as a rank-2 weight',
      );
    }
    if (productsTakeTransposes()) return transposingProduct(opA, b, transposeB, M, N);
    if (b.rank === 2) {
      const y = plainMatmul(tf.reshape(opA, [-1, K]), transposeB ? T(b) : b); // [prod(lead)*M, N]
      return tf.reshape(y, [...lead, M, N]);
    }
    const batch = lead.reduce((p, d) => p * d, 1);
    const a3 = tf.reshape(opA, [batch, M, K]) as tf.Tensor3D; // [batch, M, K]
    const b3 = tf.reshape(b, [batch, ...b.shape.slice(-2)]);
    const opB = (transposeB ? swapLast(b3) : b3) as tf.Tensor3D; // [batch, K, N]
    if (batch === 1) return tf.reshape(plainMatmul(tf.reshape(a3, [M, K]), tf.reshape(opB, [K, N])), [...lead, M, N]);
    return tf.reshape(batchedMatmul(a3, opB), [...lead, M, N]); // [..., M, N]
  });
}

/**
 * `a @ op(b)` where products take transposed operands (ablate's GEMM on wasm, native
 * backends): one product, and tfjs's own gradient (products with transpose flags). A rank-2
 * `b` is a weight shared over a's leading dims; otherwise the leading dims are equal.
 */
function transposingProduct(a: tf.Tensor, b: tf.Tensor, transposeB: boolean, M: number, N: number): tf.Tensor {
  if (b.rank > 2) return tf.matMul(a, b, false, transposeB);
  const y = tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D, b as tf.Tensor2D, false, transposeB);
  return tf.reshape(y, [...a.shape.slice(0, -2), M, N]);
}

/** Swap the last two axes of a rank-2..4 tensor. */
function swapLastAny(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = x.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}

/**
 * Fully connected layer on the last (channel) axis: `x @ w + b`.
 *
 * @param x `[..., Cin]`, rank 1–4 (e.g. tokens `[B, L, C]` or an image `[B, H, W, C]`)
 * @param w `[Cin, Cout]`
 * @param b `[Cout]`, optional; on wasm its data must have been made at rank 1 (tfjs's fused
 *   product reads the shape its buffer was created with: a `reshape` of a `[1, Cout]` product is rejected)
 * @returns `[..., Cout]`
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const cin = x.shape[x.rank - 1];
  if (x.rank < 1 || x.rank > 4 || w.rank !== 2 || w.shape[0] !== cin) {
    throw new OpShapeError(
      'linear',
      `x ${shapeText(x.shape)}, w ${shapeText(w.shape)}`,
      'x must be [..., Cin] with rank ≤ 4 and w must be [Cin, Cout]',
    );
  }
  const cout = w.shape[1]!;
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== cout)) {
    throw new OpShapeError('linear', `b ${shapeText(b.shape)} for w ${shapeText(w.shape)}`, `b must be [${cout}]`);
  }
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, cin!]) as tf.Tensor2D; // [N, Cin]
    const y = b === undefined ? plainMatmul(x2, w) : affine(x2, w as tf.Tensor2D, b as tf.Tensor1D); // [N, Cout]
    return tf.reshape(y, [...x.shape.slice(0, -1), cout]);
  });
}
