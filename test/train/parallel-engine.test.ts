/**
 * The parallel trainer (one worker thread per modality, `runtime/train/parallel/`) against
 * the serial one on the same tiny Joint V3 model with EAMs and both pair terms: the same
 * loss curve and parameters (to float rounding), checkpoints that resume in either mode,
 * the non-finite guard, a failing worker reported with its modality (and no hang), and a
 * flat tensor count on the main thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel, type BuildModelOptions } from '../../runtime/model/build-model.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import { NonFiniteLossError } from '../../runtime/train/non-finite-guard.ts';
import { ParallelEngine, type ParallelTraining } from '../../runtime/train/parallel/parallel-engine.ts';
import { trainLoop, type Batches, type TrainResult } from '../../runtime/train/train-loop.ts';
import type { LossIR, ModelIR, TrainIR } from '../../schemas/run-ir.schema.ts';

const loss: LossIR = { seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.3 }, icr: { weight: 0.2, tau: 2 } };
const modelIR: ModelIR = { backbone: { ...BACKBONE_VARIANTS.swin_unet_tiny!, dropPath: 0.1 }, joint: 'v3', inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false };
const build: BuildModelOptions = { crop: [16, 16], modalities: ['ct', 'mri'], seed: 7, loss };
const sgd: TrainIR = {
  epochs: 2, stepsPerEpoch: 2, batch: 2,
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 1e-4 },
  schedule: { kind: 'poly', power: 0.9 }, clipGradNorm: 1, seed: 7, checkpointEvery: 1, valEvery: 1,
};
const adamw: TrainIR = { ...sgd, optimizer: { kind: 'adamw', lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 }, clipGradNorm: null };

function batchesFor(step: number, scale = 1): Batches {
  const make = (seed: number) => ({
    x: tf.tidy(() => tf.mul(tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', seed + 10 * step), scale)) as tf.Tensor4D,
    y: tf.randomUniform([2, 16, 16], 0, 3, 'int32', seed + 10 * step + 1),
  });
  return { ct: make(1), mri: make(2) };
}

const parallel = (workers = 2): ParallelTraining => ({ model: modelIR, build, backend: 'cpu', workers });

interface Trained {
  result: TrainResult;
  losses: Array<Record<string, number>>;
  params: Map<string, Float32Array>;
}

async function train(ir: TrainIR, mode: ParallelTraining | undefined, extra: Partial<Parameters<typeof trainLoop>[0]> = {}): Promise<Trained> {
  const model = buildModel(modelIR, build);
  const losses: Array<Record<string, number>> = [];
  try {
    const result = await trainLoop({ train: ir, specHash: 'p'.repeat(64), model, batchesFor: (s) => batchesFor(s), stepsPerEpoch: ir.stepsPerEpoch!, parallel: mode, onStep: (r) => void losses.push(r.terms), ...extra });
    return { result, losses, params: new Map(model.trainableVariables.map((v) => [v.name, v.dataSync() as Float32Array])) };
  } finally {
    model.dispose();
  }
}

function expectSameParams(a: Map<string, Float32Array>, b: Map<string, Float32Array>, tol: number): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, va] of a) {
    const vb = b.get(name)!;
    for (let i = 0; i < va.length; i++) {
      if (Math.abs(va[i]! - vb[i]!) > tol * Math.max(1, Math.abs(va[i]!))) throw new Error(`${name}[${i}]: ${va[i]} vs ${vb[i]}`);
    }
  }
}

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'ablate-parallel-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parallel trainer', () => {
  for (const [name, ir] of [['SGD + momentum + clipping', sgd], ['AdamW', adamw]] as const) {
    it(`trains like the serial trainer (${name})`, async () => {
      const serial = await train(ir, undefined);
      const par = await train(ir, parallel());
      expect(par.losses.map((t) => Object.keys(t).sort())).toEqual(serial.losses.map((t) => Object.keys(t).sort()));
      expect(Object.keys(par.losses[0]!).sort()).toEqual(['aux/ct', 'aux/mri', 'icr', 'mcr', 'seg/ct', 'seg/mri', 'total']);
      par.losses.forEach((terms, s) => {
        for (const [k, v] of Object.entries(terms)) expect(v, `step ${s} ${k}`).toBeCloseTo(serial.losses[s]![k]!, 4);
      });
      // the loss moved: the steps were real updates
      expect(par.losses.at(-1)!.total).not.toBeCloseTo(par.losses[0]!.total, 4);
      expectSameParams(par.params, serial.params, 1e-4);
    }, 60_000);
  }

  it('trains three modalities on two workers (one worker owns two) like the serial trainer', async () => {
    const build3: BuildModelOptions = { ...build, modalities: ['ct', 'mri', 'pet'] };
    const batches3 = (s: number): Batches => {
      const [a, b] = [batchesFor(s), batchesFor(s + 100)];
      tf.dispose([b.mri!.x, b.mri!.y]);
      return { ...a, pet: b.ct! };
    };
    const run = async (mode: ParallelTraining | undefined) => {
      const model = buildModel(modelIR, build3);
      const losses: Array<Record<string, number>> = [];
      try {
        await trainLoop({ train: sgd, specHash: '3'.repeat(64), model, batchesFor: batches3, stepsPerEpoch: 2, parallel: mode, onStep: (r) => void losses.push(r.terms) });
        return { losses, params: new Map(model.trainableVariables.map((v) => [v.name, v.dataSync() as Float32Array])) };
      } finally {
        model.dispose();
      }
    };
    const serial = await run(undefined);
    const par = await run({ model: modelIR, build: build3, backend: 'cpu', workers: 2 });
    expect(Object.keys(par.losses[0]!).sort()).toEqual(['aux/ct', 'aux/mri', 'aux/pet', 'icr', 'mcr', 'seg/ct', 'seg/mri', 'seg/pet', 'total']);
    par.losses.forEach((terms, s) => {
      for (const [k, v] of Object.entries(terms)) expect(v, `step ${s} ${k}`).toBeCloseTo(serial.losses[s]![k]!, 4);
    });
    expectSameParams(par.params, serial.params, 1e-4);
  }, 60_000);

  it('trains a model without EAMs, class embeddings or pair terms (separate networks) like the serial trainer', async () => {
    const plainIR: ModelIR = { ...modelIR, joint: 'separate', eam: null, classEmbedding: false };
    const plain: BuildModelOptions = { ...build, loss: { seg: { ce: 1, dice: 1 }, aux: null, mcr: null, icr: null } };
    const run = async (mode: ParallelTraining | undefined) => {
      const model = buildModel(plainIR, plain);
      const losses: Array<Record<string, number>> = [];
      try {
        await trainLoop({ train: adamw, specHash: 's'.repeat(64), model, batchesFor: (s) => batchesFor(s), stepsPerEpoch: 2, parallel: mode, onStep: (r) => void losses.push(r.terms) });
        return losses;
      } finally {
        model.dispose();
      }
    };
    const serial = await run(undefined);
    const par = await run({ model: plainIR, build: plain, backend: 'cpu', workers: 2 });
    expect(Object.keys(par[0]!).sort()).toEqual(['seg/ct', 'seg/mri', 'total']);
    par.forEach((terms, s) => {
      for (const [k, v] of Object.entries(terms)) expect(v, `step ${s} ${k}`).toBeCloseTo(serial[s]![k]!, 4);
    });
  }, 60_000);

  it('is deterministic: the same run twice gives bit-identical losses and parameters', async () => {
    const [a, b] = [await train(adamw, parallel()), await train(adamw, parallel())];
    expect(b.losses).toEqual(a.losses);
    for (const [name, v] of a.params) expect(Array.from(b.params.get(name)!), name).toEqual(Array.from(v));
  }, 60_000);

  it('keeps the tensor count flat on the main thread and in each worker', async () => {
    const counts: number[] = [];
    const workers: number[][] = [];
    await train(sgd, parallel(), { onStep: (r) => { counts.push(tf.memory().numTensors); workers.push(r.workerTensors!); } });
    expect(counts, JSON.stringify(counts)).toEqual(counts.map(() => counts[0]));
    expect(workers[0]).toHaveLength(2);
    expect(workers, JSON.stringify(workers)).toEqual(workers.map(() => workers[0]));
  }, 60_000);

  it('writes checkpoints the serial trainer resumes from, and the other way round', async () => {
    const whole = await train(sgd, undefined);
    for (const [first, second] of [[parallel(), undefined], [undefined, parallel()]] as const) {
      const ckpt = path.join(dir, `ckpt-${first ? 'p' : 's'}`);
      const controller = new AbortController();
      // interrupted after step 2 (end of epoch 1), then resumed in the other mode
      await expect(train(sgd, first, { checkpointDir: ckpt, signal: controller.signal, onStep: (r) => { if (r.step === 2) controller.abort(); } })).rejects.toThrow(/interrupted after step 2/);
      const resumed = await train(sgd, second, { checkpointDir: ckpt });
      expect(resumed.result.resumedFrom).toBe(2);
      expectSameParams(resumed.params, whole.params, 1e-4);
    }
  }, 120_000);

  it('stops on a non-finite loss, naming the term, before any update', async () => {
    const model = buildModel(modelIR, build);
    const before = model.trainableVariables.map((v) => v.dataSync().slice());
    try {
      await expect(
        trainLoop({ train: sgd, specHash: 'n'.repeat(64), model, batchesFor: (s) => batchesFor(s, Number.NaN), stepsPerEpoch: 2, parallel: parallel() }),
      ).rejects.toThrow(NonFiniteLossError);
      model.trainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i]!)));
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('reports a failing worker with its modality and the cause, and does not hang', async () => {
    const model = buildModel(modelIR, build);
    const bad = (s: number): Batches => {
      const b = batchesFor(s);
      tf.dispose([b.mri.x]);
      return { ...b, mri: { ...b.mri, x: tf.zeros([2, 16, 16, 2]) as tf.Tensor4D } }; // 2 channels, the model takes 1
    };
    try {
      const error = await trainLoop({ train: sgd, specHash: 'f'.repeat(64), model, batchesFor: bad, stepsPerEpoch: 2, parallel: parallel() }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^training worker 1 \(mri\): linear: x \[2, 16, 16, 2\]/);
    } finally {
      model.dispose();
    }
  }, 60_000);

  it('fails the step, without waiting for the exchange timeout, when a worker dies mid-step', async () => {
    const model = buildModel(modelIR, build);
    const engine = await ParallelEngine.start(model.trainableVariables, sgd, parallel());
    try {
      const batches = batchesFor(0);
      const step = engine.step(batches, 0, 0.01, () => undefined);
      // the CT worker dies (as on a wasm abort) and cannot raise the abort flag itself
      await (engine as unknown as { handles: Array<{ worker: { terminate(): Promise<number> } }> }).handles[0]!.worker.terminate();
      const started = Date.now();
      await expect(step).rejects.toThrow(/^training worker 0 \(ct\): exited with code/);
      expect(Date.now() - started).toBeLessThan(10_000);
      tf.dispose([batches.ct.x, batches.ct.y, batches.mri.x, batches.mri.y]);
    } finally {
      await engine.dispose();
      model.dispose();
    }
  }, 60_000);
});
