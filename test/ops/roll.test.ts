import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { roll } from '../../runtime/ops/roll.ts';
import { seeded, valueAndGrads } from './backend-harness.ts';

/** torch.roll along one axis of a row-major array, by loops. */
function naiveRoll(x: Float32Array, shape: number[], shift: number, axis: number): Float32Array {
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const out = new Float32Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < n; i++)
      for (let k = 0; k < inner; k++) {
        const src = (((i - shift) % n) + n) % n;
        out[(o * n + i) * inner + k] = x[(o * n + src) * inner + k]!;
      }
  return out;
}

describe('roll (slice + concat) on wasm', () => {
  const shape = [2, 5, 4, 3];
  for (const [shift, axis] of [
    [-2, 1],
    [3, 2],
    [7, 1],
    [-9, 2],
    [0, 1],
  ] as [number, number][]) {
    it(`shift ${shift} on axis ${axis}: value is torch.roll, gradient is the reverse roll`, async () => {
      const v = await valueAndGrads('wasm', (x) => roll(x!, shift, axis), [{ shape, seed: 121 }], 122);
      expect(v.shape).toEqual(shape);
      expect(Array.from(v.value)).toEqual(Array.from(naiveRoll(seeded(120, 121), shape, shift, axis)));
      expect(Array.from(v.grads[0]!)).toEqual(Array.from(naiveRoll(seeded(120, 122), shape, -shift, axis)));
    });
  }

  it('rejects an axis outside the rank', () => {
    expect(() => roll(tf.zeros([2, 3]), 1, 2)).toThrow(/axis must be in \[0, 2\)/);
  });
});
