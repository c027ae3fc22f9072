/**
 * Data pipeline benchmark: phantom generation, preprocessing of an MM-WHS-sized CT volume,
 * cache encode/decode, 2D/3D batch sampling and sliding-window reassembly (identity model,
 * so only the pipeline's own cost is measured). Medians of wall time after one warm-up.
 *
 * Run: node --import tsx bench/data.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { phantomCase, type PhantomSpec } from '../runtime/data/phantom/generate.ts';
import { encodeNifti } from '../runtime/data/nifti.ts';
import { preprocessCase, type PreprocessedCase } from '../runtime/data/preprocess.ts';
import { decodePreprocessed, encodePreprocessed } from '../runtime/data/cache.ts';
import { BatchSampler } from '../runtime/data/samplers.ts';
import { predictVolume3D } from '../runtime/data/volume-inference.ts';
import type { LoadedCase } from '../runtime/data/dataset.ts';

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function time(label: string, runs: number, f: () => unknown): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  const ms = median(t);
  console.log(`${label.padEnd(64)} ${ms.toFixed(1).padStart(9)} ms (median of ${runs})`);
  return ms;
}

const spec: PhantomSpec = {
  anatomy: 'cardiac',
  size: [96, 96, 24],
  spacing: [1.25, 1.25, 3],
  seed: 0,
  classes: ['LVM', 'LAC', 'LVC', 'AA'],
  modalities: [
    { name: 'ct', cases: 1, labelValues: [1, 2, 3, 4] },
    { name: 'mri', cases: 1, labelValues: [1, 2, 3, 4] },
  ],
};
let k = 0;
await time('phantom case 96×96×24, CT (anatomy + appearance)', 5, () => phantomCase(spec, 'ct', k++));
await time('phantom case 96×96×24, MRI (+ bias field, Rician noise)', 5, () => phantomCase(spec, 'mri', k++));
const one = phantomCase(spec, 'mri', 0);
await time('encode MRI case as .nii.gz (level 3) + label (level 6)', 5, () => {
  encodeNifti(one.image, 'x.nii.gz', { gzip: true, compressionLevel: 3 });
  encodeNifti(one.label, 'y.nii.gz', { gzip: true, compressionLevel: 6 });
});

// An MM-WHS-sized CT: 512 × 512 × 200 at 0.4 × 0.4 × 0.6 mm, heart-sized foreground block.
const dims: [number, number, number] = [512, 512, 200];
const n = dims[0] * dims[1] * dims[2];
const image = new Float32Array(n);
const label = new Uint8Array(n);
for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) {
  const i = x + dims[0] * (y + dims[1] * z);
  image[i] = ((x * 7 + y * 13 + z * 29) % 997) - 400;
  if (x > 180 && x < 400 && y > 150 && y < 380 && z > 40 && z < 170) label[i] = 1 + ((x >> 5) % 4);
}
const affine = [
  [0.4, 0, 0, 0],
  [0, 0.4, 0, 0],
  [0, 0, 0.6, 0],
  [0, 0, 0, 1],
];
const loaded: LoadedCase = {
  ref: { modality: 'ct', id: 'big', image: '', label: '' },
  image: { data: image, dims, spacing: [0.4, 0.4, 0.6], affine, datatype: 'float32' },
  label: { data: label, dims, spacing: [0.4, 0.4, 0.6], affine, datatype: 'uint8' },
};
let pre: PreprocessedCase | null = null;
await time('preprocess 512×512×200 → 1 mm, crop 256², clip 2 %, z-score', 3, () => (pre = preprocessCase(loaded, { spacing: [1, 1, 1], crop: [256, 256], minSize: null, clipTop: 0.02, normalize: 'zscore', cropAt: 'image' })));
const p = pre!;
console.log(`  (preprocessed grid ${p.dims.join('×')})`);
const bytes = encodePreprocessed(p);
await time(`cache encode ${(bytes.length / 2 ** 20).toFixed(1)} MiB entry`, 5, () => encodePreprocessed(p));
await time('cache decode', 5, () => decodePreprocessed(bytes, 'bench'));

const s2 = new BatchSampler('ct', [p], { dims: 2, slices: 3, crop: [256, 256], batch: 24, seed: 0 });
await time('2D batch: 24 × 256×256×3 (paper batch size)', 20, () => s2.next());
const s3 = new BatchSampler('ct', [p], { dims: 3, slices: 1, crop: [128, 128, 64], batch: 2, seed: 0 });
await time('3D batch: 2 × 64×128×128×1 patches', 10, () => s3.next());

const K = 5;
await time(`sliding window 256×256×${p.dims[2]}, patch 128×128×64, overlap 0.5, K=${K} (identity)`, 3, () =>
  predictVolume3D(p, [128, 128, 64], K, (batch, shape) => {
    const m = shape[0]! * shape[1]! * shape[2]! * shape[3]!;
    const out = new Float32Array(m * K);
    for (let i = 0; i < m; i++) out[i * K] = batch[i]!;
    return out;
  }, { overlap: 0.5 }),
);

// Overlap of batch preparation with a busy main thread (a stand-in for a training step).
{
  const { BackgroundBatches } = await import('../runtime/data/loader-worker.ts');
  const options = { dims: 2 as const, slices: 3, crop: [256, 256], batch: 24, seed: 0 };
  const busy = (ms: number) => {
    const t0 = performance.now();
    while (performance.now() - t0 < ms);
  };
  const steps = 20;
  const work = 60;
  const local = new BatchSampler('ct', [p], options);
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    local.next();
    busy(work);
  }
  const inProcess = performance.now() - t0;
  const bg = new BackgroundBatches([{ modality: 'ct', cases: [p], options }], 2);
  await bg.next(); // start-up (copying the case to the worker) not counted
  t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    await bg.next();
    busy(work);
  }
  const background = performance.now() - t0;
  await bg.close();
  console.log(`${steps} steps of ${work} ms work + a 24×256×256×3 batch: in-process ${inProcess.toFixed(0)} ms, worker thread ${background.toFixed(0)} ms (${(inProcess / background).toFixed(2)}×)`);
}
