import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { conv2d } from '../../runtime/ops/conv2d.ts';
import type { ConvPadding } from '../../runtime/ops/conv-geometry.ts';
import { expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';

// Reference: tf.conv2d on the cpu backend, which has Conv2DBackpropFilter/Input.
const cases: { name: string; x: number[]; k: number[]; strides: number | [number, number]; padding: ConvPadding }[] = [
  { name: '3×3 same stride 1', x: [2, 7, 6, 3], k: [3, 3, 3, 4], strides: 1, padding: 'same' },
  { name: '3×3 valid stride 1', x: [1, 7, 6, 3], k: [3, 3, 3, 4], strides: 1, padding: 'valid' },
  { name: '3×3 same stride 2 (odd size)', x: [2, 7, 9, 2], k: [3, 3, 2, 3], strides: 2, padding: 'same' },
  { name: '3×2 valid stride [2,1]', x: [1, 8, 7, 2], k: [3, 2, 2, 3], strides: [2, 1], padding: 'valid' },
  { name: '5×5 same stride 3', x: [1, 10, 11, 2], k: [5, 5, 2, 2], strides: 3, padding: 'same' },
  { name: '2×2 same stride 1 (asymmetric padding)', x: [1, 5, 6, 2], k: [2, 2, 2, 3], strides: 1, padding: 'same' },
  { name: '4×3 same stride 1', x: [2, 6, 5, 2], k: [4, 3, 2, 2], strides: 1, padding: 'same' },
  { name: '1×1', x: [2, 5, 4, 3], k: [1, 1, 3, 5], strides: 1, padding: 'same' },
  { name: '1×1 stride 2', x: [1, 5, 4, 3], k: [1, 1, 3, 2], strides: 2, padding: 'valid' },
  { name: '4×4 stride 4 (patch embed)', x: [2, 8, 12, 3], k: [4, 4, 3, 5], strides: 4, padding: 'valid' },
  { name: '2×2 stride 2 same, odd size', x: [1, 5, 7, 3], k: [2, 2, 3, 4], strides: 2, padding: 'same' },
];

describe('conv2d on wasm matches tf.conv2d on cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const inputs = [
        { shape: c.x, seed: 1 },
        { shape: c.k, seed: 2 },
        { shape: [c.k[3]!], seed: 3 },
      ];
      const opts = { strides: c.strides, padding: c.padding };
      const ours = await valueAndGrads('wasm', (x, w, b) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, opts), inputs);
      const ref = await valueAndGrads('cpu', (x, w, b) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.padding), b!), inputs);
      expectSameValueAndGrads(ours, ref);
    });
  }
});
