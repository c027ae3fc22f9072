import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { wasmMatMulState } from '../../runtime/backend/wasm-matmul-kernel.ts';
import { batchedAttentionCore, windowAttentionCore } from '../../runtime/ops/window-attention-core.ts';
import { depthwiseAttentionCore, groupedProduct } from '../../runtime/ops/window-attention-depthwise.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';
import { expectClose, expectSameValueAndGrads, seeded, valueAndGrads } from './backend-harness.ts';

/** A fixed 0 / -100 mask `[nW, L, L]` (every query keeps at least itself). */
function maskValues(nW: number, L: number): Float32Array {
  const m = new Float32Array(nW * L * L);
  for (let w = 0; w < nW; w++) for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) m[(w * L + i) * L + j] = i !== j && (i * 7 + j * 3 + w) % 4 === 0 ? -100 : 0;
  return m;
}

/** `[nW, L, L]` → the op's `[L, nW, L]`, by loops. */
function queryMajor(m: Float32Array, nW: number, L: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let w = 0; w < nW; w++) for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) out[(i * nW + w) * L + j] = m[(w * L + i) * L + j]!;
  return out;
}

/** The textbook form with tfjs's own ops and gradients (heads split as timm does). */
function reference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias: tf.Tensor, h: number, scale: number, mask?: Float32Array, nW = 1): tf.Tensor {
  const [W, L, C] = q.shape as [number, number, number];
  const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [W, L, h, C / h]), [0, 2, 1, 3]); // [W, h, L, dh]
  let s = tf.add(tf.matMul(tf.mul(heads(q), scale), heads(k), false, true), tf.transpose(bias, [1, 0, 2])); // [W, h, L, L]
  if (mask) s = tf.reshape(tf.add(tf.reshape(s, [W / nW, nW, h, L, L]), tf.tensor(mask, [1, nW, 1, L, L])), [W, h, L, L]);
  const o = tf.matMul(tf.softmax(s), heads(v)); // [W, h, L, dh]
  return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [W, L, C]);
}

type Core = typeof windowAttentionCore;

/** Both formulations on wasm: batched products (ablate's GEMM) and the depthwise fallback. */
const formulations: [string, Core][] = [
  ['batched products', batchedAttentionCore],
  ['depthwise convolutions', depthwiseAttentionCore],
];

describe('windowAttentionCore on wasm matches the textbook attention on cpu', () => {
  const cases = [
    { name: '4 windows of 6 tokens, 2 heads of 3', W: 4, L: 6, h: 2, dh: 3 },
    { name: '3 windows of 49 tokens, 3 heads of 32 (Swin stage 0)', W: 3, L: 49, h: 3, dh: 32 },
    { name: 'one window, one head', W: 1, L: 5, h: 1, dh: 4 },
    { name: 'masked, 2 samples × 3 windows', W: 6, L: 4, h: 2, dh: 2, nW: 3 },
    { name: 'masked, 1 sample × 2 windows of 8 tokens (3D), 4 heads', W: 2, L: 8, h: 4, dh: 3, nW: 2 },
    { name: 'masked, 2 samples × 1 window, one head', W: 2, L: 5, h: 1, dh: 4, nW: 1 },
  ];
  for (const [formulation, core] of formulations) {
    for (const c of cases) {
      it(`${c.name}, through ${formulation}`, async () => {
        const { W, L, h, dh } = c;
        const scale = 1 / Math.sqrt(dh);
        const mask = c.nW ? maskValues(c.nW, L) : undefined;
        const inputs = [
          { shape: [W, L, h * dh], seed: 1 },
          { shape: [W, L, h * dh], seed: 2 },
          { shape: [W, L, h * dh], seed: 3 },
          { shape: [L, h, L], seed: 4 },
        ];
        const ours = await valueAndGrads('wasm', (q, k, v, b) => core(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, b as tf.Tensor3D, h, scale, mask && tf.tensor3d(queryMajor(mask, c.nW!, L), [L, c.nW!, L])), inputs);
        const ref = await valueAndGrads('cpu', (q, k, v, b) => reference(q!, k!, v!, b!, h, scale, mask, c.nW), inputs);
        expectSameValueAndGrads(ours, ref);
      });
    }
  }

  it("uses batched products on wasm when ablate's GEMM is installed (no depthwise convolution)", async () => {
    await initBackend('wasm');
    expect(wasmMatMulState().installed).toBe(true);
    const x = tf.randomNormal([2, 4, 6]) as tf.Tensor3D;
    const bias = tf.zeros([4, 2, 4]) as tf.Tensor3D;
    const kernels = (await tf.profile(() => tf.dispose(tf.grads((q: tf.Tensor) => tf.sum(windowAttentionCore(q as tf.Tensor3D, x, x, bias, 2, 1)))([x])))).kernelNames;
    expect(kernels).toContain('BatchMatMul');
    expect(kernels).not.toContain('DepthwiseConv2dNative');
    tf.dispose([x, bias]);
  });

  it("is the same on cpu (batched products with tfjs's kernels) as the reference", async () => {
    const inputs = [
      { shape: [6, 4, 4], seed: 1 },
      { shape: [6, 4, 4], seed: 2 },
      { shape: [6, 4, 4], seed: 3 },
      { shape: [4, 2, 4], seed: 4 },
    ];
    const mask = maskValues(3, 4);
    const ours = await valueAndGrads('cpu', (q, k, v, b) => windowAttentionCore(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, b as tf.Tensor3D, 2, 0.5, tf.tensor3d(queryMajor(mask, 3, 4), [4, 3, 4])), inputs);
    const ref = await valueAndGrads('cpu', (q, k, v, b) => reference(q!, k!, v!, b!, 2, 0.5, mask, 3), inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('rejects a bias that is not [L, heads, L]', () => {
    const x = tf.zeros([2, 4, 6]) as tf.Tensor3D;
    expect(() => windowAttentionCore(x, x, x, tf.zeros([2, 4, 4]) as tf.Tensor3D, 2, 1)).toThrow(OpShapeError);
    expect(() => windowAttentionCore(x, x, x, tf.zeros([2, 4, 4]) as tf.Tensor3D, 2, 1)).toThrow(/\[4, 2, 4\]/);
  });
});

describe('groupedProduct', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`c[m, g, n] = Σ_k a[k, m, g] b[k, g, n] on ${backend}, against loops`, async () => {
      await initBackend(backend);
      const [K, M, G, N] = [5, 3, 4, 6];
      const a = seeded(K * M * G, 7);
      const b = seeded(K * G * N, 8);
      const expected = new Float64Array(M * G * N);
      for (let m = 0; m < M; m++) for (let g = 0; g < G; g++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) expected[(m * G + g) * N + n] += a[(k * M + m) * G + g]! * b[(k * G + g) * N + n]!;
      const got = tf.tidy(() => groupedProduct(tf.tensor3d(a, [K, M, G]), tf.tensor3d(b, [K, G, N])).dataSync());
      expectClose(got, expected, 1e-5, 'products');
    });
  }
});
