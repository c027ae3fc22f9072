import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { scaleChannels } from '../../runtime/ops/channel-scale.ts';
import { expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';

describe('scaleChannels on wasm matches tf.mul on cpu (value and both gradients)', () => {
  for (const shape of [[1, 6, 5, 4], [2, 3, 7], [9, 3]]) {
    it(`x ${JSON.stringify(shape)}`, async () => {
      const C = shape[shape.length - 1]!;
      const inputs = [
        { shape, seed: 31 },
        { shape: [C], seed: 32 },
      ];
      const ours = await valueAndGrads('wasm', (x, s) => scaleChannels(x!, s as tf.Tensor1D), inputs);
      const ref = await valueAndGrads('cpu', (x, s) => tf.mul(x!, s!), inputs);
      expectSameValueAndGrads(ours, ref);
    });
  }

  it('rejects a scale that does not match the channels', () => {
    expect(() => scaleChannels(tf.zeros([2, 3]), tf.zeros([2]) as tf.Tensor1D)).toThrow(/last axis/);
  });
});
