/**
 * ablate's GEMM module on its own memory, both builds (fused multiply-add and multiply,
 * add), against a float64 triple loop: every layout, edge tiles in M and N, several K
 * blocks, bias, and a product written into the middle of memory without touching its
 * neighbours.
 */
import { describe, expect, it } from 'vitest';
import { enableRelaxedSimd, gemmBinary, type GemmFunction } from '../../runtime/backend/gemm/gemm-module.ts';
import { KC, MC, gemmScratchBytes } from '../../runtime/backend/gemm/gemm-wat.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** C = op(A)·op(B) (+ bias) in float64, A stored [K, M] when transA, B stored [N, K] when transB. */
function naive(A: Float32Array, B: Float32Array, M: number, K: number, N: number, tA: boolean, tB: boolean, bias?: Float32Array): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias ? bias[j]! : 0;
      for (let k = 0; k < K; k++) s += A[tA ? k * M + i : i * K + k]! * B[tB ? j * K + k : k * N + j]!;
      C[i * N + j] = s;
    }
  }
  return C;
}

async function instance(fma: boolean): Promise<{ gemm: GemmFunction; heap: Float32Array }> {
  const memory = new WebAssembly.Memory({ initial: 256 }); // 16 MiB
  const module = new WebAssembly.Module(await gemmBinary(fma));
  const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports['gemm'] as GemmFunction;
  return { gemm, heap: new Float32Array(memory.buffer) };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [4, 4, 8], // one whole tile
  [5, 3, 7], // partial tiles in M and N, K < 4
  [17, 9, 9],
  [MC + 3, 2 * KC + 5, 33], // several M blocks and K blocks
  [3, KC + 1, 16], // a K block of 1
];

describe.each([true, false])('gemm (fused multiply-add: %s)', (fma) => {
  it.skipIf(fma && !enableRelaxedSimd())('matches a float64 loop for every layout, edge tiles, K blocks and bias', async () => {
    const { gemm, heap } = await instance(fma);
    const next = rng(7);
    for (const [M, K, N] of SHAPES) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          for (const withBias of [false, true]) {
            const A = Float32Array.from({ length: M * K }, next);
            const B = Float32Array.from({ length: K * N }, next);
            const bias = Float32Array.from({ length: N }, next);
            // layout in floats: A, B, bias, a guard, C, a guard, scratch
            const pa = 16;
            const pb = pa + A.length;
            const pBias = pb + B.length;
            const pc = pBias + N + 8;
            const ps = pc + M * N + 8;
            heap.fill(0);
            heap.set(A, pa);
            heap.set(B, pb);
            heap.set(bias, pBias);
            heap.fill(Number.NaN, pc - 8, ps); // guards and C: every value of C must be written
            expect(ps * 4 + gemmScratchBytes(N)).toBeLessThan(heap.byteLength);
            gemm(pa * 4, pb * 4, pc * 4, withBias ? pBias * 4 : 0, M, K, N, tA ? 1 : 0, tB ? 1 : 0, ps * 4);
            const want = naive(A, B, M, K, N, tA, tB, withBias ? bias : undefined);
            const got = heap.subarray(pc, pc + M * N);
            const label = `${M}×${K}×${N} transA=${tA} transB=${tB} bias=${withBias}`;
            let worst = 0;
            for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
            expect(worst, label).toBeLessThan(1e-5 * Math.sqrt(K));
            expect([...heap.subarray(pc - 8, pc), ...heap.subarray(pc + M * N, pc + M * N + 8)].every(Number.isNaN), `${label}: guards`).toBe(true);
          }
        }
      }
    }
  });
});

describe('enableRelaxedSimd', () => {
  it('turns relaxed SIMD on in Node 20 (a V8 flag) and reports it', () => {
    expect(enableRelaxedSimd()).toBe(true);
    // idempotent
    expect(enableRelaxedSimd()).toBe(true);
  });
});
