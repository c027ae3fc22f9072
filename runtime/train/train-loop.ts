/**
 * The training loop (paper §2.3): every step takes one batch per modality (unpaired: the
 * CT and MRI batches are drawn independently), computes eq. (12)'s total loss and each
 * term, and updates every parameter the loss reaches.
 *
 * The loop knows nothing of datasets or model internals: it is given a `TrainableModel`
 * (forward + losses), a batch source and callbacks. What it owns: the schedule, gradient
 * clipping, the non-finite guard, checkpoints (resume mid-run, bit-identical on the same
 * backend), interruption (Ctrl-C / SIGTERM via an AbortSignal: checkpoint, then stop) and
 * keeping the tfjs tensor count flat across steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainIR } from '../../schemas/run-ir.schema.ts';
import { loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.ts';
import { clipByGlobalNorm } from './clip-gradients.ts';
import { assertFiniteLosses } from './non-finite-guard.ts';
import { createOptimizer, type Optimizer } from './optimizer.ts';
import { learningRate } from './schedule.ts';

/** One modality's batch: images channels-last and integer class maps. */
export interface ModalityBatch {
  x: tf.Tensor4D;
  y: tf.Tensor;
}

/** modality → batch. */
export type Batches = Record<string, ModalityBatch>;

export interface TrainableModel {
  /** Every trainable variable; names must be unique and stable across runs of the same IR. */
  readonly trainableVariables: tf.Variable[];
  /**
   * Forward pass in training mode and eq. (12). Called inside `tf.variableGrads`; returns
   * the scalar total and each named term (`seg/ct`, `aux/mri`, `mcr`, `icr`, …) for logging.
   */
  computeLosses(batches: Batches, step: number): { total: tf.Scalar; terms: Record<string, tf.Scalar> };
}

export interface StepReport {
  step: number;
  epoch: number;
  stepInEpoch: number;
  lr: number;
  loss: number;
  terms: Record<string, number>;
  gradNorm: number | null;
  /** Seconds the step took. */
  seconds: number;
}

export interface TrainLoopOptions {
  train: TrainIR;
  specHash: string;
  model: TrainableModel;
  /** Builds the batches of optimisation step `step` (0-based); must be deterministic in `step`. */
  batchesFor(step: number): Batches | Promise<Batches>;
  stepsPerEpoch: number;
  /** Folder for the run's last checkpoint; resumed from when it holds one for the same spec hash. */
  checkpointDir?: string;
  /** Maps a Run IR path (`loss.icr`) to `file:line:col`, for error messages. */
  locate?: (irPath: string) => string | undefined;
  /** Aborting saves a checkpoint at the end of the current step and stops with `TrainingInterrupted`. */
  signal?: AbortSignal;
  onStep?(report: StepReport): void | Promise<void>;
  /** After each epoch (1-based count of completed epochs): validation, logging. */
  onEpoch?(epoch: number): void | Promise<void>;
}

export class TrainingInterrupted extends Error {
  constructor(readonly step: number, readonly checkpointDir: string | undefined) {
    super(`training interrupted after step ${step}` + (checkpointDir ? `; checkpoint saved in ${checkpointDir}` : ''));
    this.name = 'TrainingInterrupted';
  }
}

export interface TrainResult {
  steps: number;
  /** Step the run resumed from (0 for a fresh start). */
  resumedFrom: number;
  history: Array<{ step: number; loss: number }>;
}

export async function trainLoop(opts: TrainLoopOptions): Promise<TrainResult> {
  const { train, model, stepsPerEpoch } = opts;
  const variables = model.trainableVariables;
  const totalSteps = train.epochs * stepsPerEpoch;
  const optimizer: Optimizer = createOptimizer(train.optimizer, variables);
  let step = 0;
  let history: TrainResult['history'] = [];

  if (opts.checkpointDir) {
    const ckpt = await loadCheckpoint(opts.checkpointDir);
    if (ckpt && ckpt.meta.specHash === opts.specHash) {
      restoreVariables(opts.checkpointDir, variables, ckpt.model);
      optimizer.setState(ckpt.optimizer);
      for (const t of ckpt.model.values()) t.dispose();
      for (const t of ckpt.optimizer.slots.values()) t.dispose();
      step = ckpt.meta.step;
      history = (ckpt.meta.extra.history as TrainResult['history'] | undefined) ?? [];
    }
  }
  const resumedFrom = step;

  const save = async () => {
    if (!opts.checkpointDir) return;
    const state = optimizer.getState();
    try {
      await saveCheckpoint(opts.checkpointDir, variables, state, {
        specHash: opts.specHash,
        step,
        epoch: Math.floor(step / stepsPerEpoch),
        extra: { history },
      });
    } finally {
      for (const t of state.slots.values()) t.dispose();
    }
  };

  try {
    while (step < totalSteps) {
      const started = performance.now();
      const lr = learningRate(train.schedule, step, { baseLr: train.optimizer.lr, totalSteps, stepsPerEpoch });
      const batches = await opts.batchesFor(step);
      let termTensors: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = model.computeLosses(batches, step);
        termTensors = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, tf.keep(t)]));
        return out.total;
      }, variables);
      for (const b of Object.values(batches)) {
        b.x.dispose();
        b.y.dispose();
      }
      const loss = (await value.data())[0]!;
      const terms: Record<string, number> = { total: loss };
      for (const [k, t] of Object.entries(termTensors)) {
        terms[k] = (await t.data())[0]!;
        t.dispose();
      }
      value.dispose();
      try {
        assertFiniteLosses(terms, step, opts.locate);
      } catch (error) {
        tf.dispose(grads);
        throw error;
      }
      let gradNorm: number | null = null;
      let applied = grads as Record<string, tf.Tensor>;
      if (train.clipGradNorm !== null) {
        const clipped = clipByGlobalNorm(grads, train.clipGradNorm);
        tf.dispose(grads);
        applied = clipped.grads;
        gradNorm = clipped.norm;
      }
      optimizer.apply(applied, lr);
      tf.dispose(applied);
      step += 1;
      history.push({ step, loss });
      await opts.onStep?.({
        step,
        epoch: Math.floor((step - 1) / stepsPerEpoch),
        stepInEpoch: (step - 1) % stepsPerEpoch,
        lr,
        loss,
        terms,
        gradNorm,
        seconds: (performance.now() - started) / 1000,
      });
      const epochDone = step % stepsPerEpoch === 0;
      if (epochDone) {
        const epoch = step / stepsPerEpoch;
        if (epoch % train.checkpointEvery === 0 || step === totalSteps) await save();
        await opts.onEpoch?.(epoch);
      }
      if (opts.signal?.aborted && step < totalSteps) {
        await save();
        throw new TrainingInterrupted(step, opts.checkpointDir);
      }
    }
  } finally {
    optimizer.dispose();
  }
  return { steps: step, resumedFrom, history };
}
