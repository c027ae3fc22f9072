/**
 * Whole-volume prediction from a slice or patch model, and putting predictions back on the
 * source grid. Pure: the model is a callback, so this file knows no tfjs.
 *
 * Probability volumes are x fastest with the class last: `probs[(x + X · (y + Y · z)) · K + k]`.
 *
 * 2D: every axial slice z is predicted from the same `slices`-channel input the samplers
 * build (samplers.ts, edge slices clamped), in batches, and the per-slice outputs are stacked.
 * 3D: sliding windows of the patch size; along each axis the windows start every
 * max(1, ⌊p · (1 − overlap)⌋) voxels and the last one is aligned with the end, so every voxel
 * is covered; overlapping outputs are averaged with weights w (sum w·p / sum w). Weighting
 * `gaussian` (default) uses a separable Gaussian centred in the patch with σ = p / 8 per axis,
 * floored at 1e-4 of its peak (border voxels of a window are less reliable; nnU-Net's choice);
 * `uniform` weights every voxel 1. Axes shorter than the patch are padded with the image
 * minimum and the padding is dropped from the output.
 */
import { writeNifti, type Volume } from './nifti.ts';
import { DataError } from './data-error.ts';
import { resample } from './resample.ts';
import { unreorient } from './orientation.ts';
import { slice2D, patch3D, type SampleSource } from './samplers.ts';
import type { CaseGeometry } from './preprocess.ts';

/**
 * The model: `image` is a batch [B, H, W, C] (2D) or [B, D, H, W, 1] (3D) flattened, with
 * `shape` its dims; returns class probabilities (or any per-class scores) [B, H, W, K] /
 * [B, D, H, W, K] flattened.
 */
export type PredictBatch = (image: Float32Array, shape: number[]) => Float32Array | Promise<Float32Array>;

/** Slice-wise 2D prediction of a whole volume; returns probabilities [X·Y·Z·K] (class last). */
export async function predictVolume2D(
  c: Pick<SampleSource, 'dims' | 'image'>,
  slices: number,
  numClasses: number,
  predict: PredictBatch,
  batchSize = 8,
): Promise<Float32Array> {
  const [X, Y, Z] = c.dims;
  const plane = X * Y;
  const K = numClasses;
  const out = new Float32Array(plane * Z * K);
  const src: SampleSource = { id: '', dims: c.dims, image: c.image, label: new Uint8Array(plane * Z) };
  for (let z0 = 0; z0 < Z; z0 += batchSize) {
    const B = Math.min(batchSize, Z - z0);
    const batch = new Float32Array(B * plane * slices);
    for (let b = 0; b < B; b++) slice2D(src, z0 + b, slices, batch.subarray(b * plane * slices, (b + 1) * plane * slices));
    const probs = await predict(batch, [B, Y, X, slices]);
    if (probs.length !== B * plane * K) {
      throw new DataError('invalid-volume', 'predictSlices', `returned ${probs.length} values for a batch of shape [${B}, ${Y}, ${X}, ${slices}]; expected [${B}, ${Y}, ${X}, ${K}] = ${B * plane * K}`, 'return per-pixel class probabilities, channels last');
    }
    // [B, H, W, K] with H = y, W = x is already x fastest per slice.
    out.set(probs, z0 * plane * K);
  }
  return out;
}

