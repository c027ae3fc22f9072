/**
 * Forward + backward timings of the ops in runtime/ops on wasm, against the tfjs
 * built-ins they replace. Run: `node --import tsx bench/ops.bench.ts` (about 1–2 min;
 * `--quick` skips the 30 s tf.conv3d baseline). Prints medians in milliseconds of
 * process CPU time (see `median`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../runtime/backend/select-backend.ts';
import * as ops from '../runtime/ops/index.ts';
import { wasmMatMulState } from '../runtime/backend/wasm-matmul-kernel.ts';

type Row = { name: string; ours: string; builtin: string; note: string };
const quick = process.argv.includes('--quick');

/**
 * Median time of `reps` runs of `f` (after one warm-up), reading every result back.
 * It is the process's CPU time (user + system), not wall time: wasm runs on one thread,
 * so the two agree on an idle machine, and CPU time stays meaningful on a shared one.
 * Set ABLATE_BENCH_WALL=1 to time wall clock instead.
 */
const useWall = process.env['ABLATE_BENCH_WALL'] === '1';
function median(f: () => tf.Tensor | tf.Tensor[], reps: number): number {
  const run = () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    tf.tidy(() => {
      const r = f();
      for (const t of Array.isArray(r) ? r : [r]) t.dataSync();
    });
    const c = process.cpuUsage(c0);
    return useWall ? performance.now() - t0 : (c.user + c.system) / 1000;
  };
  run();
  const times = Array.from({ length: reps }, run).sort((a, b) => a - b);
  return times[Math.floor(reps / 2)]!;
}

/** Gradients of sum(f(xs)) with respect to every input. */
function fwdBwd(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): () => tf.Tensor[] {
  return () => tf.grads((...a: tf.Tensor[]) => tf.sum(f(...a)))(xs);
}

function ms(v: number | string): string {
  return typeof v === 'number' ? v.toFixed(1) : v;
}

function tryMedian(f: () => tf.Tensor | tf.Tensor[], reps: number): number | string {
  try {
    return median(f, reps);
  } catch (e) {
    return `fails: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 60)}`;
  }
}

const info = await initBackend('wasm');
console.log(`backend: ${info.note}; times are ${useWall ? 'wall-clock' : 'process CPU'} ms`);
const rows: Row[] = [];

// matmul 512² and attention-shaped batched products. With ablate's GEMM installed both
// columns run on it (transposed operands cost nothing extra there); without it
// (ABLATE_WASM_GEMM=xnnpack) the built-in gradient's transposeA/B takes tfjs-wasm's scalar loop.
const gemmNote = wasmMatMulState().installed ? "both on ablate's GEMM" : "tfjs's products (XNNPACK): built-in gradient uses transposeA/B";
{
  const a = tf.randomNormal([512, 512]);
  const b = tf.randomNormal([512, 512]);
  rows.push({
    name: 'matmul 512×512 fwd+bwd',
    ours: ms(median(fwdBwd((x, y) => ops.matmul(x!, y!), [a, b]), 7)),
    builtin: ms(median(fwdBwd((x, y) => tf.matMul(x!, y!), [a, b]), 5)),
    note: gemmNote,
  });
  const q = tf.randomNormal([2 * 64 * 3, 49, 32]);
  const k = tf.randomNormal([2 * 64 * 3, 49, 32]);
  rows.push({
    name: 'q·kᵀ [384,49,32] fwd+bwd',
    ours: ms(median(fwdBwd((x, y) => ops.matmul(x!, y!, false, true), [q, k]), 7)),
    builtin: ms(median(fwdBwd((x, y) => tf.matMul(x!, y!, false, true), [q, k]), 7)),
    note: gemmNote,
  });
  const x = tf.randomNormal([2, 3136, 96]);
  const w = tf.randomNormal([96, 384]);
  const bias = tf.zeros([384]);
  rows.push({
    name: 'linear [2,3136,96]→384 fwd+bwd',
    ours: ms(median(fwdBwd((xx, ww, bb) => ops.linear(xx!, ww!, bb), [x, w, bias]), 7)),
    builtin: ms(median(fwdBwd((xx, ww, bb) => tf.add(tf.reshape(tf.matMul(tf.reshape(xx!, [-1, 96]), ww!), [2, 3136, 384]), bb!), [x, w, bias]), 5)),
    note: '',
  });
  tf.dispose([a, b, q, k, x, w, bias]);
}

