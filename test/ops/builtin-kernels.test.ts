/**
 * tfjs built-ins that model code may call directly (no wrapper in runtime/ops): their
 * values and gradients on wasm agree with cpu. Ops that do NOT (conv2d/conv3d/gather/
 * maxPool gradients) are replaced in runtime/ops and listed in its README.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';

const cases: { name: string; shapes: number[][]; f: (...x: tf.Tensor[]) => tf.Tensor }[] = [
  // square only: the cpu backend's ResizeBilinearGrad swaps H and W; half-pixel centres
  // have a wrong gradient everywhere (use ops.resizeBilinear)
  { name: 'resizeBilinear ×2 (align corners, square)', shapes: [[2, 3, 3, 2]], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 6], true) },
  { name: 'resizeNearestNeighbor ×2', shapes: [[1, 3, 4, 2]], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 8]) },
  { name: 'avgPool 2×2', shapes: [[1, 4, 6, 3]], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'mean / sum over axes', shapes: [[2, 3, 4, 5]], f: (x) => tf.add(tf.mean(x!, [1, 2]), tf.sum(x!, [1, 2])) },
  { name: 'relu, sigmoid, tanh, exp, log(1+x²)', shapes: [[3, 7]], f: (x) => tf.addN([tf.relu(x!), tf.sigmoid(x!), tf.tanh(x!), tf.exp(x!), tf.log1p(tf.square(x!))]) },
  { name: 'cosine similarity (L_mcr pieces)', shapes: [[4, 6], [4, 6]], f: (a, b) => tf.div(tf.sum(tf.mul(a!, b!), -1), tf.mul(tf.norm(a!, 'euclidean', -1), tf.norm(b!, 'euclidean', -1))) },
  { name: 'broadcast mul / div / sub / maximum', shapes: [[2, 3, 4], [4]], f: (a, b) => tf.maximum(tf.div(tf.sub(tf.mul(a!, b!), b!), tf.add(tf.abs(b!), 1)), -0.2) },
  { name: 'concat / split / pad / tile / transpose rank 4', shapes: [[2, 3, 4, 2]], f: (x) => tf.concat([tf.pad(tf.split(x!, 2, 2)[1]!, [[0, 0], [1, 0], [0, 1], [0, 0]]), tf.tile(tf.transpose(x!, [0, 2, 1, 3]), [1, 1, 1, 2])], 3) },
  { name: 'clipByValue, where with a constant mask', shapes: [[3, 5]], f: (x) => tf.where(tf.tensor2d(Array.from({ length: 15 }, (_, i) => i % 3 === 0), [3, 5], 'bool'), tf.clipByValue(x!, -0.5, 0.5), tf.square(x!)) },
];

describe('tfjs built-ins used directly by the models: wasm agrees with cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const inputs = c.shapes.map((shape, i) => ({ shape, seed: 300 + i }));
      expectSameValueAndGrads(await valueAndGrads('wasm', c.f, inputs), await valueAndGrads('cpu', c.f, inputs));
    });
  }
});
