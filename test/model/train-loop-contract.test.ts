/**
 * The model meets the training loop's contract (`TrainableModel`): stable variable names,
 * `computeLosses(batches, step)` pure in the step (drop path is seeded by it), so a run
 * resumed from a checkpoint by a freshly built model reproduces the uninterrupted run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel, type SegmentationModel } from '../../runtime/model/build-model.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import { trainLoop, type Batches, type TrainableModel } from '../../runtime/train/train-loop.ts';
import type { TrainIR } from '../../schemas/run-ir.schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): SegmentationModel {
  return buildModel(
    { backbone: { ...BACKBONE_VARIANTS.swin_unet_tiny!, dropPath: 0.3 }, joint: 'v3', inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false },
    { crop: [8, 8], modalities: ['ct', 'mri'], seed: 8, loss: { seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.1, tau: 4 } } },
  );
}

const batchesFor = (step: number): Batches => ({
  ct: { x: tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 10 + step) as tf.Tensor4D, y: tf.randomUniform([2, 8, 8], 0, 3, 'int32', 20 + step) },
  mri: { x: tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 30 + step) as tf.Tensor4D, y: tf.randomUniform([2, 8, 8], 0, 3, 'int32', 40 + step) },
});

const train = (epochs: number): TrainIR => ({
  epochs, stepsPerEpoch: 2, batch: 2, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 1e-4 },
  schedule: { kind: 'constant' }, clipGradNorm: 1, seed: 8, checkpointEvery: 1, valEvery: 1,
});

it('resuming from a checkpoint with a freshly built model reproduces the uninterrupted loss curve', async () => {
  await initBackend('cpu');
  const a = model();
  const asTrainable: TrainableModel = a;
  const full = await trainLoop({ train: train(2), specHash: 'h', model: asTrainable, batchesFor, stepsPerEpoch: 2 });
  a.dispose();

  const ckpt = join(dir, 'ckpt');
  const b = model();
  await trainLoop({ train: train(1), specHash: 'h', model: b, batchesFor, stepsPerEpoch: 2, checkpointDir: ckpt });
  b.dispose();
  const c = model();
  const resumed = await trainLoop({ train: train(2), specHash: 'h', model: c, batchesFor, stepsPerEpoch: 2, checkpointDir: ckpt });
  c.dispose();

  expect(resumed.resumedFrom).toBe(2);
  expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
  expect(new Set(full.history.map((h) => h.loss)).size).toBe(4);
});
