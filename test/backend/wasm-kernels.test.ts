import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';

/** A small deterministic generator for shapes and offsets. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

async function on<T>(backend: 'wasm' | 'cpu', f: () => T): Promise<T> {
  await initBackend(backend);
  return f();
}

// The wasm backend gets our Slice/SplitV (heap views, contiguous runs); the cpu
// backend keeps tfjs's. Exact equality over random slices of ranks 1–5.
describe('wasm Slice and SplitV replacements agree with cpu exactly', () => {
  it('200 random slices', async () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 200; trial++) {
      const rank = 1 + Math.floor(rnd() * 5);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(rnd() * 5));
      const begin = shape.map((d) => Math.floor(rnd() * d));
      const size = shape.map((d, i) => (rnd() < 0.3 ? -1 : Math.floor(rnd() * (d - begin[i]! + 1))));
      const data = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => i);
      const run = () => tf.tidy(() => Array.from(tf.slice(tf.tensor(data, shape), begin, size).dataSync()));
      const ours = await on('wasm', run);
      const ref = await on('cpu', run);
      expect(ours, `shape ${shape} begin ${begin} size ${size}`).toEqual(ref);
    }
  });

  it('int32 and bool slices', async () => {
    for (const dtype of ['int32', 'bool'] as const) {
      const run = () => tf.tidy(() => Array.from(tf.slice(tf.tensor([1, 0, 3, 0, 5, 6], [2, 3], dtype), [0, 1], [2, 2]).dataSync()));
      expect(await on('wasm', run)).toEqual(await on('cpu', run));
    }
  });

  it('split into sizes along each axis', async () => {
    const data = Float32Array.from({ length: 4 * 6 * 5 }, (_, i) => i);
    for (const [axis, sizes] of [[0, [1, 3]], [1, [2, -1, 1]], [2, 5], [-1, [4, 1]]] as [number, number | number[]][]) {
      const run = () => tf.tidy(() => tf.split(tf.tensor(data, [4, 6, 5]), sizes, axis).map((t) => [t.shape, Array.from(t.dataSync())]));
      expect(await on('wasm', run), `axis ${axis}`).toEqual(await on('cpu', run));
    }
  });
});
