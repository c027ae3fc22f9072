import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../runtime/ops/resize-bilinear.ts';
import { expectClose, expectSameValueAndGrads, seeded, valueAndGrads, type ValueAndGrads } from './backend-harness.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';

/**
 * Per-pixel bilinear sampling by loops (TensorFlow's half-pixel / align-corners
 * coordinate rules), and the gradient of Σ y·R as the transpose of the same weights.
 */
function naive(B: number, H: number, W: number, C: number, Ho: number, Wo: number, alignCorners: boolean): ValueAndGrads {
  const x = seeded(B * H * W * C, 401);
  const r = seeded(B * Ho * Wo * C, 999);
  const y = new Float32Array(r.length);
  const gx = new Float32Array(x.length);
  const coord = (o: number, n: number, m: number) => {
    const s = alignCorners ? (m > 1 ? (o * (n - 1)) / (m - 1) : 0) : (o + 0.5) * (n / m) - 0.5;
    const lo = Math.max(Math.floor(s), 0);
    const hi = Math.min(Math.ceil(s), n - 1);
    return { lo, hi, f: Math.max(s, 0) - lo };
  };
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        const cy = coord(oy, H, Ho);
        const cx = coord(ox, W, Wo);
        const taps: [number, number, number][] = [
          [cy.lo, cx.lo, (1 - cy.f) * (1 - cx.f)],
          [cy.lo, cx.hi, (1 - cy.f) * cx.f],
          [cy.hi, cx.lo, cy.f * (1 - cx.f)],
          [cy.hi, cx.hi, cy.f * cx.f],
        ];
        for (let c = 0; c < C; c++) {
          const o = ((b * Ho + oy) * Wo + ox) * C + c;
          for (const [iy, ix, wgt] of taps) {
            const i = ((b * H + iy) * W + ix) * C + c;
            y[o] += wgt * x[i]!;
            gx[i] += wgt * r[o]!;
          }
        }
      }
  return { shape: [B, Ho, Wo, C], value: y, grads: [gx] };
}

describe('resizeBilinear (interpolation matrices) on wasm', () => {
  for (const [H, W, Ho, Wo, ac] of [
    [3, 4, 12, 16, false],
    [3, 4, 6, 8, true],
    [4, 4, 8, 8, false],
    [6, 5, 3, 2, false],
  ] as [number, number, number, number, boolean][]) {
    it(`${H}×${W} → ${Ho}×${Wo}, ${ac ? 'align corners' : 'half-pixel centres'}: values and gradient match loops`, async () => {
      const ours = await valueAndGrads('wasm', (x) => resizeBilinear(x as tf.Tensor4D, [Ho, Wo], ac), [{ shape: [2, H, W, 3], seed: 401 }]);
      expectSameValueAndGrads(ours, naive(2, H, W, 3, Ho, Wo, ac));
    });
  }

  it("forward agrees with tfjs's own resizeBilinear (halfPixelCenters)", async () => {
    await initBackend('wasm');
    const x = tf.tensor4d(seeded(2 * 3 * 5 * 2, 7), [2, 3, 5, 2]);
    const ours = tf.tidy(() => resizeBilinear(x, [9, 10]).dataSync());
    const theirs = tf.tidy(() => tf.image.resizeBilinear(x, [9, 10], false, true).dataSync());
    expectClose(ours, theirs, 1e-5, 'forward');
    x.dispose();
  });

  it("documents why it exists: tfjs's gradient ignores halfPixelCenters", async () => {
    const f = (x: tf.Tensor) => tf.image.resizeBilinear(x as tf.Tensor4D, [8, 8], false, true);
    const theirs = await valueAndGrads('wasm', f, [{ shape: [1, 4, 4, 1], seed: 401 }]);
    const truth = naive(1, 4, 4, 1, 8, 8, false);
    expectClose(theirs.value, truth.value, 1e-5, 'tfjs forward is right');
    let maxErr = 0;
    theirs.grads[0]!.forEach((g, i) => (maxErr = Math.max(maxErr, Math.abs(g - truth.grads[0]![i]!))));
    expect(maxErr).toBeGreaterThan(1e-2); // if this starts failing, tfjs fixed its gradient
  });
});
