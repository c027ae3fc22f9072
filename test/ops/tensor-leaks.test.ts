import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import * as ops from '../../runtime/ops/index.ts';
import { seeded } from './backend-harness.ts';

// One forward + backward through every op; run repeatedly, the live tensor count must
// not grow (custom gradients save intermediates; they must be released with the tape).
describe('no tensor leaks', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`tf.memory().numTensors is flat across repeated fwd+bwd on ${backend}`, async () => {
      await initBackend(backend);
      const x = tf.tensor4d(seeded(2 * 4 * 4 * 6, 1), [2, 4, 4, 6]);
      const w3 = tf.tensor4d(seeded(9 * 6 * 6, 2), [3, 3, 6, 6]);
      const w3d = tf.tensor(seeded(27 * 6 * 6, 3), [3, 3, 3, 6, 6]);
      const wt = tf.tensor4d(seeded(4 * 6 * 6, 4), [2, 2, 6, 6]);
      const g = tf.ones([6]) as tf.Tensor1D;
      const b = tf.zeros([6]) as tf.Tensor1D;
      const oneHot = ops.oneHotMatrix(ops.relativePositionIndex2d(2, 2), 9);
      const table = tf.tensor2d(seeded(9 * 6, 5), [9, 6]);
      const params = [x, w3, w3d, wt, g, b, table];
      const step = () =>
        tf.tidy(() => {
          const grads = tf.grads((xx: tf.Tensor, c: tf.Tensor, c3: tf.Tensor, ct: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, tt: tf.Tensor) => {
            let y: tf.Tensor = ops.conv2d(xx as tf.Tensor4D, c as tf.Tensor4D, bb as tf.Tensor1D); // [2, 4, 4, 6]
            y = ops.conv3d(y as tf.Tensor4D, 2, c3, bb as tf.Tensor1D); // stride 1: [2, 4, 4, 6]
            const up = tf.mul(tf.ones([2, 2, 2, 6, 48]), 0.01); // [kd, kh, kw, Cout, Cin]
            y = ops.convTranspose3d(ops.spaceToDepth3d(y as tf.Tensor4D, 2, 2, 2, 2), up); // [1, 2, 2, 48] → [2, 4, 4, 6]
            y = ops.resizeBilinear(y as tf.Tensor4D, [4, 4]); // [2, 4, 4, 6]
            y = ops.conv3d(y as tf.Tensor4D, 2, c3, bb as tf.Tensor1D, { strides: [1, 2, 2] }); // [2, 2, 2, 6]
            y = ops.convTranspose2d(y as tf.Tensor4D, ct as tf.Tensor4D); // [2, 4, 4, 6]
            y = ops.gelu(ops.layerNorm(ops.roll(y, 1, 1), gg as tf.Tensor1D, bb as tf.Tensor1D));
            const win = ops.windowPartition2d(y as tf.Tensor4D, 2, 2); // [8, 4, 6]
            const att = ops.softmax(tf.add(ops.matmul(win, win, false, true), tf.reshape(tf.slice(tf.reshape(ops.oneHotGather(tt as tf.Tensor2D, oneHot), [4, 4, 6]), [0, 0, 0], [4, 4, 1]), [4, 4]))); // [8, 4, 4]
            return tf.sum(ops.linear(ops.matmul(att, win), tf.eye(6)));
          })(params);
          return grads.map((t) => tf.sum(t)).reduce((a, t) => tf.add(a, t)).dataSync()[0]!;
        });
      const first = step();
      expect(Number.isFinite(first)).toBe(true);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) expect(step()).toBeCloseTo(first, 4);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([...params, oneHot]);
    });
  }
});