// conv2d 3×3
{
  const x = tf.randomNormal([2, 64, 64, 32]) as tf.Tensor4D;
  const w = tf.mul(tf.randomNormal([3, 3, 32, 32]), 0.1) as tf.Tensor4D;
  rows.push({
    name: 'conv2d 3×3 32→32 on 2×64×64 fwd+bwd',
    ours: ms(median(fwdBwd((xx, ww) => ops.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D), [x, w]), 5)),
    builtin: ms(tryMedian(fwdBwd((xx, ww) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), [x, w]), 3)),
    note: `tf.conv2d forward alone: ${ms(median(() => tf.conv2d(x, w, 1, 'same'), 5))}`,
  });
  tf.dispose([x, w]);
}

// conv3d 3×3×3 16→32 on 32×64×64 (issue 4's reference case)
{
  const [D, H, W] = [32, 64, 64];
  const x = tf.randomNormal([D, H, W, 16]) as tf.Tensor4D;
  const w = tf.mul(tf.randomNormal([3, 3, 3, 16, 32]), 0.1);
  const ours = median(fwdBwd((xx, ww) => ops.conv3d(xx as tf.Tensor4D, D, ww!), [x, w]), 3);
  const builtin = quick
    ? 'skipped (--quick)'
    : tryMedian(fwdBwd((xx, ww) => tf.conv3d(tf.reshape(xx!, [1, D, H, W, 16]) as tf.Tensor5D, ww as tf.Tensor5D, 1, 'same'), [x, w]), 1);
  rows.push({
    name: 'conv3d 3×3×3 16→32 on 32×64×64 fwd+bwd',
    ours: ms(ours),
    builtin: ms(builtin),
    note: 'built-in: one run; its input gradient is wrong on wasm',
  });
  const xp = tf.randomNormal([2 * 32, 128, 128, 1]) as tf.Tensor4D;
  const wp = tf.mul(tf.randomNormal([2, 4, 4, 1, 48]), 0.1);
  rows.push({
    name: 'conv3d patch embed 2×4×4 1→48, 2×32×128² fwd+bwd',
    ours: ms(median(fwdBwd((xx, ww) => ops.conv3d(xx as tf.Tensor4D, 32, ww!, undefined, { strides: [2, 4, 4], padding: 'valid' }), [xp, wp]), 5)),
    builtin: 'n/a',
    note: 'spaceToDepth3d + linear',
  });
  tf.dispose([x, w, xp, wp]);
}

