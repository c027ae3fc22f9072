import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, Sgd } from '../../runtime/train/optimizer.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Naive per-element references written from the PyTorch documentation's pseudo-code. */
function sgdReference(p0: number[], grads: number[][], lr: number, mu: number, wd: number, nesterov: boolean): number[] {
  const p = [...p0];
  const v = p.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! + wd * p[i]!;
      v[i] = t === 0 ? gi : mu * v[i]! + gi;
      p[i] = p[i]! - lr * (nesterov ? gi + mu * v[i]! : v[i]!);
    }
  });
  return p;
}

function adamwReference(p0: number[], grads: number[][], lr: number, b1: number, b2: number, eps: number, wd: number): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] = p[i]! * (1 - lr * wd);
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

const p0 = [0.5, -1.25, 2.0];
const grads = [
  [0.1, -0.2, 0.3],
  [0.05, 0.4, -0.1],
  [-0.3, 0.1, 0.2],
];

describe('optimizers match PyTorch semantics (naive reference)', () => {
  for (const nesterov of [false, true]) {
    it(`SGD momentum nesterov=${nesterov}`, () => {
      const w = tf.variable(tf.tensor1d(p0), true, `sgd_w_${nesterov}`);
      const opt = new Sgd([w], { momentum: 0.9, nesterov, weightDecay: 1e-2 });
      for (const g of grads) tf.tidy(() => opt.apply({ [w.name]: tf.tensor1d(g) }, 0.05));
      const expected = sgdReference(p0, grads, 0.05, 0.9, 1e-2, nesterov);
      Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
      opt.dispose();
      w.dispose();
    });
  }

  it('AdamW with decoupled weight decay', () => {
    const w = tf.variable(tf.tensor1d(p0), true, 'adamw_w');
    const opt = new AdamW([w], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 });
    for (const g of grads) tf.tidy(() => opt.apply({ [w.name]: tf.tensor1d(g) }, 1e-2));
    const expected = adamwReference(p0, grads, 1e-2, 0.9, 0.999, 1e-8, 0.05);
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
    opt.dispose();
    w.dispose();
  });

  it('state round trip continues identically, and no tensors leak across steps', () => {
    const a = tf.variable(tf.tensor1d(p0), true, 'adamw_a');
    const b = tf.variable(tf.tensor1d(p0), true, 'adamw_b');
    const optA = new AdamW([a], { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
    tf.tidy(() => optA.apply({ [a.name]: tf.tensor1d(grads[0]!) }, 1e-2));
    const before = tf.memory().numTensors;
    tf.tidy(() => optA.apply({ [a.name]: tf.tensor1d(grads[1]!) }, 1e-2));
    expect(tf.memory().numTensors).toBe(before);
    // b takes a's state after step 2 and its weights; both then take step 3.
    const state = optA.getState();
    const optB = new AdamW([b], { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01 });
    const renamed = new Map([...state.slots].map(([k, t]) => [k.replace(a.name, b.name), t]));
    optB.setState({ step: state.step, slots: renamed });
    b.assign(a);
    tf.tidy(() => optA.apply({ [a.name]: tf.tensor1d(grads[2]!) }, 1e-2));
    tf.tidy(() => optB.apply({ [b.name]: tf.tensor1d(grads[2]!) }, 1e-2));
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    for (const t of state.slots.values()) t.dispose();
  });
});
