import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv3d } from '../../runtime/ops/conv3d.ts';
import { convOutputSize, type ConvPadding } from '../../runtime/ops/conv-geometry.ts';
import { expectClose, expectSameValueAndGrads, seeded, valueAndGrads } from './backend-harness.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';

// Reference: tf.conv3d on cpu on the same data viewed as [B, D, H, W, C] (our
// [B*D, H, W, C] has the same memory order). cpu's Conv3DBackprop kernels are correct.
const cases: { name: string; B: number; D: number; H: number; W: number; k: [number, number, number, number, number]; s: number | [number, number, number]; p: ConvPadding }[] = [
  { name: '3×3×3 same stride 1', B: 2, D: 4, H: 5, W: 6, k: [3, 3, 3, 2, 3], s: 1, p: 'same' },
  { name: '3×3×3 valid stride 1', B: 1, D: 5, H: 5, W: 4, k: [3, 3, 3, 2, 3], s: 1, p: 'valid' },
  { name: '3×3×3 same stride 2 (odd sizes)', B: 2, D: 5, H: 7, W: 6, k: [3, 3, 3, 2, 2], s: 2, p: 'same' },
  { name: '2×2×2 same stride 1 (asymmetric padding)', B: 2, D: 3, H: 4, W: 5, k: [2, 2, 2, 2, 3], s: 1, p: 'same' },
  { name: '2×3×1 valid stride 1', B: 1, D: 4, H: 5, W: 3, k: [2, 3, 1, 3, 2], s: 1, p: 'valid' },
  { name: '1×3×3 same', B: 1, D: 3, H: 5, W: 5, k: [1, 3, 3, 3, 2], s: 1, p: 'same' },
  { name: '3×1×1 valid stride [2,1,1]', B: 2, D: 6, H: 3, W: 3, k: [3, 1, 1, 2, 2], s: [2, 1, 1], p: 'valid' },
  { name: '2×4×4 stride 2×4×4 (patch embed)', B: 2, D: 4, H: 8, W: 8, k: [2, 4, 4, 2, 5], s: [2, 4, 4], p: 'valid' },
  { name: '2×2×2 stride 2 (down-sampling)', B: 1, D: 4, H: 6, W: 4, k: [2, 2, 2, 3, 4], s: 2, p: 'same' },
];

describe('conv3d on wasm matches tf.conv3d on cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const [kd, kh, kw, Cin, Cout] = c.k;
      const sv = typeof c.s === 'number' ? [c.s, c.s, c.s] : c.s;
      const [Do, Ho, Wo] = [convOutputSize(c.D, kd, sv[0]!, c.p), convOutputSize(c.H, kh, sv[1]!, c.p), convOutputSize(c.W, kw, sv[2]!, c.p)];
      const inputs = [
        { shape: [c.B * c.D, c.H, c.W, Cin], seed: 41 },
        { shape: c.k, seed: 42 },
        { shape: [Cout], seed: 43 },
      ];
      const ours = await valueAndGrads('wasm', (x, w, b) => conv3d(x as tf.Tensor4D, c.D, w!, b as tf.Tensor1D, { strides: c.s, padding: c.p }), inputs);
      const ref = await valueAndGrads(
        'cpu',
        (x, w, b) => {
          const x5 = tf.reshape(x!, [c.B, c.D, c.H, c.W, Cin]) as tf.Tensor5D;
          const y = tf.add(tf.conv3d(x5, w as tf.Tensor5D, c.s, c.p), b!);
          return tf.reshape(y, [c.B * Do, Ho, Wo, Cout]);
        },
        inputs,
      );
      expectSameValueAndGrads(ours, ref);
    });
  }

  it('matches a naive loop (independent of tfjs) for a 3×3×3 same convolution', async () => {
    const [B, D, H, W, Cin, Cout] = [1, 3, 4, 3, 2, 2];
    const xs = seeded(B * D * H * W * Cin, 51);
    const ws = seeded(27 * Cin * Cout, 52);
    const expected = new Float32Array(B * D * H * W * Cout);
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let co = 0; co < Cout; co++) {
            let acc = 0;
            for (let dz = 0; dz < 3; dz++)
              for (let dy = 0; dy < 3; dy++)
                for (let dx = 0; dx < 3; dx++)
                  for (let ci = 0; ci < Cin; ci++) {
                    const [zz, yy, xx] = [z + dz - 1, y + dy - 1, x + dx - 1];
                    if (zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                    acc += xs[((zz * H + yy) * W + xx) * Cin + ci]! * ws[(((dz * 3 + dy) * 3 + dx) * Cin + ci) * Cout + co]!;
                  }
            expected[((z * H + y) * W + x) * Cout + co] = acc;
          }
    await initBackend('wasm');
    const out = tf.tidy(() => conv3d(tf.tensor4d(xs, [B * D, H, W, Cin]), D, tf.tensor(ws, [3, 3, 3, Cin, Cout])).dataSync());
    expectClose(out, expected, 1e-5, 'naive conv3d');
  });

  it('rejects a batch axis that is not a multiple of the depth', () => {
    expect(() => conv3d(tf.zeros([5, 4, 4, 2]) as tf.Tensor4D, 2, tf.zeros([3, 3, 3, 2, 2]))).toThrow(/\[B\*D, H, W, Cin\]/);
  });
});
