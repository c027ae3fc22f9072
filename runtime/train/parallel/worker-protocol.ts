/**
 * Messages between the parallel trainer (`parallel-engine.ts`) and its workers
 * (`modality-worker.ts`). Plain structured-clonable data.
 */
import type { BackendName } from '../../backend/backend-name.ts';
import type { BuildModelOptions } from '../../model/build-model.ts';
import type { ModelIR, TrainIR } from '../../../schemas/run-ir.schema.ts';
import type { ParameterLayout } from '../parameter-layout.ts';
import type { SharedMemory } from './shared-buffers.ts';

/** `workerData` of each worker. */
export interface WorkerInit {
  tag: 'ablate-trainer';
  index: number;
  workers: number;
  /** The modalities this worker runs forward and backward. */
  owned: string[];
  backend: BackendName;
  model: ModelIR;
  build: BuildModelOptions;
  optimizer: TrainIR['optimizer'];
  layout: ParameterLayout;
  memory: SharedMemory;
}

export interface BatchData {
  x: Float32Array;
  xShape: number[];
  y: Int32Array;
  yShape: number[];
}

/** Where a worker's step went, in milliseconds (for benchmarks). */
export interface StepTimes {
  /** Copying the shared parameters into the model's variables. */
  load: number;
  /** Forward and backward passes, including the wait for the other workers' Q and E. */
  passes: number;
  /** Of which: blocked in the coupling exchange. */
  exchange: number;
  /** Copying the gradients out to shared memory. */
  gradients: number;
}

export type Request =
  /** Take the shared parameters, then forward + backward on these batches. */
  | { kind: 'step'; step: number; batches: Record<string, BatchData> }
  /** Σ g² over elements `[lo, hi)` of the summed gradient. */
  | { kind: 'sumsq'; lo: number; hi: number }
  /** The optimizer update of elements `[lo, hi)`. */
  | { kind: 'apply'; lo: number; hi: number; lr: number; scale: number; t: number };

export type Reply =
  | { kind: 'ready'; parameters: number }
  | { kind: 'grads'; terms: Record<string, number>; reported: number; tensors: number; ms: StepTimes }
  | { kind: 'sumsq'; value: number }
  | { kind: 'applied' }
  | { kind: 'error'; name: string; message: string; stack?: string; peer: boolean };