// one Swin block (W-MSA with shift, MLP ratio 4) at 56×56 tokens, dim 96, window 7, batch 2
{
  const [B, H, W, C, heads, ws, shift] = [2, 56, 56, 96, 3, 7, 3];
  const N = ws * ws;
  const hd = C / heads;
  const nW = (H / ws) * (W / ws);
  const p = {
    g1: tf.ones([C]), b1: tf.zeros([C]), g2: tf.ones([C]), b2: tf.zeros([C]),
    wqkv: tf.mul(tf.randomNormal([C, 3 * C]), 0.05), bqkv: tf.zeros([3 * C]),
    wproj: tf.mul(tf.randomNormal([C, C]), 0.05), bproj: tf.zeros([C]),
    w1: tf.mul(tf.randomNormal([C, 4 * C]), 0.05), bm1: tf.zeros([4 * C]),
    w2: tf.mul(tf.randomNormal([4 * C, C]), 0.05), bm2: tf.zeros([C]),
    table: tf.mul(tf.randomNormal([ops.relativePositionTableSize2d(ws, ws), heads]), 0.02),
  };
  const oneHot = ops.oneHotMatrix(ops.relativePositionIndex2d(ws, ws), ops.relativePositionTableSize2d(ws, ws));
  const mask = tf.zeros([nW, 1, N * N]); // the shifted-window mask's values do not change the timing
  const x = tf.randomNormal([B, H, W, C]);
  const names = Object.keys(p) as (keyof typeof p)[];
  type Mm = (a: tf.Tensor, b: tf.Tensor, tb?: boolean) => tf.Tensor;
  type Lin = (t: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  const block = (mm: Mm, lin: Lin) => (xx: tf.Tensor, ...ps: tf.Tensor[]) => {
    const q = Object.fromEntries(names.map((n, i) => [n, ps[i]!])) as Record<keyof typeof p, tf.Tensor>;
    const h = ops.layerNorm(xx, q.g1 as tf.Tensor1D, q.b1 as tf.Tensor1D);
    // cyclic shift
    const shifted = ops.roll(ops.roll(h, -shift, 1), -shift, 2) as tf.Tensor4D;
    // partition windows
    const win = ops.windowPartition2d(shifted, ws, ws); // [B*nW, N, C]
    // W-MSA / SW-MSA
    const qkv = tf.reshape(lin(win, q.wqkv, q.bqkv), [B * nW, N, 3 * heads, hd]); // [B*nW, N, 3*heads, hd]
    const t = tf.reshape(tf.transpose(qkv, [0, 2, 1, 3]), [B * nW, 3, heads * N, hd]); // [B*nW, 3, heads*N, hd]
    const part = (i: number) => tf.reshape(tf.slice(t, [0, i, 0, 0], [B * nW, 1, heads * N, hd]), [B * nW * heads, N, hd]);
    const [qq, kk, vv] = [tf.mul(part(0), 1 / Math.sqrt(hd)), part(1), part(2)];
    const bias = tf.transpose(tf.reshape(ops.oneHotGather(q.table as tf.Tensor2D, oneHot), [N, N, heads]), [2, 0, 1]); // [heads, N, N]
    let att = tf.add(tf.reshape(mm(qq, kk, true), [B * nW, heads, N, N]), bias); // [B*nW, heads, N, N]
    att = tf.add(tf.reshape(att, [B, nW, heads, N * N]), mask); // [B, nW, heads, N*N]
    att = ops.softmax(tf.reshape(att, [B * nW * heads, N, N]));
    const o = tf.reshape(tf.transpose(tf.reshape(mm(att, vv), [B * nW, heads, N, hd]), [0, 2, 1, 3]), [B * nW, N, C]);
    const proj = lin(o, q.wproj, q.bproj) as tf.Tensor3D; // [B*nW, N, C]
    // merge windows, reverse shift
    const merged = ops.roll(ops.roll(ops.windowReverse2d(proj, ws, ws, H, W), shift, 1), shift, 2);
    const y = tf.add(xx, merged);
    const m = lin(ops.gelu(lin(ops.layerNorm(y, q.g2 as tf.Tensor1D, q.b2 as tf.Tensor1D), q.w1, q.bm1)), q.w2, q.bm2);
    return tf.add(y, m);
  };
  const inputs = [x, ...names.map((n) => p[n])];
  const ourMm: Mm = (a, b, tb = false) => ops.matmul(a, b, false, tb);
  const builtinMm: Mm = (a, b, tb = false) => tf.matMul(a, b, false, tb);
  const builtinLin: Lin = (t, w, b) => {
    const c = t.shape[t.rank - 1]!;
    return tf.reshape(tf.add(tf.matMul(tf.reshape(t, [-1, c]), w), b), [...t.shape.slice(0, -1), w.shape[1]!]);
  };
  rows.push({
    name: 'Swin block 56×56, dim 96, win 7, B=2 fwd+bwd',
    ours: ms(median(fwdBwd(block(ourMm, ops.linear), inputs), 5)),
    builtin: ms(median(fwdBwd(block(builtinMm, builtinLin), inputs), 3)),
    note: 'built-in column: same block with tf.matMul',
  });
  tf.dispose([...inputs, oneHot, mask]);
}

const widths = [50, 12, 30];
const line = (r: string[]) => `| ${r[0]!.padEnd(widths[0]!)} | ${r[1]!.padStart(widths[1]!)} | ${r[2]!.padStart(widths[2]!)} | ${r[3]}`;
console.log(line(['op (wasm, median ms)', 'ours', 'tfjs built-in', 'note']));
console.log(line(['-'.repeat(widths[0]!), '-'.repeat(widths[1]!), '-'.repeat(widths[2]!), '---']));
for (const r of rows) console.log(line([r.name, r.ours, r.builtin, r.note]));
