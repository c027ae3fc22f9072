/**
 * An independent, naive-loop implementation of the EAM (paper eq. 1–8) in float64 on
 * plain arrays, for one image. Not a test file: eam.test.ts compares the tfjs module
 * against it, and uses it for finite differences.
 */
import { erf64 } from '../ops/erf-reference.ts';

export type Mat = number[][];

export interface EamWeights {
  normQ: { gamma: number[]; beta: number[] };
  normF: { gamma: number[]; beta: number[] };
  wq: { w: Mat; b: number[] };
  wk: { w: Mat; b: number[] };
  /** [Z][C][N] */
  kernels: number[][][];
  /** Present unless this is the last EAM. */
  rest?: {
    wv: { w: Mat; b: number[] };
    wo: { w: Mat; b: number[] };
    normMlp: { gamma: number[]; beta: number[] };
    fc1: { w: Mat; b: number[] };
    fc2: { w: Mat; b: number[] };
    reduce: { w: Mat; b: number[] };
  };
}

export interface EamReferenceOutput {
  /** [N][Z][L] */
  A: number[][][];
  /** [Z][Z] */
  E: Mat;
  /** [Z][nextDim] or undefined */
  next: Mat | undefined;
}

function layerNorm(x: number[], g: { gamma: number[]; beta: number[] }): number[] {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v / n;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / n;
  return x.map((v, c) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g.gamma[c]! + g.beta[c]!);
}

function affine(x: number[], l: { w: Mat; b: number[] }): number[] {
  const out = l.b.slice();
  for (let o = 0; o < out.length; o++) for (let i = 0; i < x.length; i++) out[o]! += x[i]! * l.w[i]![o]!;
  return out;
}

const gelu = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));

function softmax(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * @param Q [Z][C] class embeddings entering this scale
 * @param F [L][C] the image's features, tokens in row-major (depth, row, column) order
 * @param N heads
 */
export function eamReference(Q: Mat, F: Mat, N: number, w: EamWeights): EamReferenceOutput {
  const Z = Q.length;
  const L = F.length;
  const C = Q[0]!.length;
  const dh = C / N;
  // eq. 1 on the normalised inputs (eq. 4)
  const q = Q.map((row) => affine(layerNorm(row, w.normQ), w.wq));
  const Fn = F.map((row) => layerNorm(row, w.normF));
  const k = Fn.map((row) => affine(row, w.wk));
  // eq. 2–3: A[n][i][l] = q_i^(n) · k_l^(n)
  const A: number[][][] = [];
  for (let n = 0; n < N; n++) {
    A.push([]);
    for (let i = 0; i < Z; i++) {
      A[n]!.push([]);
      for (let l = 0; l < L; l++) {
        let s = 0;
        for (let c = n * dh; c < (n + 1) * dh; c++) s += q[i]![c]! * k[l]![c]!;
        A[n]![i]!.push(s);
      }
    }
  }
  let next: Mat | undefined;
  if (w.rest) {
    const r = w.rest;
    const v = Fn.map((row) => affine(row, r.wv));
    const concat: Mat = Q.map(() => new Array<number>(C).fill(0));
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < Z; i++) {
        const p = softmax(A[n]![i]!.map((a) => a / Math.sqrt(dh)));
        for (let c = n * dh; c < (n + 1) * dh; c++) {
          let s = 0;
          for (let l = 0; l < L; l++) s += p[l]! * v[l]![c]!;
          concat[i]![c] = s;
        }
      }
    }
    // eq. 4 and 5, then the 1×1 reduction
    const qHat = concat.map((row, i) => affine(row, r.wo).map((x, c) => x + Q[i]![c]!));
    const qTilde = qHat.map((row) => affine(affine(layerNorm(row, r.normMlp), r.fc1).map(gelu), r.fc2).map((x, c) => x + row[c]!));
    next = qTilde.map((row) => affine(row, r.reduce));
  }
  // eq. 6: K^i = Q^i W^i; S^{ij}_l = Σ_n K^i_n A^j_{n,l}
  const E: Mat = [];
  for (let i = 0; i < Z; i++) {
    const K = new Array<number>(N).fill(0);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) K[n]! += Q[i]![c]! * w.kernels[i]![c]![n]!;
    const S: Mat = [];
    for (let j = 0; j < Z; j++) {
      S.push([]);
      for (let l = 0; l < L; l++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += K[n]! * A[n]![j]![l]!;
        S[j]!.push(s);
      }
    }
    // eq. 7: softmax over j at each position l; B^{ij}_{n,l} = A^j_{n,l} σ(S^i)_{j,l}
    const P: Mat = Array.from({ length: Z }, () => new Array<number>(L).fill(0));
    for (let l = 0; l < L; l++) {
      const p = softmax(S.map((row) => row[l]!));
      for (let j = 0; j < Z; j++) P[j]![l] = p[j]!;
    }
    // eq. 8: Σ_{N,H,W} B^{ij} / Σ_{H,W} σ(S^i)_j
    const row: number[] = [];
    for (let j = 0; j < Z; j++) {
      let num = 0;
      let den = 0;
      for (let l = 0; l < L; l++) {
        den += P[j]![l]!;
        for (let n = 0; n < N; n++) num += A[n]![j]![l]! * P[j]![l]!;
      }
      row.push(num / den);
    }
    E.push(row);
  }
  return { A, E, next };
}
