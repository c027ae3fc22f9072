import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { oneHotGather, oneHotMatrix } from '../../runtime/ops/one-hot-gather.ts';
import { relativePositionIndex2d, relativePositionIndex3d, relativePositionTableSize2d, relativePositionTableSize3d } from '../../runtime/ops/relative-position-index.ts';
import { expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';

describe('oneHotGather on wasm matches tf.gather on cpu (whose gradient exists there)', () => {
  it('gathers rows with repeats; the table gradient sums repeated rows', async () => {
    const idx = [3, 0, 3, 5, 1, 3, 2];
    const inputs = [{ shape: [6, 4], seed: 111 }];
    const ours = await valueAndGrads('wasm', (t) => oneHotGather(t as tf.Tensor2D, oneHotMatrix(idx, 6)), inputs);
    const ref = await valueAndGrads('cpu', (t) => tf.gather(t!, tf.tensor1d(idx, 'int32')), inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('looks up a Swin relative position bias table (window 3, 2 heads)', async () => {
    const idx = relativePositionIndex2d(3, 3);
    const T = relativePositionTableSize2d(3, 3);
    const inputs = [{ shape: [T, 2], seed: 112 }];
    const ours = await valueAndGrads('wasm', (t) => oneHotGather(t as tf.Tensor2D, oneHotMatrix(idx, T)), inputs);
    const ref = await valueAndGrads('cpu', (t) => tf.gather(t!, tf.tensor1d(Array.from(idx), 'int32')), inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('rejects an out-of-range index, naming its position', () => {
    expect(() => oneHotMatrix([0, 4], 4)).toThrow(OpShapeError);
    expect(() => oneHotMatrix([0, 4], 4)).toThrow(/index 4 at position 1/);
  });
});

describe('relativePositionIndex', () => {
  it('2×2 window: hand-computed table', () => {
    // token order (0,0) (0,1) (1,0) (1,1); index = (dy+1)*3 + (dx+1)
    expect(Array.from(relativePositionIndex2d(2, 2))).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
  });

  it('7×7 window: every offset has its own row, diagonal is the centre, every row used', () => {
    const idx = relativePositionIndex2d(7, 7);
    const T = relativePositionTableSize2d(7, 7);
    expect(T).toBe(169);
    const N = 49;
    expect(new Set(idx).size).toBe(T);
    for (let i = 0; i < N; i++) {
      expect(idx[i * N + i]).toBe(84); // (6)*13 + 6
      for (let j = 0; j < N; j++) expect(idx[i * N + j]! + idx[j * N + i]!).toBe(168); // (dy,dx) ↔ (-dy,-dx)
    }
  });

  it('3D 2×3×2 window: offsets map one-to-one onto the table rows', () => {
    const [wd, wh, ww] = [2, 3, 2];
    const idx = relativePositionIndex3d(wd, wh, ww);
    const T = relativePositionTableSize3d(wd, wh, ww);
    expect(T).toBe(3 * 5 * 3);
    expect(new Set(idx).size).toBe(T);
    // token 0 = (0,0,0), token N-1 = (1,2,1): offset (-1,-2,-1) → row 0, and the reverse → last row
    const N = wd * wh * ww;
    expect(idx[0 * N + (N - 1)]).toBe(0);
    expect(idx[(N - 1) * N + 0]).toBe(T - 1);
  });
});

describe('oneHotGather with the transposed one-hot given', () => {
  it('gives the same value and table gradient as tf.gather on cpu', async () => {
    const idx = relativePositionIndex3d(2, 3, 2);
    const T = relativePositionTableSize3d(2, 3, 2);
    const inputs = [{ shape: [T, 3], seed: 113 }];
    const ours = await valueAndGrads('wasm', (t) => {
      const oneHot = oneHotMatrix(idx, T);
      return oneHotGather(t as tf.Tensor2D, oneHot, tf.transpose(oneHot) as tf.Tensor2D);
    }, inputs);
    const ref = await valueAndGrads('cpu', (t) => tf.gather(t!, tf.tensor1d(Array.from(idx), 'int32')), inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('rejects a oneHotT that is not the transpose', () => {
    const oneHot = oneHotMatrix([0, 1, 2], 4);
    expect(() => oneHotGather(tf.zeros([4, 2]) as tf.Tensor2D, oneHot, oneHot)).toThrow(/transpose of oneHot/);
  });
});
