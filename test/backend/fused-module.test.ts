/**
 * ablate's fused kernels (`runtime/backend/fused/`) on their own memory, both builds (fused
 * multiply-add and multiply, add), against float64 references: erf over [−10, 10] with ±0,
 * ±∞ and NaN; GELU and its derivative; the layer-norm row kernels for odd row lengths; and
 * guard values around every output.
 */
import { describe, expect, it } from 'vitest';
import { fusedBinary, instantiateFused, type FusedModule } from '../../runtime/backend/fused/fused-module.ts';
import { enableRelaxedSimd } from '../../runtime/backend/gemm/gemm-module.ts';
import { erf64 } from '../ops/erf-reference.ts';

const phi64 = (x: number): number => 0.5 * (1 + erf64(x / Math.SQRT2));
const pdf64 = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

async function instance(fma: boolean): Promise<{ fused: FusedModule; heap: Float32Array }> {
  const memory = new WebAssembly.Memory({ initial: 256 }); // 16 MiB
  const fused = instantiateFused({ module: new WebAssembly.Module(await fusedBinary(fma)), fma }, memory);
  return { fused, heap: new Float32Array(memory.buffer) };
}

const GUARD = 12345.5;

/** Places arrays one after another (in floats, from `start`), each followed by 4 guard floats. */
function layout(heap: Float32Array, arrays: (Float32Array | number)[], start = 16): { at: number[]; guardsIntact: () => boolean } {
  const at: number[] = [];
  const guards: number[] = [];
  let p = start;
  for (const a of arrays) {
    const n = typeof a === 'number' ? a : a.length;
    if (typeof a === 'number') heap.fill(-7, p, p + n);
    else heap.set(a, p);
    at.push(p);
    p += n;
    heap.fill(GUARD, p, p + 4);
    guards.push(p);
    p += 4 + 1; // odd offsets: rows and vectors are not 16-byte aligned
  }
  return { at, guardsIntact: () => guards.every((g) => heap.subarray(g, g + 4).every((v) => v === GUARD)) };
}

