/**
 * One training step (forward + backward + update, one batch per modality, through
 * `trainLoop`) on the wasm backend, against a PyTorch twin of the same network and
 * objective (`bench/torch/train_step.py`) run in the same command:
 * (a) `experiments/quickstart.abl` as written (64², embed 16, batch 4 per modality);
 * (b) the paper's 2D config: `experiments/paper/table1.abl`, row "Ours (w/ CR)"
 *     (`cardiac_ours`: Swin-Unet patch 4, embed 96, depths [2,2,2,2], heads [3,6,12,24],
 *     Joint V3, EAMs at decoder[1..3], L_aux + L_mcr + L_icr), at Swin-Unet's 224² with
 *     window 7, batch 1 per modality, the cardiac dataset's 5 classes (SGD lr lowered to
 *     1e-4 so random data does not diverge).
 * (c) the 3D config, `experiments/paper/table2.abl` row `abdominal_ours` (nnFormer-style,
 *     patch 4×4×2, embed 192, V3 + EAMs + CR) on a 32×32×16 patch, batch 1 (the twin's 3D
 *     backbone is `bench/torch/nnformer.py`); the 3×3×3 conv3d figure is in `ops.bench.ts`.
 * The tfjs side runs twice: in the main thread (×1) and with the parallel trainer, one
 * worker thread with its own wasm instance per modality (×2, `ablate run`'s default on
 * wasm; its per-phase medians are printed too).
 * Prints the median of the timed steps after the warm-up steps, both parameter counts
 * (they must agree), the ratios tfjs/PyTorch (PyTorch at 2 threads, the reference, and at 1
 * thread) and the machine load before and after.
 *
 * Run: `node --import tsx bench/train-step.bench.ts [--only quickstart|paper|3d] [--steps N]
 * [--warmup N] [--workers 1,2] [--no-torch]`. PyTorch is looked for in `$ABLATE_TORCH_PYTHON`, `python3`,
 * `/usr/bin/python3` (Debian's `python3-torch`); without it only the tfjs side runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileFile } from '../compiler/compile.ts';
import { initBackend } from '../runtime/backend/select-backend.ts';
import { buildModel } from '../runtime/model/build-model.ts';
import { trainLoop, type Batches } from '../runtime/train/train-loop.ts';
import type { RunIR } from '../schemas/run-ir.schema.ts';

interface BenchConfig {
  name: string;
  run: RunIR;
  /** Batch per modality. */
  batch: number;
}

interface SideResult {
  params: number;
  /** Wall time. */
  medianMs: number;
  /** CPU time of the process (every thread), which other load on the machine does not inflate. */
  medianCpuMs: number;
  stepsMs: number[];
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = flag('--only');
const steps = Number(flag('--steps') ?? 5);
const warmup = Number(flag('--warmup') ?? 2);
if (only !== undefined && !['quickstart', 'paper', '3d'].includes(only)) {
  throw new Error(`train-step.bench.ts: --only ${only} is not a config; use quickstart, paper or 3d`);
}
if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
  throw new Error('train-step.bench.ts: --steps needs an integer ≥ 1 and --warmup an integer ≥ 0');
}
const withTorch = !args.includes('--no-torch');
// tfjs trainers to time: 1 = main thread, 2 = one worker thread per modality (ablate run's default on wasm)
const workerCounts = (flag('--workers') ?? '1,2').split(',').map(Number);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('train-step.bench.ts: --workers takes a list of positive integers, e.g. 1,2');
const root = path.join(import.meta.dirname, '..');

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

function compileRun(file: string, experiment: string, overrides: string[]): RunIR {
  const r = compileFile(path.join(root, file), { overrides, cwd: root });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
  const run = r.runs.find((x) => x.experiment === experiment);
  if (!run) throw new Error(`${file}: no run of experiment ${experiment} (have ${r.runs.map((x) => x.experiment).join(', ')})`);
  return run;
}

