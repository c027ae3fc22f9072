import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gelu } from '../../runtime/ops/gelu.ts';
import { expectClose, expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { FUSED_PATHS, useFusedKernels } from '../backend/fused-paths.ts';
import { erf64 } from './erf-reference.ts';

describe.each(FUSED_PATHS)('gelu on wasm: $label', ({ fused }) => {
  beforeAll(() => useFusedKernels(fused));
  afterAll(() => useFusedKernels(true));

  describe('gelu (exact, erf form)', () => {
    it('matches 0.5·x·(1 + erf(x/√2)) differentiated by tfjs on cpu, over [-4, 4)', async () => {
      const inputs = [{ shape: [3, 40], seed: 91 }];
      const ours = await valueAndGrads('wasm', (x) => gelu(tf.mul(x!, 4)), inputs);
      const ref = await valueAndGrads('cpu', (x) => {
        const z = tf.mul(x!, 4);
        return tf.mul(tf.mul(0.5, z), tf.add(1, tf.erf(tf.mul(z, Math.SQRT1_2))));
      }, inputs);
      expectSameValueAndGrads(ours, ref);
    });

    it('gives x·Φ(x) at known points (Φ(1) = 0.8413447, Φ(2) = 0.9772499)', async () => {
      await initBackend('wasm');
      const got = tf.tidy(() => gelu(tf.tensor1d([0, 1, -1, 2, -2])).dataSync());
      expectClose(got, [0, 0.8413447, -0.1586553, 2 * 0.9772499, -2 * (1 - 0.9772499)], 1e-5, 'known values');
    });

    it('has derivative Φ(x) + x·φ(x): 0.5 at 0 and 1.0833155 at 1', async () => {
      await initBackend('wasm');
      const d = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(gelu(x)))(tf.tensor1d([0, 1])).dataSync());
      expectClose(d, [0.5, 0.8413447 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI)], 1e-5, 'derivative');
    });
  });

  describe('gelu derivative over a wide range', () => {
    it('equals Φ(x) + x·φ(x) in float64 to 1e-6 for x in [-12, 12] (φ from e^z = σ(z)/(1−σ(z)))', async () => {
      await initBackend('wasm');
      const xs = Array.from({ length: 481 }, (_, i) => -12 + i * 0.05);
      const d = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(gelu(x)))(tf.tensor1d(xs)).dataSync());
      const expected = xs.map((x) => 0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI));
      expectClose(d, expected, 1e-6, 'derivative');
    });

    it('equals x·Φ(x) in float64 to 2e-7·max(1, |x|) for x in [−10, 10], ±0 kept, on every tail length', async () => {
      await initBackend('wasm');
      for (const n of [1, 2, 3, 5, 2001]) {
        const xs = Array.from({ length: n }, (_, i) => (n === 1 ? 0.7 : -10 + (20 * i) / (n - 1)));
        const y = tf.tidy(() => gelu(tf.tensor1d(xs)).dataSync());
        xs.forEach((x, i) => expect(Math.abs(y[i]! - x * 0.5 * (1 + erf64(x / Math.SQRT2))), `gelu(${x})`).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(x))));
      }
      const zeros = tf.tidy(() => Array.from(gelu(tf.tensor1d([0, -0])).dataSync()));
      expect(Object.is(zeros[0], 0) && Object.is(zeros[1], -0)).toBe(true);
    });

    it('matches the cpu composite on an odd-sized [3, 5, 7] map, values and gradient', async () => {
      const inputs = [{ shape: [3, 5, 7], seed: 92 }];
      const ours = await valueAndGrads('wasm', (x) => gelu(tf.mul(x!, 5)), inputs);
      const ref = await valueAndGrads('cpu', (x) => {
        const z = tf.mul(x!, 5);
        return tf.mul(tf.mul(0.5, z), tf.add(1, tf.erf(tf.mul(z, Math.SQRT1_2))));
      }, inputs);
      expectSameValueAndGrads(ours, ref);
    });

    it('keeps the tensor count flat over forward + backward passes', async () => {
      await initBackend('wasm');
      const x = tf.tensor2d([[-2, -0.5, 0, 0.5, 3]]);
      const pass = (): void => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x));
      pass();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) pass();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  });
});
