/**
 * The External Attention Module against an independent naive-loop float64 implementation
 * of eq. (1)–(8) (values), and its gradients against central finite differences of that
 * implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { ExternalAttentionModule, type EamConfig } from '../../runtime/model/eam.ts';
import { ParameterStore } from '../../runtime/model/parameter-store.ts';
import { seededValues } from '../ops/backend-harness.ts';
import { eamReference, type EamWeights, type Mat } from './eam-reference.ts';

let store: ParameterStore;

beforeAll(async () => {
  await initBackend('cpu');
  store = new ParameterStore(11);
});
afterAll(() => store.dispose());

/** An EAM whose every parameter (biases and norms too) holds distinct random values. */
function makeEam(prefix: string, cfg: EamConfig): ExternalAttentionModule {
  const eam = new ExternalAttentionModule(store, prefix, cfg);
  let seed = 100;
  for (const [name, v] of store.variables) {
    if (!name.startsWith(`${prefix}/`)) continue;
    const isGamma = name.endsWith('/gamma');
    const values = seededValues(v.size, seed++, name.endsWith('/w') ? 0.5 : 0.3).map((x) => (isGamma ? 1 + x : x));
    v.assign(tf.tensor(values, v.shape));
  }
  return eam;
}

function weightsOf(prefix: string, last: boolean): EamWeights {
  const get = (n: string) => store.get(`${prefix}/${n}`).arraySync() as never;
  const lin = (n: string) => ({ w: get(`${n}/w`) as Mat, b: get(`${n}/b`) as number[] });
  const norm = (n: string) => ({ gamma: get(`${n}/gamma`) as number[], beta: get(`${n}/beta`) as number[] });
  const w: EamWeights = { normQ: norm('norm_q'), normF: norm('norm_f'), wq: lin('wq'), wk: lin('wk'), kernels: get('semantic_kernels') };
  if (!last) w.rest = { wv: lin('wv'), wo: lin('wo'), normMlp: norm('norm_mlp'), fc1: lin('mlp/fc1'), fc2: lin('mlp/fc2'), reduce: lin('reduce') };
  return w;
}

function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return err / scale;
}

/** Tokens of sample b of a `[B*D, H, W, C]` array, in (depth, row, column) order. */
function tokensOf(F: number[], b: number, D: number, H: number, W: number, C: number): Mat {
  const L = D * H * W;
  return Array.from({ length: L }, (_, l) => F.slice((b * L + l) * C, (b * L + l + 1) * C));
}

