/**
 * The training loop (paper §2.3): every step takes one batch per modality (unpaired: the
 * CT and MRI batches are drawn independently), computes eq. (12)'s total loss and each
 * term, and updates every parameter the loss reaches.
 *
 * The loop knows nothing of datasets or model internals: it is given a `TrainableModel`
 * (forward + losses), a batch source and callbacks. A `StepEngine` carries out each step
 * (forward, backward, clipping, update): in this thread (`SerialEngine`), or with one worker
 * thread per modality (`parallel/parallel-engine.ts`, when `parallel` is given). What the
 * loop owns: the schedule, the non-finite guard, checkpoints (resume mid-run, bit-identical
 * on the same backend and engine), interruption (Ctrl-C / SIGTERM via an AbortSignal:
 * checkpoint, then stop) and keeping the tfjs tensor count flat across steps.
 */
import type { TrainIR } from '../../schemas/run-ir.schema.ts';
import { loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.ts';
import { assertFiniteLosses } from './non-finite-guard.ts';
import type { ParallelTraining } from './parallel/parallel-engine.ts';
import { learningRate } from './schedule.ts';
import { SerialEngine, type TrainableModel } from './serial-engine.ts';
import type { Batches, StepEngine } from './step-engine.ts';

export type { Batches, ModalityBatch } from './step-engine.ts';
export type { TrainableModel } from './serial-engine.ts';

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
  /** Parallel trainer only: each worker's live tfjs tensor count. */
  workerTensors?: number[];
  /** Parallel trainer only: milliseconds per phase of the step. */
  phases?: Record<string, number>;
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
  /** After each epoch (1-based count of completed epochs): validation, logging. The model's variables are current. */
  onEpoch?(epoch: number): void | Promise<void>;
  /**
   * Train with one worker thread per modality (`parallel/parallel-engine.ts`) instead of in
   * this thread. The model's variables are brought up to date before `onEpoch`, before each
   * checkpoint and at the end.
   */
  parallel?: ParallelTraining;
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
  let step = 0;
  let history: TrainResult['history'] = [];

  const ckpt = opts.checkpointDir ? await loadCheckpoint(opts.checkpointDir) : null;
  const resume = ckpt !== null && ckpt.meta.specHash === opts.specHash;
  try {
    if (resume) {
      restoreVariables(opts.checkpointDir!, variables, ckpt.model);
      step = ckpt.meta.step;
      history = (ckpt.meta.extra.history as TrainResult['history'] | undefined) ?? [];
    }
  } catch (error) {
    disposeCheckpoint(ckpt);
    throw error;
  }
  const resumedFrom = step;

  // the engine starts from the variables as they are now (restored, when resuming)
  let engine: StepEngine;
  try {
    engine = opts.parallel
      ? await (await import('./parallel/parallel-engine.ts')).ParallelEngine.start(variables, train, opts.parallel)
      : new SerialEngine(model, train);
    if (resume) engine.setState(ckpt.optimizer);
  } finally {
    disposeCheckpoint(ckpt);
  }

  const save = async () => {
    if (!opts.checkpointDir) return;
    engine.syncVariables();
    const state = engine.getState();
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
      let outcome;
      try {
        outcome = await engine.step(batches, step, lr, (terms) => assertFiniteLosses(terms, step, opts.locate));
      } finally {
        disposeBatches(batches);
      }
      step += 1;
      history.push({ step, loss: outcome.loss });
      await opts.onStep?.({
        step,
        epoch: Math.floor((step - 1) / stepsPerEpoch),
        stepInEpoch: (step - 1) % stepsPerEpoch,
        lr,
        loss: outcome.loss,
        terms: outcome.terms,
        gradNorm: outcome.gradNorm,
        workerTensors: outcome.workerTensors,
        phases: outcome.phases,
        seconds: (performance.now() - started) / 1000,
      });
      const epochDone = step % stepsPerEpoch === 0;
      if (epochDone) {
        const epoch = step / stepsPerEpoch;
        if (epoch % train.checkpointEvery === 0 || step === totalSteps) await save();
        engine.syncVariables();
        await opts.onEpoch?.(epoch);
      }
      if (opts.signal?.aborted && step < totalSteps) {
        await save();
        throw new TrainingInterrupted(step, opts.checkpointDir);
      }
    }
    engine.syncVariables();
  } finally {
    await engine.dispose();
  }
  return { steps: step, resumedFrom, history };
}

function disposeBatches(batches: Batches): void {
  for (const b of Object.values(batches)) {
    b.x.dispose();
    b.y.dispose();
  }
}

function disposeCheckpoint(ckpt: Awaited<ReturnType<typeof loadCheckpoint>>): void {
  if (!ckpt) return;
  for (const t of ckpt.model.values()) t.dispose();
  for (const t of ckpt.optimizer.slots.values()) t.dispose();
}
