import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerNorm, standardize } from '../../runtime/ops/layer-norm.ts';
import { expectClose, expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { FUSED_PATHS, useFusedKernels } from '../backend/fused-paths.ts';

// Reference: the textbook composite with tf.moments on cpu, differentiated by tfjs.
function referenceLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

describe.each(FUSED_PATHS)('on wasm: $label', ({ fused }) => {
  beforeAll(() => useFusedKernels(fused));
  afterAll(() => useFusedKernels(true));

  describe('layerNorm on wasm matches the composite on cpu', () => {
    for (const [shape, eps] of [
      [[6, 8], 1e-5],
      [[2, 5, 8], 1e-5],
      [[2, 3, 2, 16], 1e-6],
      // row lengths that are not a multiple of 4 (the kernels' scalar tails)
      [[3, 7], 1e-5],
      [[2, 5, 17], 1e-5],
      [[4, 97], 1e-5],
      [[6, 3], 1e-5],
    ] as [number[], number][]) {
      it(`x ${JSON.stringify(shape)}, eps ${eps}`, async () => {
        const C = shape[shape.length - 1]!;
        const inputs = [
          { shape, seed: 81 },
          { shape: [C], seed: 82 },
          { shape: [C], seed: 83 },
        ];
        const ours = await valueAndGrads('wasm', (x, g, b) => layerNorm(x!, g as tf.Tensor1D, b as tf.Tensor1D, eps), inputs);
        const ref = await valueAndGrads('cpu', (x, g, b) => referenceLayerNorm(x!, g!, b!, eps), inputs);
        expectSameValueAndGrads(ours, ref);
      });
    }

    it('normalises a row by hand: [1, 2, 3, 6] → mean 3, biased variance 3.5', async () => {
      await initBackend('wasm');
      const got = tf.tidy(() => layerNorm(tf.tensor2d([[1, 2, 3, 6]]), tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 0).dataSync());
      const s = Math.sqrt(3.5);
      expectClose(got, [-2 / s, -1 / s, 0, 3 / s], 1e-6, 'hand-computed');
    });

    it('rejects a gamma of the wrong length', () => {
      expect(() => layerNorm(tf.zeros([2, 4]), tf.ones([3]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D)).toThrow(/gamma and beta must be \[C\]/);
    });
  });

  describe('standardize (layerNorm without γ, β) on wasm matches the composite on cpu', () => {
    for (const [shape, eps] of [
      [[6, 8], 1e-5],
      [[2, 3, 2, 16], 1e-6],
      [[5, 3], 1e-5],
      [[2, 3, 97], 1e-5],
    ] as [number[], number][]) {
      it(`x ${JSON.stringify(shape)}, eps ${eps}`, async () => {
        const inputs = [{ shape, seed: 84 }];
        const ours = await valueAndGrads('wasm', (x) => standardize(x!, eps), inputs);
        const ref = await valueAndGrads('cpu', (x) => {
          const { mean, variance } = tf.moments(x!, -1, true);
          return tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, eps)));
        }, inputs);
        expectSameValueAndGrads(ours, ref);
      });
    }

    it('rejects a scalar', () => {
      expect(() => standardize(tf.scalar(1))).toThrow(/channel axis/);
    });
  });

  describe('layerNorm and standardize keep the tensor count flat', () => {
    it('over repeated forward + backward passes', async () => {
      await initBackend('wasm');
      const x = tf.tensor(Float32Array.from({ length: 4 * 7 }, (_, i) => Math.sin(i)), [4, 7]);
      const g = tf.ones([7]) as tf.Tensor1D;
      const b = tf.zeros([7]) as tf.Tensor1D;
      const pass = (): void =>
        tf.dispose(tf.grads((t: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(standardize(layerNorm(t, gg as tf.Tensor1D, bb as tf.Tensor1D)), t)))([x, g, b]));
      pass();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) pass();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g, b]);
    });
  });
});
