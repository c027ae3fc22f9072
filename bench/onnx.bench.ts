/**
 * The ONNX export of the paper's 2D configuration (`experiments/paper/table1.abl`, row
 * "Ours (w/ CR)", `cardiac_ours`: Swin-Unet 256², patch 4, embed 96, depths [2,2,2,2],
 * heads [3,6,12,24], window 8, Joint V3; untrained weights, which time the same): the
 * file's size, how long the export takes, and the inference time of one 256×256 slice
 * (batch 1, the config's slices as channels) on ONNX Runtime's CPU provider (its default
 * threads, and 1 thread) against ablate's own `predict` path on the same machine in the
 * same process (`InferenceModel.predict` + softmax + read-back, as `ablate predict` runs
 * each batch, on the backend `predict` picks by default). Medians of the timed runs after
 * warm-up.
 *
 * Run: `node --import tsx bench/onnx.bench.ts [--runs N] [--warmup N]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import os from 'node:os';
import path from 'node:path';
import { compileFile } from '../compiler/compile.ts';
import { initBackend } from '../runtime/backend/select-backend.ts';
import { exportOnnx } from '../runtime/export/onnx/export-onnx.ts';
import { onnxMetadata } from '../runtime/export/onnx/onnx-metadata.ts';
import { buildModel } from '../runtime/model/build-model.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 7);
const warmup = Number(flag('--warmup') ?? 2);
if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(warmup) && warmup >= 0)) {
  throw new Error('onnx.bench.ts: --runs needs an integer ≥ 1 and --warmup an integer ≥ 0');
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed(fn: () => Promise<void> | void): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const root = path.join(import.meta.dirname, '..');
const compiled = compileFile(path.join(root, 'experiments/paper/table1.abl'), { cwd: root });
const run = compiled.runs.find((r) => r.name === 'cardiac_ours');
if (!run) throw new Error('onnx.bench.ts: experiments/paper/table1.abl has no run cardiac_ours');
const backend = await initBackend(undefined);
const [W, H] = run.data.crop as [number, number];
const C = run.data.slices;
console.log(`cardiac_ours: ${W}×${H}, ${C} slices as channels, ${run.model.numClasses} classes, joint ${run.model.joint}; tfjs backend ${backend.name}; load before ${load()}`);

const model = buildModel(run.model, { crop: run.data.crop, modalities: run.data.modalities, seed: run.train.seed });
const inference = model.inferenceModel();
const t0 = performance.now();
const bytes = exportOnnx(inference.weights, { ir: run.model, crop: run.data.crop, modalities: run.data.modalities }, { modality: 'mri', metadata: onnxMetadata(run, 'mri') });
const exportMs = performance.now() - t0;
console.log(`ONNX file: ${(bytes.length / 2 ** 20).toFixed(1)} MiB (${bytes.length} bytes), ${inference.parameterCount()} inference parameters of ${model.parameterCount()}; export ${(exportMs / 1000).toFixed(1)} s`);

const slice = tf.randomNormal([1, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
const ablateMs = await timed(() => {
  const probs = tf.tidy(() => tf.softmax(inference.predict(slice, 'mri')));
  probs.dataSync();
  probs.dispose();
});
const input = tf.tidy(() => tf.transpose(slice, [0, 3, 1, 2]).dataSync() as Float32Array);
const rows: [string, number[]][] = [[`ablate predict path (tfjs ${backend.name})`, ablateMs]];
for (const threads of [0, 1]) {
  const session = await ort.InferenceSession.create(bytes, threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {});
  const feeds = { image: new ort.Tensor('float32', input, [1, C, H, W]) };
  rows.push([`ONNX Runtime CPU, ${threads ? `${threads} thread` : 'default threads'}`, await timed(async () => void (await session.run(feeds, ['probabilities'])))]);
  await session.release();
}
const base = median(ablateMs);
for (const [name, ms] of rows) {
  console.log(`${name.padEnd(44)} median ${median(ms).toFixed(0).padStart(6)} ms  (${ms.map((m) => m.toFixed(0)).join(', ')})  ${(base / median(ms)).toFixed(2)}× ablate`);
}
console.log(`load after ${load()}`);
slice.dispose();
inference.dispose();
model.dispose();
