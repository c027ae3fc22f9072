import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { transposeMatrix } from '../../runtime/ops/transpose-matrix.ts';
import { expectSameValueAndGrads, seeded, valueAndGrads } from './backend-harness.ts';

/** `x[r, c]` read back at `out[c, r]`, by loops. */
function naiveTranspose(x: Float32Array, R: number, C: number): Float32Array {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = x[r * C + c]!;
  return out;
}

describe('transposeMatrix', () => {
  // [512, 130] and [768, 96] take the two-pass path on wasm (R a multiple of 256, ≥ 2^16 values);
  // [300, 7] and [1000, 70] the single pass
  for (const [R, C] of [[512, 130], [768, 96], [300, 7], [1000, 70]] as const) {
    it(`[${R}, ${C}] on wasm equals the loop transpose exactly`, async () => {
      await initBackend('wasm');
      const x = seeded(R * C, R + C);
      const got = tf.tidy(() => {
        const y = transposeMatrix(tf.tensor2d(x, [R, C]));
        expect(y.shape).toEqual([C, R]);
        return y.dataSync();
      });
      expect(Array.from(got)).toEqual(Array.from(naiveTranspose(x, R, C)));
    });
  }

  it('has the gradient of a transpose (wasm against tf.transpose on cpu)', async () => {
    const inputs = [{ shape: [512, 130], seed: 3 }];
    const ours = await valueAndGrads('wasm', (x) => transposeMatrix(x!), inputs);
    const ref = await valueAndGrads('cpu', (x) => tf.transpose(x!), inputs);
    expectSameValueAndGrads(ours, ref, 0);
  });

  it('rejects a tensor that is not a matrix', () => {
    expect(() => transposeMatrix(tf.zeros([2, 2, 2]))).toThrow(/reshape first/);
  });
});
