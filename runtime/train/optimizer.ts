/**
 * Optimizers over named tfjs variables, with their state exposed for checkpoints.
 *
 * Written here rather than taken from `tf.train` because tfjs has no AdamW (decoupled
 * weight decay, Loshchilov & Hutter 2019) and its optimizers do not let us set the
 * learning rate per step from a schedule or save/restore their slots by variable name.
 * Semantics follow PyTorch's `torch.optim.SGD` and `torch.optim.AdamW`, so recipes taken
 * from Swin-Unet / nnFormer mean the same thing here.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Optimizer state as plain named tensors (slot name → tensor), plus the step count. */
export interface OptimizerState {
  step: number;
  slots: Map<string, tf.Tensor>;
}

export interface Optimizer {
  /** Applies one update with learning rate `lr`; `grads` are keyed by variable name. Disposes nothing it does not own. */
  apply(grads: Record<string, tf.Tensor>, lr: number): void;
  /** A copy of the state (caller disposes). */
  getState(): OptimizerState;
  /** Replaces the state with a copy of `state`. */
  setState(state: OptimizerState): void;
  dispose(): void;
}

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** A map of named slot tensors, one per variable, created lazily as zeros. */
class Slots {
  private readonly tensors = new Map<string, tf.Variable>();

  constructor(private readonly prefix: string) {}

  get(variable: tf.Variable): tf.Variable {
    let slot = this.tensors.get(variable.name);
    if (!slot) {
      slot = tf.variable(tf.zerosLike(variable), false);
      this.tensors.set(variable.name, slot);
    }
    return slot;
  }

  exportTo(out: Map<string, tf.Tensor>): void {
    for (const [name, t] of this.tensors) out.set(`${this.prefix}/${name}`, tf.clone(t));
  }

  importFrom(state: Map<string, tf.Tensor>): void {
    this.dispose();
    const head = `${this.prefix}/`;
    for (const [key, t] of state) {
      if (key.startsWith(head)) this.tensors.set(key.slice(head.length), tf.variable(tf.clone(t), false));
    }
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}

/**
 * SGD with momentum, PyTorch semantics:
 * `g ← g + wd·p; v ← μ·v + g; p ← p − lr·(nesterov ? g + μ·v : v)`.
 */
export class Sgd implements Optimizer {
  private step = 0;
  private readonly velocity = new Slots('velocity');

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: SgdOptions,
  ) {}

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    // one tidy per variable: a single tidy around the loop would hold every variable's
    // temporaries at once (several copies of the model; wasm's heap is capped at 4 GiB)
    for (const p of this.variables) {
      const raw = grads[p.name];
      if (!raw) continue;
      tf.tidy(() => {
        const g = weightDecay > 0 ? tf.add(raw, tf.mul(p, weightDecay)) : raw;
        if (momentum === 0) {
          p.assign(tf.sub(p, tf.mul(g, lr)));
          return;
        }
        const v = this.velocity.get(p);
        const vNext = this.step === 0 ? g : tf.add(tf.mul(v, momentum), g);
        v.assign(vNext);
        const update = nesterov ? tf.add(g, tf.mul(vNext, momentum)) : vNext;
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    }
    this.step += 1;
  }

  getState(): OptimizerState {
    const slots = new Map<string, tf.Tensor>();
    this.velocity.exportTo(slots);
    return { step: this.step, slots };
  }

  setState(state: OptimizerState): void {
    this.step = state.step;
    this.velocity.importFrom(state.slots);
  }

  dispose(): void {
    this.velocity.dispose();
  }
}

/**
 * AdamW, PyTorch semantics (decoupled weight decay):
 * `p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 *  p ← p − lr · m̂ / (√v̂ + ε)` with bias-corrected `m̂ = m/(1−β1^t)`, `v̂ = v/(1−β2^t)`.
 */
export class AdamW implements Optimizer {
  private step = 0;
  private readonly m = new Slots('m');
  private readonly v = new Slots('v');

  constructor(
    private readonly variables: tf.Variable[],
    private readonly options: AdamWOptions,
  ) {}

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    const t = this.step + 1;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    // one tidy per variable, as in Sgd.apply
    for (const p of this.variables) {
      const g = grads[p.name];
      if (!g) continue;
      tf.tidy(() => {
        const m = this.m.get(p);
        const v = this.v.get(p);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const decayed = weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(tf.div(m, c1), denom), lr)));
      });
    }
    this.step = t;
  }

  getState(): OptimizerState {
    const slots = new Map<string, tf.Tensor>();
    this.m.exportTo(slots);
    this.v.exportTo(slots);
    return { step: this.step, slots };
  }

  setState(state: OptimizerState): void {
    this.step = state.step;
    this.m.importFrom(state.slots);
    this.v.importFrom(state.slots);
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

export type OptimizerSpec =
  | ({ kind: 'sgd'; lr: number } & SgdOptions)
  | ({ kind: 'adamw'; lr: number } & AdamWOptions);

/** Builds the optimizer a Run IR's `train.optimizer` names. */
export function createOptimizer(spec: OptimizerSpec, variables: tf.Variable[]): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return new Sgd(variables, spec);
    case 'adamw':
      return new AdamW(variables, spec);
  }
}
