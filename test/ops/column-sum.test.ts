import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { columnSum } from '../../runtime/ops/column-sum.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';
import { expectClose, seeded } from './backend-harness.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';

describe('columnSum (sum over rows as a ones-row product)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`equals a float64 loop over rows on ${backend}, for a tall matrix`, async () => {
      await initBackend(backend);
      const [N, C] = [1037, 7];
      const data = seeded(N * C, 5);
      const ref = new Array<number>(C).fill(0);
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) ref[c]! += data[n * C + c]!;
      const got = tf.tidy(() => columnSum(tf.tensor2d(data, [N, C])).dataSync());
      expect(got.length).toBe(C);
      expectClose(got, ref, 1e-5, 'column sums');
    });
  }

  it('rejects a non-matrix with OpShapeError', async () => {
    await initBackend('wasm');
    const x = tf.zeros([2, 3, 4]);
    expect(() => columnSum(x as unknown as tf.Tensor2D)).toThrow(OpShapeError);
    x.dispose();
  });
});
