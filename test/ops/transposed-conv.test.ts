import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { convTranspose2d, convTranspose3d } from '../../runtime/ops/transposed-conv.ts';
import { expectSameValueAndGrads, seeded, valueAndGrads, type ValueAndGrads } from './backend-harness.ts';

describe('convTranspose2d (stride = kernel) on wasm', () => {
  const cases = [
    { name: '2×2, 3→4', B: 2, h: 3, w: 2, k: [2, 2], Cin: 3, Cout: 4 },
    { name: '4×4, 2→3 (final ×4 expand)', B: 1, h: 2, w: 3, k: [4, 4], Cin: 2, Cout: 3 },
    { name: '2×3, 3→2', B: 1, h: 2, w: 2, k: [2, 3], Cin: 3, Cout: 2 },
  ];
  for (const c of cases) {
    it(`${c.name} matches tf.conv2dTranspose on cpu`, async () => {
      const [kh, kw] = c.k as [number, number];
      const inputs = [
        { shape: [c.B, c.h, c.w, c.Cin], seed: 61 },
        { shape: [kh, kw, c.Cout, c.Cin], seed: 62 },
        { shape: [c.Cout], seed: 63 },
      ];
      const ours = await valueAndGrads('wasm', (x, w, b) => convTranspose2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D), inputs);
      const ref = await valueAndGrads(
        'cpu',
        (x, w, b) => tf.add(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [c.B, c.h * kh, c.w * kw, c.Cout], [kh, kw], 'valid'), b!),
        inputs,
      );
      expectSameValueAndGrads(ours, ref);
    });
  }
});

/**
 * Naive loops for y[b, z*kd+dz, y*kh+dy, x*kw+dx, co] = Σ_ci x[b,z,y,x,ci] w[dz,dy,dx,co,ci] + bias[co]
 * and the gradients of Σ y ⊙ R (no backend differentiates conv3dTranspose, so loops are the reference).
 */
function naiveConvTranspose3d(B: number, d: number, h: number, w: number, k: [number, number, number], Cin: number, Cout: number): ValueAndGrads {
  const [kd, kh, kw] = k;
  const xs = seeded(B * d * h * w * Cin, 71);
  const ws = seeded(kd * kh * kw * Cout * Cin, 72);
  const bs = seeded(Cout, 73);
  const [D, H, W] = [d * kd, h * kh, w * kw];
  const r = seeded(B * D * H * W * Cout, 999);
  const y = new Float32Array(r.length);
  const gx = new Float32Array(xs.length);
  const gw = new Float32Array(ws.length);
  const gb = new Float32Array(Cout);
  const xi = (b: number, z: number, yy: number, xx: number, ci: number) => (((b * d + z) * h + yy) * w + xx) * Cin + ci;
  const wi = (dz: number, dy: number, dx: number, co: number, ci: number) => (((dz * kh + dy) * kw + dx) * Cout + co) * Cin + ci;
  const yi = (b: number, z: number, yy: number, xx: number, co: number) => (((b * D + z) * H + yy) * W + xx) * Cout + co;
  for (let b = 0; b < B; b++)
    for (let z = 0; z < d; z++)
      for (let yy = 0; yy < h; yy++)
        for (let xx = 0; xx < w; xx++)
          for (let dz = 0; dz < kd; dz++)
            for (let dy = 0; dy < kh; dy++)
              for (let dx = 0; dx < kw; dx++)
                for (let co = 0; co < Cout; co++) {
                  const o = yi(b, z * kd + dz, yy * kh + dy, xx * kw + dx, co);
                  let acc = bs[co]!;
                  for (let ci = 0; ci < Cin; ci++) {
                    acc += xs[xi(b, z, yy, xx, ci)]! * ws[wi(dz, dy, dx, co, ci)]!;
                    gx[xi(b, z, yy, xx, ci)] += r[o]! * ws[wi(dz, dy, dx, co, ci)]!;
                    gw[wi(dz, dy, dx, co, ci)] += r[o]! * xs[xi(b, z, yy, xx, ci)]!;
                  }
                  y[o] = acc;
                  gb[co] += r[o]!;
                }
  return { shape: [B * D, H, W, Cout], value: y, grads: [gx, gw, gb] };
}

describe('convTranspose3d (stride = kernel) on wasm matches naive loops', () => {
  const cases: { B: number; d: number; h: number; w: number; k: [number, number, number]; Cin: number; Cout: number }[] = [
    { B: 2, d: 2, h: 2, w: 3, k: [2, 2, 2], Cin: 3, Cout: 2 },
    { B: 1, d: 2, h: 2, w: 2, k: [2, 4, 4], Cin: 2, Cout: 3 },
  ];
  for (const c of cases) {
    it(`kernel ${c.k.join('×')}, ${c.Cin}→${c.Cout}`, async () => {
      const [kd, kh, kw] = c.k;
      const inputs = [
        { shape: [c.B * c.d, c.h, c.w, c.Cin], seed: 71 },
        { shape: [kd, kh, kw, c.Cout, c.Cin], seed: 72 },
        { shape: [c.Cout], seed: 73 },
      ];
      const ours = await valueAndGrads('wasm', (x, w, b) => convTranspose3d(x as tf.Tensor4D, w!, b as tf.Tensor1D), inputs);
      expectSameValueAndGrads(ours, naiveConvTranspose3d(c.B, c.d, c.h, c.w, c.k, c.Cin, c.Cout));
    });
  }
});
