/**
 * Where one worker's training pass goes: the forward and backward pass of one modality, as
 * a parallel-trainer worker runs it (the other modality's Q and E handed over as constants),
 * timed, then profiled kernel by kernel with `tf.profile` on wasm.
 *
 * Run: `node --import tsx bench/pass-profile.bench.ts [--only paper|quickstart|3d] [--passes 5] [--top 25]`
 * (default: the paper config, ≈ 30 s). Prints the median pass in wall-clock ms, then the
 * kernels by total time (registered kernels only: op scopes, which contain kernels, are
 * left out so nothing is counted twice). The profiled pass runs slower than an unprofiled
 * one (tfjs reads every kernel's output shape and times it), so the kernel times add up to
 * more than the median.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import path from 'node:path';
import { compileFile } from '../compiler/compile.ts';
import type { RunIR } from '../schemas/run-ir.schema.ts';
import { initBackend } from '../runtime/backend/select-backend.ts';
import { buildModel, type ModalityBatch } from '../runtime/model/build-model.ts';
import type { CouplingInput } from '../runtime/losses/total-loss.ts';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = flag('--only') ?? 'paper';
const passes = Number(flag('--passes') ?? 5);
const top = Number(flag('--top') ?? 25);
const CONFIGS: Record<string, [string, string, string[]]> = {
  quickstart: ['experiments/quickstart.abl', 'quickstart', []],
  paper: ['experiments/paper/table1.abl', 'cardiac_ours', ['data.crop=224 x 224', 'model.backbone.window=7']],
  '3d': ['experiments/paper/table2.abl', 'abdominal_ours', ['data.crop=32 x 32 x 16']],
};
const config = CONFIGS[only];
if (!config) throw new Error(`pass-profile.bench.ts: --only ${only} is not a config; use ${Object.keys(CONFIGS).join(', ')}`);
if (!(Number.isInteger(passes) && passes >= 1 && Number.isInteger(top) && top >= 1)) {
  throw new Error('pass-profile.bench.ts: --passes and --top take integers ≥ 1');
}

const root = path.join(import.meta.dirname, '..');
const [file, experiment, overrides] = config;
const compiled = compileFile(path.join(root, file), { overrides, cwd: root });
const run: RunIR | undefined = compiled.runs.find((r) => r.experiment === experiment);
if (!run) throw new Error(`${file}: no run of ${experiment}`);

const info = await initBackend('wasm');
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`backend: ${info.note}`);

const model = buildModel(run.model, { crop: run.data.crop, modalities: run.data.modalities, seed: 1, loss: run.loss });
const [W, H, D = 1] = run.data.crop;
const batchSize = only === 'quickstart' ? run.train.batch : 1;
const batchOf = (i: number): ModalityBatch => ({
  x: tf.randomNormal([batchSize * D!, H!, W!, run.model.inChannels], 0, 1, 'float32', 11 + i) as tf.Tensor4D,
  y: tf.randomUniformInt([batchSize * D!, H!, W!], 0, run.model.numClasses, 23 + i),
});
const [own, other] = run.data.modalities as [string, string];
const ownBatch = batchOf(0);
// the other modality's Q and E, as the exchange would hand them over (constants)
const peers: CouplingInput[] = tf.tidy(() => {
  const out = model.forward(batchOf(1).x, other, { training: true, step: 0 });
  return [{ modality: other, Q: out.Q, E: out.E }];
});
tf.tidy(() => peers.flatMap((p) => [p.Q, ...p.E]).forEach((t) => t && tf.keep(t)));

const pass = (): void => {
  const { value, grads } = tf.variableGrads(
    () => model.computeLosses({ [own]: ownBatch }, 0, { exchange: () => peers }).total,
    model.trainableVariables,
  );
  tf.dispose([value, grads]);
};

pass();
pass();
const times: number[] = [];
for (let i = 0; i < passes; i++) {
  const t0 = performance.now();
  pass();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`\n${experiment} (${run.data.crop.join('×')}), one modality (${own}) forward + backward, batch ${batchSize}:`);
console.log(`median of ${passes} passes: ${times[passes >> 1]!.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')} sorted)`);

const profile = await tf.profile(pass);
const byKernel = new Map<string, { ms: number; calls: number }>();
let kernels = 0;
let total = 0;
for (const k of profile.kernels) {
  if (tf.getKernel(k.name, 'wasm') === undefined) continue; // an op scope: its kernels are listed too
  const ms = (await k.kernelTimeMs) as number;
  const row = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  row.ms += ms;
  row.calls += 1;
  byKernel.set(k.name, row);
  kernels += 1;
  total += ms;
}
console.log(`profiled pass: ${kernels} kernels, ${total.toFixed(0)} ms of kernel time\n`);
console.log('| kernel | calls | ms | share |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(`| ${name} | ${r.calls} | ${r.ms.toFixed(1)} | ${((100 * r.ms) / total).toFixed(1)}% |`);
}