describe.each([true, false])('fused kernels (fused multiply-add: %s)', (fma) => {
  const skip = fma && !enableRelaxedSimd();

  it.skipIf(skip)('erf is within 2e-7 of float64 erf over [−10, 10], exact at ±0, ±∞ and NaN', async () => {
    const { fused, heap } = await instance(fma);
    const xs = Float32Array.from({ length: 200_001 }, (_, i) => -10 + i * 1e-4);
    const special = Float32Array.of(0, -0, Infinity, -Infinity, NaN, 1, -1, 4, -4, 1e-30, -1e-30, 3e38);
    const { at, guardsIntact } = layout(heap, [xs, xs.length, special, special.length]);
    fused.erf(at[0]! * 4, at[1]! * 4, xs.length);
    fused.erf(at[2]! * 4, at[3]! * 4, special.length);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(heap[at[1]! + i]! - erf64(xs[i]!)));
    expect(worst).toBeLessThanOrEqual(2e-7);
    const got = Array.from(heap.subarray(at[3]!, at[3]! + special.length));
    expect(Object.is(got[0], 0)).toBe(true);
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got.slice(2, 5)).toEqual([1, -1, NaN]);
    expect(Math.abs(got[5]! - 0.8427007929497149)).toBeLessThanOrEqual(2e-7); // erf(1)
    expect(got[6]).toBe(-got[5]!);
    expect([got[7], got[8], got[11]]).toEqual([1, -1, 1]); // erfc(4) ≈ 1.5e-8 rounds away
    // erf(z) ≈ 2z/√π for tiny z, relative accuracy kept (no 1 − erfc there)
    expect(Math.abs(got[9]! / ((2 / Math.sqrt(Math.PI)) * 1e-30) - 1)).toBeLessThan(1e-6);
    expect(got[10]).toBe(-got[9]!);
    expect(guardsIntact()).toBe(true);
  });

  it.skipIf(skip)('gelu and its derivative match x·Φ(x) and Φ(x) + x·φ(x) in float64, every tail length', async () => {
    const { fused, heap } = await instance(fma);
    const next = rng(3);
    for (const n of [1, 2, 3, 4, 5, 7, 8, 1001]) {
      const x = Float32Array.from({ length: n }, () => 24 * next()); // [−12, 12)
      const dy = Float32Array.from({ length: n }, () => 2 * next());
      const { at, guardsIntact } = layout(heap, [x, dy, n, n]);
      fused.gelu(at[0]! * 4, at[2]! * 4, n);
      fused.gelu_grad(at[1]! * 4, at[0]! * 4, at[3]! * 4, n);
      for (let i = 0; i < n; i++) {
        const xi = x[i]!;
        // erf's 2e-7 becomes x·1e-7 in x·Φ(x), plus the rounding of the product
        expect(Math.abs(heap[at[2]! + i]! - xi * phi64(xi)), `gelu(${xi})`).toBeLessThanOrEqual(1.5e-7 * Math.max(1, Math.abs(xi)));
        const d = dy[i]! * (phi64(xi) + xi * pdf64(xi));
        expect(Math.abs(heap[at[3]! + i]! - d), `gelu'(${xi})`).toBeLessThanOrEqual(3e-7 * Math.abs(dy[i]!) + 1e-30);
      }
      expect(guardsIntact(), `n ${n}`).toBe(true);
    }
  });

  it.skipIf(skip)('gelu: 0 at ±0 (sign kept), x for large x, −0-ish for very negative x; derivative 0.5 at 0, 1 and 0 far out', async () => {
    const { fused, heap } = await instance(fma);
    const x = Float32Array.of(0, -0, 20, -20, 1e30, -1e30);
    const ones = new Float32Array(x.length).fill(1);
    const { at } = layout(heap, [x, ones, x.length, x.length]);
    fused.gelu(at[0]! * 4, at[2]! * 4, x.length);
    fused.gelu_grad(at[1]! * 4, at[0]! * 4, at[3]! * 4, x.length);
    const y = Array.from(heap.subarray(at[2]!, at[2]! + x.length));
    const d = Array.from(heap.subarray(at[3]!, at[3]! + x.length));
    expect(Object.is(y[0], 0) && Object.is(y[1], -0)).toBe(true);
    expect([y[2], y[4]]).toEqual([20, Math.fround(1e30)]);
    expect(Math.abs(y[3]!)).toBeLessThan(1e-30);
    expect(Math.abs(y[5]!)).toBe(0);
    expect(d).toEqual([0.5, 0.5, 1, 0, 1, 0]);
  });

  it.skipIf(skip)('standardize and layer_norm with their gradients match float64 loops for odd row lengths', async () => {
    const { fused, heap } = await instance(fma);
    const next = rng(11);
    for (const [rows, C] of [[1, 1], [3, 3], [2, 5], [4, 7], [3, 16], [2, 17], [5, 96], [2, 97]] as [number, number][]) {
      const eps = 1e-5;
      // an offset and a scale per row, so the mean is not 0 and the variance not 1
      const x = Float32Array.from({ length: rows * C }, (_, i) => 3 * Math.floor(i / C) + (1 + (i % 3)) * next());
      const dy = Float32Array.from({ length: rows * C }, next);
      const gamma = Float32Array.from({ length: C }, () => 1 + next());
      const beta = Float32Array.from({ length: C }, next);

      // float64 reference
      const mean = new Float64Array(rows);
      const rstd = new Float64Array(rows);
      const xhat = new Float64Array(rows * C);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += x[r * C + c]!;
        mean[r] = s / C;
        let v = 0;
        for (let c = 0; c < C; c++) v += (x[r * C + c]! - mean[r]!) ** 2;
        rstd[r] = 1 / Math.sqrt(v / C + eps);
        for (let c = 0; c < C; c++) xhat[r * C + c] = (x[r * C + c]! - mean[r]!) * rstd[r]!;
      }
      const rowGrad = (g: (i: number) => number): Float64Array => {
        const dx = new Float64Array(rows * C);
        for (let r = 0; r < rows; r++) {
          let a = 0;
          let b = 0;
          for (let c = 0; c < C; c++) {
            a += g(r * C + c);
            b += g(r * C + c) * xhat[r * C + c]!;
          }
          for (let c = 0; c < C; c++) dx[r * C + c] = rstd[r]! * (g(r * C + c) - a / C - xhat[r * C + c]! * (b / C));
        }
        return dx;
      };
      const dxStd = rowGrad((i) => dy[i]!);
      const dxLn = rowGrad((i) => dy[i]! * gamma[i % C]!);
      const dgamma = new Float64Array(C);
      const dbeta = new Float64Array(C);
      for (let i = 0; i < rows * C; i++) {
        dgamma[i % C] += dy[i]! * xhat[i]!;
        dbeta[i % C] += dy[i]!;
      }

      const n = rows * C;
      const { at, guardsIntact } = layout(heap, [x, dy, gamma, beta, n, rows, n, n, rows, rows, n, C, C]);
      const [px, pdy, pg, pb, pxhat, prstd, pdxs, py, pmean, prstd2, pdx, pdg, pdb] = at.map((p) => p * 4) as number[];
      fused.standardize(px!, pxhat!, prstd!, rows, C, eps);
      fused.standardize_grad(pdy!, pxhat!, prstd!, pdxs!, rows, C);
      fused.layer_norm(px!, pg!, pb!, py!, pmean!, prstd2!, rows, C, eps);
      fused.layer_norm_grad(pdy!, px!, pmean!, prstd2!, pg!, pdx!, pdg!, pdb!, rows, C);
      const read = (p: number, len: number): Float32Array => heap.slice(p / 4, p / 4 + len);
      const close = (got: Float32Array, want: ArrayLike<number>, tol: number, what: string): void => {
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < want.length; i++) {
          worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
          scale = Math.max(scale, Math.abs(want[i]!));
        }
        expect(worst, `${what}, rows ${rows}, C ${C}`).toBeLessThanOrEqual(tol * Math.max(scale, 1));
      };
      close(read(pxhat!, n), xhat, 2e-6, 'x̂');
      close(read(prstd!, rows), rstd, 2e-6, 'rstd');
      close(read(pdxs!, n), dxStd, 1e-5, 'standardize dx');
      close(read(py!, n), Array.from(xhat, (v, i) => v * gamma[i % C]! + beta[i % C]!), 2e-6, 'layer norm y');
      close(read(pmean!, rows), mean, 2e-6, 'mean');
      close(read(prstd2!, rows), rstd, 2e-6, 'layer norm rstd');
      close(read(pdx!, n), dxLn, 1e-5, 'layer norm dx');
      close(read(pdg!, C), dgamma, 1e-5, 'dγ');
      close(read(pdb!, C), dbeta, 1e-5, 'dβ');
      expect(guardsIntact(), `guards, rows ${rows}, C ${C}`).toBe(true);
    }
  });

  it.skipIf(skip)('a row of one value standardizes to 0 (variance 0 + eps), and its gradient is 0', async () => {
    const { fused, heap } = await instance(fma);
    const { at } = layout(heap, [Float32Array.of(5, -3), 2, 2, Float32Array.of(1, 1), 2]);
    fused.standardize(at[0]! * 4, at[1]! * 4, at[2]! * 4, 2, 1, 1e-5);
    fused.standardize_grad(at[3]! * 4, at[1]! * 4, at[2]! * 4, at[4]! * 4, 2, 1);
    expect(Array.from(heap.subarray(at[1]!, at[1]! + 2))).toEqual([0, 0]);
    expect(heap[at[2]!]).toBeCloseTo(1 / Math.sqrt(1e-5), 0);
    expect(Array.from(heap.subarray(at[4]!, at[4]! + 2))).toEqual([0, 0]);
  });
});
