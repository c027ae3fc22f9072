/**
 * eq. (10) L_mcr and eq. (11) L_icr against hand-computed values, and L_icr's gradient
 * against central differences of a float64 naive implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { imageConsistency, imageConsistencyAtScale, modalityConsistency } from '../../runtime/losses/consistency.ts';
import { LossInputError } from '../../runtime/losses/loss-input-error.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const value = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]!);

describe('L_mcr (eq. 10)', () => {
  it('sums 1 - cos over classes: orthogonal rows give 1, parallel rows 0, opposite rows 2', () => {
    expect(value(() => modalityConsistency(tf.tensor2d([[1, 0], [1, 1], [2, -1]]), tf.tensor2d([[0, 3], [2, 2], [-4, 2]])))).toBeCloseTo(3, 6);
  });

  it('(3, 4) against (4, 3): 1 - 24/25', () => {
    expect(value(() => modalityConsistency(tf.tensor2d([[3, 4]]), tf.tensor2d([[4, 3]])))).toBeCloseTo(1 / 25, 6);
  });

  it('rejects embeddings of different sizes', () => {
    expect(() => modalityConsistency(tf.zeros([4, 8]), tf.zeros([4, 6]))).toThrow(LossInputError);
  });
});

describe('L_icr (eq. 11)', () => {
  const ln3 = Math.log(3);
  // Row 0 equal in both modalities (contributes 0); row 1 swapped: p = (3/4, 1/4) vs q = (1/4, 3/4) at τ = 1.
  const eA = [[0, 0], [ln3, 0]];
  const eB = [[0, 0], [0, ln3]];

  it('τ = 1: KL(p‖q) + KL(q‖p) = ln 3', () => {
    expect(value(() => imageConsistencyAtScale(tf.tensor3d([eA]), tf.tensor3d([eB]), 1))).toBeCloseTo(ln3, 6);
  });

  it('τ = 2 softens: ((√3 - 1)/(√3 + 1)) · ln 3', () => {
    const r3 = Math.sqrt(3);
    expect(value(() => imageConsistencyAtScale(tf.tensor3d([eA]), tf.tensor3d([eB]), 2))).toBeCloseTo(((r3 - 1) / (r3 + 1)) * ln3, 6);
  });

  it('is symmetric in the modalities and zero for equal correlations', () => {
    const a = tf.tensor3d([[[0.3, -1, 2], [1, 1, 0], [0, 0.5, -0.5]]]);
    const b = tf.tensor3d([[[1, 0, 0], [0.2, -0.3, 1], [2, 2, 1]]]);
    expect(value(() => imageConsistencyAtScale(a, b, 4))).toBeCloseTo(value(() => imageConsistencyAtScale(b, a, 4)), 6);
    expect(value(() => imageConsistencyAtScale(a, a, 4))).toBeCloseTo(0, 7);
  });

  it('averages over every (M1 sample, M2 sample) pair and sums over scales', () => {
    const same = [[0, 0], [0, 0]];
    // pairs: (eA, eB) → ln 3, (same, eB) → row 1 only: uniform vs (1/4, 3/4)
    // KL(u‖q) + KL(q‖u) with u = (1/2, 1/2), q = (1/4, 3/4) = Σ (u - q)(log u - log q)
    const uq = (0.5 - 0.25) * (Math.log(0.5) - Math.log(0.25)) + (0.5 - 0.75) * (Math.log(0.5) - Math.log(0.75));
    const perScale = (ln3 + uq) / 2;
    const got = value(() => imageConsistency([tf.tensor3d([eA, same]), tf.tensor3d([eA, same])], [tf.tensor3d([eB]), tf.tensor3d([eB])], 1));
    expect(got).toBeCloseTo(2 * perScale, 6);
  });

  it('rejects τ ≤ 0 and mismatched scales', () => {
    expect(() => imageConsistency([tf.zeros([1, 2, 2]) as tf.Tensor3D], [tf.zeros([1, 2, 2]) as tf.Tensor3D], 0)).toThrow(/τ must be > 0/);
    expect(() => imageConsistency([tf.zeros([1, 2, 2]) as tf.Tensor3D], [], 1)).toThrow(LossInputError);
  });

  it('gradient matches central differences of a float64 naive implementation', () => {
    const [B1, B2, Z, tau] = [2, 3, 3, 1.7];
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1) * 2;
    const a = Array.from({ length: B1 * Z * Z }, rand);
    const b = Array.from({ length: B2 * Z * Z }, rand);
    const naive = (x: number[], y: number[]): number => {
      let total = 0;
      const sm = (row: number[]) => {
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp((v - m) / tau));
        const z = e.reduce((p, q) => p + q, 0);
        return e.map((v) => v / z);
      };
      for (let p = 0; p < B1; p++) {
        for (let q = 0; q < B2; q++) {
          for (let i = 0; i < Z; i++) {
            const P = sm(x.slice((p * Z + i) * Z, (p * Z + i + 1) * Z));
            const Q = sm(y.slice((q * Z + i) * Z, (q * Z + i + 1) * Z));
            for (let j = 0; j < Z; j++) total += P[j]! * Math.log(P[j]! / Q[j]!) + Q[j]! * Math.log(Q[j]! / P[j]!);
          }
        }
      }
      return total / (B1 * B2);
    };
    const [ga, gb] = tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => imageConsistencyAtScale(x as tf.Tensor3D, y as tf.Tensor3D, tau))([tf.tensor3d(a, [B1, Z, Z]), tf.tensor3d(b, [B2, Z, Z])]).map((g) => [...g.dataSync()]));
    expect(value(() => imageConsistencyAtScale(tf.tensor3d(a, [B1, Z, Z]), tf.tensor3d(b, [B2, Z, Z]), tau))).toBeCloseTo(naive(a, b), 5);
    const h = 1e-6;
    const fdA = a.map((_, k) => (naive(a.map((v, j) => (j === k ? v + h : v)), b) - naive(a.map((v, j) => (j === k ? v - h : v)), b)) / (2 * h));
    const fdB = b.map((_, k) => (naive(a, b.map((v, j) => (j === k ? v + h : v))) - naive(a, b.map((v, j) => (j === k ? v - h : v)))) / (2 * h));
    const scale = Math.max(...fdA.map(Math.abs), ...fdB.map(Math.abs));
    ga!.forEach((g, k) => expect(Math.abs(g - fdA[k]!) / scale).toBeLessThan(1e-4));
    gb!.forEach((g, k) => expect(Math.abs(g - fdB[k]!) / scale).toBeLessThan(1e-4));
  });
});
