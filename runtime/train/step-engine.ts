/**
 * What carries out one optimisation step for the training loop: forward and backward
 * passes, the non-finite check, clipping and the update. Two engines: `SerialEngine`
 * (everything in this thread, one tfjs backend) and `ParallelEngine`
 * (`parallel/parallel-engine.ts`: one worker thread per modality, each with its own wasm
 * instance, the update on shared flat buffers). The loop owns the rest: schedule,
 * checkpoints, callbacks, interruption.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { OptimizerState } from './optimizer.ts';

/** One modality's batch: images channels-last and integer class maps. */
export interface ModalityBatch {
  x: tf.Tensor4D;
  y: tf.Tensor;
}

/** modality → batch. */
export type Batches = Record<string, ModalityBatch>;

export interface StepOutcome {
  /** eq. (12)'s total. */
  loss: number;
  /** `total` and each named term (`seg/ct`, `aux/mri`, `mcr`, `icr`). */
  terms: Record<string, number>;
  /** Global gradient norm before clipping; null when clipping is off. */
  gradNorm: number | null;
  /** Parallel trainer: each worker's live tfjs tensor count after its backward pass (a leak shows as growth). */
  workerTensors?: number[];
  /** Parallel trainer: milliseconds per phase of the step (the slowest worker's, for worker phases), for benchmarks. */
  phases?: Record<string, number>;
}

export interface StepEngine {
  /**
   * One step on `batches` (the caller disposes them afterwards). `check` sees the loss terms
   * after the backward pass and before the update: when it throws, the parameters and the
   * optimizer state are left as they were and the error propagates.
   */
  step(batches: Batches, step: number, lr: number, check: (terms: Record<string, number>) => void): Promise<StepOutcome>;
  /** A copy of the optimizer state, keyed as checkpoints store it (the caller disposes it). */
  getState(): OptimizerState;
  /** Replaces the optimizer state (copied). */
  setState(state: OptimizerState): void;
  /** Makes the model's own variables hold the current parameters (before evaluation or a checkpoint). */
  syncVariables(): void;
  /** Frees what the engine holds (threads, slots). */
  dispose(): Promise<void>;
}