/** Window start indices along an axis of n voxels for patch p (see the module comment). */
export function windowStarts(n: number, p: number, overlap: number): number[] {
  if (n <= p) return [0];
  const step = Math.max(1, Math.floor(p * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + p < n; s += step) starts.push(s);
  starts.push(n - p);
  return starts;
}

/** Weights of a patch [px, py, pz] as [pz, py, px] (x fastest). */
export function windowWeights(size: readonly number[], weighting: 'gaussian' | 'uniform'): Float32Array {
  const [px, py, pz] = size as [number, number, number];
  const w = new Float32Array(px * py * pz);
  if (weighting === 'uniform') return w.fill(1);
  const axis = (p: number) => Float64Array.from({ length: p }, (_, i) => Math.exp(-((i - (p - 1) / 2) ** 2) / (2 * (p / 8) ** 2)));
  const gx = axis(px);
  const gy = axis(py);
  const gz = axis(pz);
  for (let k = 0; k < pz; k++) for (let j = 0; j < py; j++) for (let i = 0; i < px; i++) w[i + px * (j + py * k)] = Math.max(1e-4, gx[i]! * gy[j]! * gz[k]!);
  return w;
}

/** Options of `predictVolume3D`. */
export interface SlidingWindowOptions {
  /** Overlap fraction of neighbouring windows in [0, 1) (Run IR `eval.overlap`); default 0.5. */
  overlap?: number;
  /** Default `gaussian`. */
  weighting?: 'gaussian' | 'uniform';
  /** Windows per model call; default 2. */
  batchSize?: number;
}

/** 3D sliding-window prediction of a whole volume; returns probabilities [X·Y·Z·K] (class last). */
export async function predictVolume3D(
  c: Pick<SampleSource, 'dims' | 'image'>,
  patch: readonly number[],
  numClasses: number,
  predict: PredictBatch,
  options: SlidingWindowOptions = {},
): Promise<Float32Array> {
  const [X, Y, Z] = c.dims;
  const [px, py, pz] = patch as [number, number, number];
  const K = numClasses;
  const n = px * py * pz;
  const weights = windowWeights(patch, options.weighting ?? 'gaussian');
  const overlap = options.overlap ?? 0.5;
  const batchSize = options.batchSize ?? 2;
  const acc = new Float32Array(X * Y * Z * K);
  const wsum = new Float32Array(X * Y * Z);
  const src: SampleSource = { id: '', dims: c.dims, image: c.image, label: new Uint8Array(X * Y * Z) };
  const origins: [number, number, number][] = [];
  for (const z of windowStarts(Z, pz, overlap)) for (const y of windowStarts(Y, py, overlap)) for (const x of windowStarts(X, px, overlap)) origins.push([x, y, z]);

  for (let b0 = 0; b0 < origins.length; b0 += batchSize) {
    const group = origins.slice(b0, b0 + batchSize);
    const batch = new Float32Array(group.length * n);
    group.forEach((o, b) => patch3D(src, o, patch, batch.subarray(b * n, (b + 1) * n)));
    const probs = await predict(batch, [group.length, pz, py, px, 1]);
    if (probs.length !== group.length * n * K) {
      throw new DataError('invalid-volume', 'predictPatches', `returned ${probs.length} values for ${group.length} patches of ${pz}×${py}×${px}; expected ${group.length * n * K}`, 'return per-voxel class probabilities [B, D, H, W, K]');
    }
    group.forEach(([ox, oy, oz], b) => {
      const xEnd = Math.min(px, X - ox);
      for (let k = 0; k < Math.min(pz, Z - oz); k++) {
        for (let j = 0; j < Math.min(py, Y - oy); j++) {
          const p0 = px * (j + py * k);
          const v0 = ox + X * (oy + j + Y * (oz + k));
          let s = (b * n + p0) * K;
          for (let i = 0; i < xEnd; i++, s += K) {
            const w = weights[p0 + i]!;
            const v = v0 + i;
            wsum[v] += w;
            const a = v * K;
            for (let c2 = 0; c2 < K; c2++) acc[a + c2] += w * probs[s + c2]!;
          }
        }
      }
    });
  }
  for (let v = 0; v < wsum.length; v++) {
    const r = 1 / wsum[v]!;
    for (let k = 0; k < K; k++) acc[v * K + k] *= r;
  }
  return acc;
}

/** Class of highest probability per voxel (first one on ties) from a class-last volume. */
export function argmaxClasses(probs: Float32Array, numClasses: number): Uint8Array {
  const K = numClasses;
  const out = new Uint8Array(probs.length / K);
  for (let v = 0; v < out.length; v++) {
    let best = 0;
    let bestP = probs[v * K]!;
    for (let k = 1; k < K; k++) if (probs[v * K + k]! > bestP) (best = k), (bestP = probs[v * K + k]!);
    out[v] = best;
  }
  return out;
}

/** Puts a volume on the preprocessed grid back into the (uncropped, unpadded) resampled grid; outside the box gets `fill`. */
function uncrop<T extends Float32Array | Uint8Array>(data: T, dims: readonly number[], g: CaseGeometry, fill: number): T {
  const [SX, SY, SZ] = dims as [number, number, number];
  const [RX, RY, RZ] = g.resampledDims;
  const out = new (data.constructor as new (n: number) => T)(RX * RY * RZ);
  if (fill !== 0) out.fill(fill);
  for (let k = 0; k < SZ; k++) {
    const z = k + g.offset[2];
    if (z < 0 || z >= RZ) continue;
    for (let j = 0; j < SY; j++) {
      const y = j + g.offset[1];
      if (y < 0 || y >= RY) continue;
      for (let i = 0; i < SX; i++) {
        const x = i + g.offset[0];
        if (x >= 0 && x < RX) out[x + RX * (y + RY * z)] = data[i + SX * (j + SY * k)]!;
      }
    }
  }
  return out;
}

/**
 * Class labels on the preprocessed grid → the case's stored file grid: un-crop / un-pad
 * (outside the box is background 0), nearest-neighbour resampling back (original voxel i
 * reads resampled index i / step, clamped to the grid), then the inverse reorientation.
 * The result can be written with `writePrediction` next to the source image.
 */
export function labelsToOriginalGrid(labels: Uint8Array, dims: readonly number[], geometry: CaseGeometry): Uint8Array {
  const full = uncrop(labels, dims, geometry, 0);
  const back = geometry.step.every((s) => s === 1) ? full : resample(full, geometry.resampledDims, geometry.originalDims, geometry.step.map((s) => 1 / s), 'nearest');
  return unreorient(back, geometry.storedDims, geometry.orientation);
}

/**
 * Class probabilities on the preprocessed grid → class labels on the stored file grid: each
 * class map is un-cropped (outside the box: background probability 1, others 0), resampled
 * trilinearly back, the argmax taken and the reorientation undone. Smoother boundaries than
 * `labelsToOriginalGrid`.
 */
export function probabilitiesToOriginalGrid(probs: Float32Array, dims: readonly number[], numClasses: number, geometry: CaseGeometry): Uint8Array {
  const K = numClasses;
  const n = dims[0]! * dims[1]! * dims[2]!;
  const [OX, OY, OZ] = geometry.originalDims;
  const out = new Float32Array(OX * OY * OZ * K);
  const channel = new Float32Array(n);
  for (let k = 0; k < K; k++) {
    for (let v = 0; v < n; v++) channel[v] = probs[v * K + k]!;
    const full = uncrop(channel, dims, geometry, k === 0 ? 1 : 0);
    const back = geometry.step.every((s) => s === 1) ? full : resample(full, geometry.resampledDims, geometry.originalDims, geometry.step.map((s) => 1 / s), 'linear');
    for (let v = 0; v < back.length; v++) out[v * K + k] = back[v]!;
  }
  return unreorient(argmaxClasses(out, K), geometry.storedDims, geometry.orientation);
}

/**
 * Writes class labels (on `source`'s grid) as NIfTI with `source`'s header geometry, so a
 * viewer overlays the prediction on the source image. Pass `source` as read from the image file
 * (`readNifti`), not a resampled copy. With `labelValues`, class c ≥ 1 is stored as
 * `labelValues[c − 1]` (e.g. MM-WHS 205/420/500/820); otherwise class indices are stored.
 */
export async function writePrediction(path: string, labels: Uint8Array, source: Volume, labelValues?: readonly number[]): Promise<void> {
  const n = source.dims[0] * source.dims[1] * source.dims[2];
  if (labels.length !== n) {
    throw new DataError('invalid-volume', path, `prediction has ${labels.length} voxels but the source grid ${source.dims.join('×')} has ${n}`, 'map the prediction back to the original grid first (labelsToOriginalGrid)');
  }
  let data: Uint8Array | Int16Array = labels;
  if (labelValues) {
    const max = Math.max(0, ...labelValues);
    data = max > 255 ? new Int16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = labels[i] ? labelValues[labels[i]! - 1]! : 0;
  }
  const volume: Volume = { data, dims: source.dims, spacing: source.spacing, affine: source.affine, datatype: data instanceof Uint8Array ? 'uint8' : 'int16' };
  await writeNifti(path, volume, { like: source, description: 'ablate prediction' });
}