function configs(): BenchConfig[] {
  const out: BenchConfig[] = [];
  if (!only || only === 'quickstart') {
    const run = compileRun('experiments/quickstart.abl', 'quickstart', []);
    out.push({ name: 'quickstart (64², embed 16, V3 + EAM + CR)', run, batch: run.train.batch });
  }
  if (!only || only === 'paper') {
    // lr 1e-4 instead of 0.05: on random inputs and labels lr 0.05 drives L_icr to NaN within
    // a few steps and the loop's non-finite guard stops; the step costs the same either way.
    const run = compileRun('experiments/paper/table1.abl', 'cardiac_ours', ['data.crop=224 x 224', 'model.backbone.window=7', 'train.optimizer.lr=1e-4']);
    out.push({ name: 'paper 2D (224², Swin-Unet embed 96, V3 + EAM + CR)', run, batch: 1 });
  }
  if (!only || only === '3d') {
    const run = compileRun('experiments/paper/table2.abl', 'abdominal_ours', ['data.crop=32 x 32 x 16', 'train.optimizer.lr=1e-4']);
    out.push({ name: '3D nnFormer (32×32×16 patch, embed 192, V3 + EAM + CR)', run, batch: 1 });
  }
  return out;
}

/** Fixed random batches, fresh tensors per call (the loop disposes what it is given). */
function batchMaker(run: RunIR, batch: number): () => Batches {
  const [W, H, D = 1] = run.data.crop;
  const BD = batch * D!; // volumes are [B*D, H, W, C] (runtime/model/README.md)
  const cin = run.model.inChannels;
  const K = run.model.numClasses;
  const data = run.data.modalities.map((_, i) => {
    const x = tf.randomNormal([BD, H!, W!, cin], 0, 1, 'float32', 11 + i);
    const y = tf.randomUniformInt([BD, H!, W!], 0, K, 23 + i);
    const values = { x: x.dataSync().slice(), y: y.dataSync().slice() };
    tf.dispose([x, y]);
    return values;
  });
  return () =>
    Object.fromEntries(
      run.data.modalities.map((m, i) => [m, { x: tf.tensor4d(data[i]!.x, [BD, H!, W!, cin]), y: tf.tensor3d(data[i]!.y, [BD, H!, W!], 'int32') }]),
    );
}

/**
 * @param workers 1: the serial trainer (main thread); 2: the parallel trainer, one worker
 *   thread (own wasm instance) per modality, what `ablate run` uses on wasm by default
 */
async function timeTfjs(cfg: BenchConfig, workers: number): Promise<SideResult & { phases: Record<string, number> }> {
  const { run } = cfg;
  const build = { crop: run.data.crop, modalities: run.data.modalities, seed: run.train.seed, loss: run.loss };
  const model = buildModel(run.model, build);
  const params = model.parameterCount();
  const makeBatches = batchMaker(run, cfg.batch);
  const seconds: number[] = [];
  const cpuMs: number[] = [];
  const phases: Array<Record<string, number>> = [];
  let cpu = process.cpuUsage();
  try {
    await trainLoop({
      train: { ...run.train, epochs: 1, stepsPerEpoch: warmup + steps, clipGradNorm: run.train.clipGradNorm },
      specHash: 'bench',
      model,
      batchesFor: () => makeBatches(),
      stepsPerEpoch: warmup + steps,
      parallel: workers > 1 ? { model: run.model, build, backend: 'wasm', workers } : undefined,
      onStep: (r) => {
        seconds.push(r.seconds);
        if (r.phases) phases.push(r.phases);
        const d = process.cpuUsage(cpu);
        cpuMs.push((d.user + d.system) / 1000);
        cpu = process.cpuUsage();
      },
    });
  } finally {
    model.dispose();
  }
  const timed = seconds.slice(warmup).map((s) => s * 1000);
  const kept = phases.slice(warmup);
  const phaseMedians = Object.fromEntries(Object.keys(kept[0] ?? {}).map((k) => [k, median(kept.map((p) => p[k]!))]));
  return { params, medianMs: median(timed), medianCpuMs: median(cpuMs.slice(warmup)), stepsMs: timed, phases: phaseMedians };
}

