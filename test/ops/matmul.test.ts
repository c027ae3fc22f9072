import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { linear, matmul } from '../../runtime/ops/matmul.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';
import { expectSameValueAndGrads, valueAndGrads } from './backend-harness.ts';

// Reference: tf.matMul on cpu with tfjs's built-in BatchMatMul gradient.
describe('matmul on wasm matches tf.matMul on cpu', () => {
  const cases: { name: string; a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
    { name: 'rank 2', a: [5, 7], b: [7, 3] },
    { name: 'rank 3', a: [4, 5, 7], b: [4, 7, 6] },
    { name: 'rank 4 (windows × heads)', a: [2, 3, 5, 4], b: [2, 3, 4, 5] },
    { name: 'rank 3 with shared rank-2 weight', a: [3, 5, 7], b: [7, 2] },
    { name: 'rank 3 with batch 1', a: [1, 5, 7], b: [1, 7, 3] },
    { name: 'rank 3, shared weight, transposeB', a: [2, 5, 7], b: [3, 7], tb: true },
    { name: 'transposeB (q kᵀ)', a: [3, 6, 4], b: [3, 6, 4], tb: true },
    { name: 'transposeA', a: [7, 5], b: [7, 3], ta: true },
    { name: 'both transposed, rank 4', a: [2, 2, 4, 5], b: [2, 2, 3, 4], ta: true, tb: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const inputs = [
        { shape: c.a, seed: 11 },
        { shape: c.b, seed: 12 },
      ];
      const ours = await valueAndGrads('wasm', (a, b) => matmul(a!, b!, c.ta, c.tb), inputs);
      // tfjs's own BatchMatMul gradient fails for a rank-2 b broadcast over a batch
      // ("gradient of input 'b' has shape 3,7,2"), so that reference flattens a first.
      const ref = await valueAndGrads(
        'cpu',
        (a, b) =>
          b!.rank === 2 && a!.rank > 2
            ? tf.reshape(tf.matMul(tf.reshape(a!, [-1, a!.shape[a!.rank - 1]!]), b!, false, c.tb), [...a!.shape.slice(0, -1), b!.shape[c.tb ? 0 : 1]!])
            : tf.matMul(a!, b!, c.ta, c.tb),
        inputs,
      );
      expectSameValueAndGrads(ours, ref);
    });
  }

  it('rejects mismatched inner sizes with the shapes in the message', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([4, 5]);
    expect(() => matmul(a, b)).toThrow(OpShapeError);
    expect(() => matmul(a, b)).toThrow(/\[2, 3\] @ \[4, 5\]/);
  });

  it('rejects different batch dims', () => {
    expect(() => matmul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5]))).toThrow(/batch dims differ/);
  });
});

describe('linear on wasm matches matMul + bias on cpu', () => {
  const shapes = [[6, 4], [2, 5, 4], [2, 3, 3, 4], [4]];
  for (const shape of shapes) {
    it(`x ${JSON.stringify(shape)} with bias`, async () => {
      const inputs = [
        { shape, seed: 21 },
        { shape: [4, 3], seed: 22 },
        { shape: [3], seed: 23 },
      ];
      const ours = await valueAndGrads('wasm', (x, w, b) => linear(x!, w!, b), inputs);
      const ref = await valueAndGrads('cpu', (x, w, b) => tf.add(tf.reshape(tf.matMul(tf.reshape(x!, [-1, 4]), w!), [...shape.slice(0, -1), 3]), b!), inputs);
      expectSameValueAndGrads(ours, ref);
    });
  }

  it('without bias', async () => {
    const inputs = [
      { shape: [2, 5, 4], seed: 31 },
      { shape: [4, 6], seed: 32 },
    ];
    const ours = await valueAndGrads('wasm', (x, w) => linear(x!, w!), inputs);
    const ref = await valueAndGrads('cpu', (x, w) => tf.reshape(tf.matMul(tf.reshape(x!, [-1, 4]), w!), [2, 5, 6]), inputs);
    expectSameValueAndGrads(ours, ref);
  });

  it('rejects a weight whose rows differ from the channels', () => {
    expect(() => linear(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(/w must be \[Cin, Cout\]/);
  });
});
