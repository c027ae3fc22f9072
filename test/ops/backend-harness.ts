/**
 * Shared harness for op tests: deterministic inputs, running a function's value and
 * gradients on a named backend, and a relative comparison. Not a test file itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import type { BackendName } from '../../runtime/backend/backend-name.ts';

/** Deterministic uniform values in [-1, 1) (a 32-bit LCG), so every backend sees the same input. */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** `seeded(n, seed)` times `scale`, as plain numbers (for float64 references). */
export function seededValues(n: number, seed: number, scale = 1): number[] {
  return Array.from(seeded(n, seed), (v) => v * scale);
}

/** An input spec: a shape and a seed. */
export interface InputSpec {
  shape: number[];
  seed: number;
}

/** Value and gradients of `sum(f(inputs) * weight)` with respect to every input. */
export interface ValueAndGrads {
  shape: number[];
  value: Float32Array;
  grads: Float32Array[];
}

/**
 * Evaluate `f` on `backend`: its value, and the gradients of `sum(f(...) * R)` with R a
 * fixed pseudo-random weighting (so every output element matters, with different weights).
 */
export async function valueAndGrads(
  backend: BackendName,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: InputSpec[],
  outSeed = 999,
): Promise<ValueAndGrads> {
  await initBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((s) => tf.tensor(seeded(s.shape.reduce((p, d) => p * d, 1), s.seed), s.shape));
    const y = f(...xs);
    const r = tf.tensor(seeded(y.size, outSeed), y.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), r)))(xs);
    return {
      shape: y.shape,
      value: y.dataSync() as Float32Array,
      grads: grads.map((g) => g.dataSync() as Float32Array),
    };
  });
}

/** max |actual - expected| / max |expected| ≤ rtol, with lengths equal. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4, what = ''): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  expect(maxRef, `${what}: reference is all zeros, the comparison would be vacuous`).toBeGreaterThan(0);
  expect(maxErr / maxRef, `${what}: relative error`).toBeLessThanOrEqual(rtol);
}

/** Compare ours-on-wasm with a reference (values and every gradient). */
export function expectSameValueAndGrads(ours: ValueAndGrads, ref: ValueAndGrads, rtol = 1e-4): void {
  expect(ours.shape).toEqual(ref.shape);
  expectClose(ours.value, ref.value, rtol, 'value');
  expect(ours.grads.length).toBe(ref.grads.length);
  ours.grads.forEach((g, i) => expectClose(g, ref.grads[i]!, rtol, `gradient of input ${i}`));
}
