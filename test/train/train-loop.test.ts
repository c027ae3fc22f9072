import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainIR } from '../../schemas/run-ir.schema.ts';
import { trainLoop, TrainingInterrupted, type Batches, type TrainableModel } from '../../runtime/train/train-loop.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

/** A per-pixel softmax classifier on two "modalities": enough to exercise the loop. */
function toyModel(tag: string, scale = 1): TrainableModel & { w: tf.Variable } {
  const w = tf.variable(tf.tensor2d([[0.1, -0.2], [0.05, 0.3]]), true, `${tag}/w`);
  const b = tf.variable(tf.zeros([2]), true, `${tag}/b`);
  return {
    w,
    trainableVariables: [w, b],
    computeLosses(batches: Batches) {
      const terms: Record<string, tf.Scalar> = {};
      for (const [m, { x, y }] of Object.entries(batches)) {
        const [B, H, W, C] = x.shape;
        const logits = tf.add(tf.matMul(tf.reshape(x, [B * H * W, C]), w), b);
        const onehot = tf.oneHot(tf.reshape(y, [-1]) as tf.Tensor1D, 2);
        terms[`seg/${m}`] = tf.mul(tf.losses.softmaxCrossEntropy(onehot, logits), scale) as tf.Scalar;
      }
      return { total: tf.addN(Object.values(terms)) as tf.Scalar, terms };
    },
  };
}

/** Deterministic batches: the label is 1 where channel 0 exceeds channel 1. */
function batchesFor(step: number): Batches {
  const make = (offset: number) => {
    const values = Float32Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => Math.sin(1.7 * i + 0.3 * step + offset));
    const labels = Int32Array.from({ length: 2 * 4 * 4 }, (_, i) => (values[2 * i]! > values[2 * i + 1]! ? 1 : 0));
    return { x: tf.tensor4d(values, [2, 4, 4, 2]), y: tf.tensor3d(labels, [2, 4, 4], 'int32') };
  };
  return { ct: make(0), mri: make(11) };
}

const train: TrainIR = {
  epochs: 3, stepsPerEpoch: 4, batch: 2,
  optimizer: { kind: 'sgd', lr: 0.5, momentum: 0.9, nesterov: false, weightDecay: 0 },
  schedule: { kind: 'poly', power: 0.9 }, clipGradNorm: 5, seed: 1, checkpointEvery: 1, valEvery: 1,
};
const hash = 'c'.repeat(64);

describe('training loop', () => {
  it('lowers the loss, keeps the tensor count flat and reports every term', async () => {
    const model = toyModel('flat');
    const counts: number[] = [];
    const reports: Array<Record<string, number>> = [];
    const result = await trainLoop({
      train, specHash: hash, model, batchesFor, stepsPerEpoch: 4,
      onStep: (r) => {
        counts.push(tf.memory().numTensors);
        reports.push(r.terms);
      },
    });
    expect(result.steps).toBe(12);
    expect(Object.keys(reports[0]!).sort()).toEqual(['seg/ct', 'seg/mri', 'total']);
    expect(result.history.at(-1)!.loss).toBeLessThan(result.history[0]!.loss * 0.7);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('resumes from the checkpoint of an interrupted run and ends where an uninterrupted run ends', async () => {
    const reference = toyModel('ref');
    await trainLoop({ train, specHash: hash, model: reference, batchesFor, stepsPerEpoch: 4 });

    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'ablate-loop-')), 'checkpoint');
    const controller = new AbortController();
    const first = toyModel('killed');
    await expect(
      trainLoop({
        train, specHash: hash, model: first, batchesFor, stepsPerEpoch: 4, checkpointDir: dir, signal: controller.signal,
        onStep: (r) => {
          if (r.step === 5) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(TrainingInterrupted);

    tf.dispose(first.trainableVariables);
    const resumed = toyModel('killed'); // same variable names, fresh values
    const result = await trainLoop({ train, specHash: hash, model: resumed, batchesFor, stepsPerEpoch: 4, checkpointDir: dir });
    expect(result.resumedFrom).toBe(5);
    expect(Array.from(resumed.w.dataSync())).toEqual(Array.from(reference.w.dataSync()));
  });

  it('stops on a non-finite loss, naming the term and the line that configured it', async () => {
    const model = toyModel('nan', Number.NaN);
    await expect(
      trainLoop({ train, specHash: hash, model, batchesFor, stepsPerEpoch: 4, locate: () => 'exp.abl:9:5' }),
    ).rejects.toThrow("loss term 'seg/ct' became NaN at step 0 (configured at exp.abl:9:5)");
  });
});