function findTorchPython(): string | undefined {
  const candidates = [process.env.ABLATE_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return c;
  }
  return undefined;
}

function timeTorch(python: string, cfg: BenchConfig, torchThreads: number): SideResult & { note: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ablate-bench-'));
  try {
    const file = path.join(dir, 'config.json');
    const { run } = cfg;
    writeFileSync(
      file,
      JSON.stringify({ model: run.model, loss: run.loss, optimizer: run.train.optimizer, crop: run.data.crop, modalities: run.data.modalities, batch: cfg.batch, warmup, steps, threads: torchThreads, seed: 0 }),
    );
    const r = spawnSync(python, [path.join(import.meta.dirname, 'torch', 'train_step.py'), '--config', file], {
      encoding: 'utf8',
      // PASSIVE: OpenMP threads sleep instead of spinning at barriers; on a machine whose
      // cores are busy, spinning made 2-thread steps up to 40× slower (see README.md).
      env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', ABLATE_BENCH_THREADS: String(torchThreads) },
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`PyTorch twin failed (${r.status ?? r.signal}): ${r.stderr.slice(-800)}`);
    const last = r.stdout.trim().split('\n').pop()!;
    const res = JSON.parse(last) as SideResult & { torch: string; threads: number; blas: string };
    return { ...res, note: `torch ${res.torch}, ${res.threads} threads, BLAS ${res.blas.split(', ').pop()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const info = await initBackend('wasm');
console.log(`tfjs ${tf.version_core}, backend ${info.note}`);
const python = withTorch ? findTorchPython() : undefined;
if (withTorch && !python) console.log('PyTorch not found (set ABLATE_TORCH_PYTHON): tfjs side only');
console.log(`${steps} timed steps after ${warmup} warm-up steps; medians in ms`);

for (const cfg of configs()) {
  console.log(`\n### ${cfg.name}, batch ${cfg.batch} per modality × ${cfg.run.data.modalities.length} modalities`);
  console.log(`load before: ${load()}`);
  const ours = new Map<number, SideResult>();
  for (const workers of workerCounts) {
    const label = workers === 1 ? 'tfjs-wasm ×1' : `tfjs-wasm ×${workers}`;
    try {
      const r = await timeTfjs(cfg, workers);
      ours.set(workers, r);
      console.log(`${label}  ${r.medianMs.toFixed(0).padStart(7)} ms wall, ${r.medianCpuMs.toFixed(0).padStart(6)} ms CPU  (steps ${r.stepsMs.map((t) => t.toFixed(0)).join(', ')}; ${r.params.toLocaleString('en')} params${workers === 1 ? '; main thread' : '; one worker thread per modality'})`);
      if (workers > 1) console.log(`  phases (median ms): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
    } catch (e) {
      console.log(`${label}  failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200)}`);
    }
  }
  // 2 threads is the reference (issue 4); 1 thread compares per core with single-threaded wasm
  for (const threads of python ? [2, 1] : []) {
    try {
      const t = timeTorch(python!, cfg, threads);
      console.log(`pytorch ×${threads}  ${t.medianMs.toFixed(0).padStart(7)} ms wall, ${t.medianCpuMs.toFixed(0).padStart(6)} ms CPU  (steps ${t.stepsMs.map((x) => x.toFixed(0)).join(', ')}; ${t.params.toLocaleString('en')} params; ${t.note})`);
      for (const [workers, r] of ours) {
        if (r.params !== t.params) console.log(`WARNING: parameter counts differ (${r.params} vs ${t.params}): the twin is not the same network`);
        const cpuRatio = `, CPU time ${(r.medianCpuMs / t.medianCpuMs).toFixed(2)}×`;
        console.log(`ratio tfjs ×${workers} / pytorch ×${threads}: wall ${(r.medianMs / t.medianMs).toFixed(2)}×${cpuRatio}`);
      }
    } catch (e) {
      console.log(`pytorch ×${threads}  failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 400)}`);
    }
  }
  console.log(`load after: ${load()}`);
}
