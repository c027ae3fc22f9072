import { describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { logSoftmax, softmax } from '../../runtime/ops/softmax.ts';
import { expectClose, expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';

describe('softmax and logSoftmax on wasm', () => {
  it('softmax matches exp(x)/Σexp(x) on cpu, values and gradients', async () => {
    const inputs = [{ shape: [2, 3, 7], seed: 101 }];
    const ours = await valueAndGrads('wasm', (x) => softmax(tf.mul(x!, 5)), inputs);
    const ref = await valueAndGrads('cpu', (x) => {
      const e = tf.exp(tf.mul(x!, 5));
      return tf.div(e, tf.sum(e, -1, true));
    }, inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('logSoftmax matches x - log Σexp(x) on cpu, values and gradients', async () => {
    const inputs = [{ shape: [4, 9], seed: 102 }];
    const ours = await valueAndGrads('wasm', (x) => logSoftmax(tf.mul(x!, 5)), inputs);
    const ref = await valueAndGrads('cpu', (x) => {
      const z = tf.mul(x!, 5);
      return tf.sub(z, tf.log(tf.sum(tf.exp(z), -1, true)));
    }, inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('rows of softmax sum to one', async () => {
    const v = await valueAndGrads('wasm', (x) => softmax(x!), [{ shape: [3, 5], seed: 103 }]);
    const sums = [0, 1, 2].map((r) => v.value.slice(r * 5, r * 5 + 5).reduce((a, b) => a + b, 0));
    expectClose(sums, [1, 1, 1], 1e-6, 'row sums');
  });
});
