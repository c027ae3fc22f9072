/**
 * ablate's wasm GEMM (`runtime/backend/gemm/`) against tfjs-wasm's own products (XNNPACK)
 * on the paper config's dense shapes, in one process: first with tfjs's kernels, then
 * with ablate's installed. Run: `node --import tsx bench/gemm.bench.ts` (about 30 s).
 *
 * Shapes are one modality's products at 224², embed 96 (tokens × in → out): the stage-1
 * attention projections and MLP, a stage-2 and stage-3 MLP, the bottleneck MLP, and a
 * weight gradient (`xᵀ·dy`, K = tokens). tfjs's kernel is timed without transposes (its
 * only fast case; a transposed operand there is a scalar loop); ablate's for each layout
 * the training step uses: forward `x·W`, input gradient `dy·Wᵀ`, weight gradient `xᵀ·dy`.
 * Medians of wall-clock ms; GFLOP/s = 2·M·K·N / time.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';

process.env['ABLATE_WASM_GEMM'] = 'xnnpack';
const { initBackend } = await import('../runtime/backend/select-backend.ts');
const { installWasmMatMul } = await import('../runtime/backend/wasm-matmul-kernel.ts');

const SHAPES: [string, number, number, number][] = [
  ['stage 1 qkv', 3136, 96, 288],
  ['stage 1 proj', 3136, 96, 96],
  ['stage 1 mlp up', 3136, 96, 384],
  ['stage 1 mlp down', 3136, 384, 96],
  ['stage 2 mlp up', 784, 192, 768],
  ['stage 3 mlp up', 196, 384, 1536],
  ['bottleneck mlp up', 49, 768, 3072],
  ['weight grad (K = tokens)', 96, 3136, 288],
];

function medianMs(f: () => void, flops: number): number {
  f();
  const reps = Math.max(7, Math.min(60, Math.round(3e9 / flops)));
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(reps / 2)]!;
}

function time(M: number, K: number, N: number, tA: boolean, tB: boolean): number {
  const a = tf.randomNormal(tA ? [K, M] : [M, K]);
  const b = tf.randomNormal(tB ? [N, K] : [K, N]);
  const ms = medianMs(() => tf.dispose(tf.matMul(a, b, tA, tB)), 2 * M * K * N);
  tf.dispose([a, b]);
  return ms;
}

await initBackend('wasm');
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load before: ${load()}`);
const xnn = SHAPES.map(([, M, K, N]) => time(M, K, N, false, false));
const state = await installWasmMatMul();
console.log(`ablate GEMM installed: ${state.installed}, fused multiply-add: ${state.fma}\n`);
console.log('| product | M×K×N | tfjs (XNNPACK) x·W | ablate x·W | ablate dy·Wᵀ | ablate xᵀ·dy | speed-up x·W |');
console.log('|---|---|---:|---:|---:|---:|---:|');
const gf = (ms: number, M: number, K: number, N: number) => `${ms.toFixed(2)} ms (${((2 * M * K * N) / ms / 1e6).toFixed(0)} GFLOP/s)`;
SHAPES.forEach(([name, M, K, N], i) => {
  const plain = time(M, K, N, false, false);
  const tb = time(M, K, N, false, true);
  const ta = time(M, K, N, true, false);
  console.log(`| ${name} | ${M}×${K}×${N} | ${gf(xnn[i]!, M, K, N)} | ${gf(plain, M, K, N)} | ${gf(tb, M, K, N)} | ${gf(ta, M, K, N)} | ${(xnn[i]! / plain).toFixed(2)}× |`);
});
console.log(`\nload after: ${load()}`);
