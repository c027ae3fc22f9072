import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { columnSum } from '../../runtime/ops/column-sum.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { expectClose, seeded } from './backend-harness.ts';

/** Column sums in float64, by loops. */
function naive(x: Float32Array, n: number, c: number): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) out[j] += x[i * c + j]!;
  return out;
}

describe('columnSum', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [n, c] of [[1, 5], [7, 3], [6272, 96], [50000, 2]]) {
      it(`[${n}, ${c}] on ${backend} matches float64 loops`, async () => {
        await initBackend(backend);
        const x = seeded(n * c, n + c);
        const got = tf.tidy(() => columnSum(tf.tensor2d(x, [n, c])).dataSync());
        expectClose(got, naive(x, n, c), 1e-4, 'column sums');
      });
    }
  }

  it('rejects a tensor that is not a matrix', () => {
    expect(() => columnSum(tf.zeros([2, 2, 2]) as unknown as tf.Tensor2D)).toThrow(/reshape to \[-1, C\]/);
  });
});