describe('EAM (eq. 1–8) against naive loops', () => {
  it('modality-specific Q, 2 images, with the reduction to the next scale', () => {
    const [Z, C, N, B, H, W] = [3, 8, 2, 2, 2, 3];
    const eam = makeEam('a/eam1', { dim: C, heads: N, classes: Z, queryDim: C, nextDim: 4, mlpRatio: 2 });
    const Qv = seededValues(Z * C, 1);
    const Fv = seededValues(B * H * W * C, 2);
    const out = tf.tidy(() => {
      const o = eam.apply(tf.tensor2d(Qv, [Z, C]), tf.tensor4d(Fv, [B, H, W, C]), 1);
      return { A: o.A.arraySync(), E: o.E.arraySync(), next: o.next!.arraySync() };
    });
    const Q: Mat = Array.from({ length: Z }, (_, i) => Qv.slice(i * C, (i + 1) * C));
    const w = weightsOf('a/eam1', false);
    for (let b = 0; b < B; b++) {
      const ref = eamReference(Q, tokensOf(Fv, b, 1, H, W, C), N, w);
      expect(maxRelErr(out.A[b]!.flat(2), ref.A.flat(2))).toBeLessThan(1e-5);
      expect(maxRelErr(out.E[b]!.flat(), ref.E.flat())).toBeLessThan(1e-5);
      expect(maxRelErr(out.next[b]!.flat(), ref.next!.flat())).toBeLessThan(1e-5);
    }
  });

  it('image-specific Q [B, Z, C] on volumes (D = 2), last EAM: A and E only', () => {
    const [Z, C, N, B, D, H, W] = [4, 6, 3, 2, 2, 2, 2];
    const eam = makeEam('a/eam3', { dim: C, heads: N, classes: Z, queryDim: C, nextDim: null, mlpRatio: 2 });
    const Qv = seededValues(B * Z * C, 3);
    const Fv = seededValues(B * D * H * W * C, 4);
    const out = tf.tidy(() => {
      const o = eam.apply(tf.tensor3d(Qv, [B, Z, C]), tf.tensor4d(Fv, [B * D, H, W, C]), D);
      expect(o.next).toBeUndefined();
      return { A: o.A.arraySync(), E: o.E.arraySync() };
    });
    const w = weightsOf('a/eam3', true);
    for (let b = 0; b < B; b++) {
      const Q: Mat = Array.from({ length: Z }, (_, i) => Qv.slice((b * Z + i) * C, (b * Z + i + 1) * C));
      const ref = eamReference(Q, tokensOf(Fv, b, D, H, W, C), N, w);
      expect(maxRelErr(out.A[b]!.flat(2), ref.A.flat(2))).toBeLessThan(1e-5);
      expect(maxRelErr(out.E[b]!.flat(), ref.E.flat())).toBeLessThan(1e-5);
    }
  });

  it('constant features give E[i][j] = Σ_n A^j_n whatever the gating (analytic case of eq. 8)', () => {
    // If Σ_n A^j_{n,l} = a_j at every position l, eq. 8 is a σ(S)-weighted mean of a_j: a_j.
    const [Z, N] = [2, 2];
    const eam = makeEam('a/eam_const', { dim: 4, heads: N, classes: Z, queryDim: 4, nextDim: null, mlpRatio: 1 });
    const { E, a } = tf.tidy(() => {
      const F = tf.tile(tf.tensor4d([0.5, -1.5, 0.2, 1], [1, 1, 1, 4]), [1, 2, 3, 1]) as tf.Tensor4D;
      const o = eam.apply(tf.tensor2d([1, 2, 0, -1, 0.5, -1, 2, 1], [2, 4]), F, 1);
      const headSum = tf.sum(o.A, 1); // [1, Z, L]
      return { E: o.E.arraySync()[0]!, a: (headSum.arraySync() as number[][][])[0]!.map((row) => row[0]!) };
    });
    expect(Math.abs(a[0]! - a[1]!)).toBeGreaterThan(1e-3);
    for (let i = 0; i < Z; i++) for (let j = 0; j < Z; j++) expect(E[i]![j]).toBeCloseTo(a[j]!, 5);
  });

  it('maps a query of another width through the input reduction', () => {
    const [Z, Cq, C, N, H, W] = [3, 8, 4, 2, 2, 2];
    const eam = makeEam('a/eam2', { dim: C, heads: N, classes: Z, queryDim: Cq, nextDim: 2, mlpRatio: 2 });
    const Qv = seededValues(Z * Cq, 5);
    const Fv = seededValues(H * W * C, 6);
    const out = tf.tidy(() => {
      const o = eam.apply(tf.tensor2d(Qv, [Z, Cq]), tf.tensor4d(Fv, [1, H, W, C]), 1);
      return { E: o.E.arraySync()[0]!, next: o.next!.arraySync()[0]! };
    });
    const red = { w: store.get('a/eam2/input_reduction/w').arraySync() as Mat, b: store.get('a/eam2/input_reduction/b').arraySync() as number[] };
    const Q: Mat = Array.from({ length: Z }, (_, i) => {
      const x = Qv.slice(i * Cq, (i + 1) * Cq);
      return red.b.map((b, o) => b + x.reduce((s, xv, c) => s + xv * red.w[c]![o]!, 0));
    });
    const ref = eamReference(Q, tokensOf(Fv, 0, 1, H, W, C), N, weightsOf('a/eam2', false));
    expect(maxRelErr(out.E.flat(), ref.E.flat())).toBeLessThan(1e-5);
    expect(maxRelErr(out.next.flat(), ref.next!.flat())).toBeLessThan(1e-5);
  });
});

