/**
 * The single-threaded step: `tf.variableGrads` over the model's eq. (12), then clipping by
 * global norm and the optimizer, all on the current tfjs backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainIR } from '../../schemas/run-ir.schema.ts';
import { clipByGlobalNorm } from './clip-gradients.ts';
import { createOptimizer, type Optimizer, type OptimizerState } from './optimizer.ts';
import type { Batches, StepEngine, StepOutcome } from './step-engine.ts';

/** What the serial engine trains: variables and eq. (12) over one batch per modality. */
export interface TrainableModel {
  /** Every trainable variable; names must be unique and stable across runs of the same IR. */
  readonly trainableVariables: tf.Variable[];
  /**
   * Forward pass in training mode and eq. (12). Called inside `tf.variableGrads`; returns
   * the scalar total and each named term (`seg/ct`, `aux/mri`, `mcr`, `icr`, …) for logging.
   */
  computeLosses(batches: Batches, step: number): { total: tf.Scalar; terms: Record<string, tf.Scalar> };
}

export class SerialEngine implements StepEngine {
  private readonly optimizer: Optimizer;

  constructor(
    private readonly model: TrainableModel,
    private readonly train: TrainIR,
  ) {
    this.optimizer = createOptimizer(train.optimizer, model.trainableVariables);
  }

  async step(batches: Batches, step: number, lr: number, check: (terms: Record<string, number>) => void): Promise<StepOutcome> {
    let termTensors: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      const out = this.model.computeLosses(batches, step);
      termTensors = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, tf.keep(t)]));
      return out.total;
    }, this.model.trainableVariables);
    const loss = (await value.data())[0]!;
    const terms: Record<string, number> = { total: loss };
    for (const [k, t] of Object.entries(termTensors)) {
      terms[k] = (await t.data())[0]!;
      t.dispose();
    }
    value.dispose();
    try {
      check(terms);
    } catch (error) {
      tf.dispose(grads);
      throw error;
    }
    let gradNorm: number | null = null;
    let applied = grads as Record<string, tf.Tensor>;
    if (this.train.clipGradNorm !== null) {
      const clipped = clipByGlobalNorm(grads, this.train.clipGradNorm);
      tf.dispose(grads);
      applied = clipped.grads;
      gradNorm = clipped.norm;
    }
    this.optimizer.apply(applied, lr);
    tf.dispose(applied);
    return { loss, terms, gradNorm };
  }

  getState(): OptimizerState {
    return this.optimizer.getState();
  }

  setState(state: OptimizerState): void {
    this.optimizer.setState(state);
  }

  syncVariables(): void {
    // the model's variables are the ones trained
  }

  async dispose(): Promise<void> {
    this.optimizer.dispose();
  }
}