describe('EAM gradients against finite differences (cpu, float32 vs float64 reference)', () => {
  it('d/dQ, d/dF and d/dW^i of a weighted sum of A, E and Q_next', () => {
    const [Z, C, N, H, W] = [3, 4, 2, 2, 2];
    const L = H * W;
    const eam = makeEam('g/eam1', { dim: C, heads: N, classes: Z, queryDim: C, nextDim: 2, mlpRatio: 2 });
    const w = weightsOf('g/eam1', false);
    const Qv = seededValues(Z * C, 7);
    const Fv = seededValues(L * C, 8);
    const rA = seededValues(N * Z * L, 9);
    const rE = seededValues(Z * Z, 10);
    const rN = seededValues(Z * 2, 11);
    const objective = (Q: Mat, F: Mat, kernels: number[][][]): number => {
      const o = eamReference(Q, F, N, { ...w, kernels });
      const dot = (a: number[], r: number[]) => a.reduce((s, x, i) => s + x * r[i]!, 0);
      return dot(o.A.flat(2), rA) + dot(o.E.flat(), rE) + dot(o.next!.flat(), rN);
    };
    const toMat = (v: number[], rows: number, cols: number): Mat => Array.from({ length: rows }, (_, i) => v.slice(i * cols, (i + 1) * cols));

    const kernelVar = store.get('g/eam1/semantic_kernels');
    const { gQ, gF, gK } = tf.tidy(() => {
      const Q = tf.tensor2d(Qv, [Z, C]);
      const F = tf.tensor4d(Fv, [1, H, W, C]);
      const f = (q: tf.Tensor, x: tf.Tensor) => {
        const o = eam.apply(q, x as tf.Tensor4D, 1);
        return tf.addN([tf.sum(tf.mul(o.A, tf.tensor(rA, o.A.shape))), tf.sum(tf.mul(o.E, tf.tensor(rE, o.E.shape))), tf.sum(tf.mul(o.next!, tf.tensor(rN, o.next!.shape)))]);
      };
      const [gq, gf] = tf.grads(f)([Q, F]);
      const { grads } = tf.variableGrads(() => f(Q, F) as tf.Scalar, [kernelVar]);
      return { gQ: gq!.dataSync() as Float32Array, gF: gf!.dataSync() as Float32Array, gK: grads[kernelVar.name]!.dataSync() as Float32Array };
    });

    const h = 1e-6;
    const central = (perturb: (delta: number) => number) => (perturb(h) - perturb(-h)) / (2 * h);
    const fdQ = Qv.map((_, idx) => central((d) => objective(toMat(Qv.map((x, j) => (j === idx ? x + d : x)), Z, C), toMat(Fv, L, C), w.kernels)));
    const fdF = Fv.map((_, idx) => central((d) => objective(toMat(Qv, Z, C), toMat(Fv.map((x, j) => (j === idx ? x + d : x)), L, C), w.kernels)));
    const kFlat = w.kernels.flat(2);
    const fdK = kFlat.map((_, idx) =>
      central((d) => {
        const k = kFlat.map((x, j) => (j === idx ? x + d : x));
        const kernels = Array.from({ length: Z }, (_, i) => Array.from({ length: C }, (_, c) => k.slice((i * C + c) * N, (i * C + c + 1) * N)));
        return objective(toMat(Qv, Z, C), toMat(Fv, L, C), kernels);
      }),
    );
    expect(maxRelErr(gQ, fdQ)).toBeLessThan(1e-4);
    expect(maxRelErr(gF, fdF)).toBeLessThan(1e-4);
    expect(maxRelErr(gK, fdK)).toBeLessThan(1e-4);
  });
});
