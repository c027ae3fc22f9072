/**
 * Training samples and batches from preprocessed cases. Pure typed-array code (no tfjs), so
 * it can run in a worker thread.
 *
 * Layouts (channels last, as tfjs expects):
 *  - 2D sample: `slices` consecutive axial slices z − h … z + h (h = ⌊slices / 2⌋; indices
 *    outside the volume clamp to the first / last slice) as channels: image [H, W, slices]
 *    with H = Y, W = X, i.e. `image[(y · X + x) · slices + s]`; label [H, W] of the middle
 *    slice z (paper §2.1: three consecutive slices, the middle one's label).
 *  - 3D sample: a patch of `crop` = [px, py, pz] voxels: image [D, H, W, 1] = [pz, py, px, 1],
 *    `image[(z · py + y) · px + x]`; label [D, H, W].
 *  - Batches stack samples first: [B, H, W, slices] / [B, D, H, W, 1]; labels [B, H, W] / [B, D, H, W].
 * Sampling: 2D goes through every (case, slice) of a modality once per epoch in a seeded
 * shuffled order; 3D draws a random case and a random patch, centred on a random labelled
 * voxel with probability `foregroundFraction` (default 1/3) and uniform otherwise.
 * Modalities are sampled independently (unpaired data): one sampler per modality.
 */
import { DataError } from './data-error.ts';
import { SeededRandom } from './seeded-random.ts';
import type { PreprocessedCase } from './preprocess.ts';

/** The fields of a preprocessed case a sampler reads. */
export type SampleSource = Pick<PreprocessedCase, 'id' | 'dims' | 'image' | 'label'>;

/** A 2D sample: image [H, W, slices], label [H, W] (H = Y, W = X). */
export function slice2D(c: SampleSource, z: number, slices: number, image?: Float32Array, label?: Int32Array): { image: Float32Array; label: Int32Array } {
  const [X, Y, Z] = c.dims;
  const plane = X * Y;
  const img = image ?? new Float32Array(plane * slices);
  const lab = label ?? new Int32Array(plane);
  const half = Math.floor(slices / 2);
  for (let s = 0; s < slices; s++) {
    const zz = Math.min(Math.max(z - half + s, 0), Z - 1);
    const src = plane * zz;
    for (let i = 0; i < plane; i++) img[i * slices + s] = c.image[src + i]!;
  }
  const src = plane * z;
  for (let i = 0; i < plane; i++) lab[i] = c.label[src + i]!;
  return { image: img, label: lab };
}

/**
 * A 3D patch at `origin` [x0, y0, z0] of `size` [px, py, pz]: image [pz, py, px, 1], label
 * [pz, py, px]. Voxels outside the volume read the image minimum and label 0.
 */
export function patch3D(c: SampleSource, origin: readonly number[], size: readonly number[], image?: Float32Array, label?: Int32Array): { image: Float32Array; label: Int32Array } {
  const [X, Y, Z] = c.dims;
  const [px, py, pz] = size as [number, number, number];
  const [x0, y0, z0] = origin as [number, number, number];
  const img = image ?? new Float32Array(px * py * pz);
  const lab = label ?? new Int32Array(px * py * pz);
  if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 + px <= X && y0 + py <= Y && z0 + pz <= Z) {
    // Inside the volume: copy whole rows.
    for (let k = 0; k < pz; k++) {
      for (let j = 0; j < py; j++) {
        const src = x0 + X * (y0 + j + Y * (z0 + k));
        const dst = px * (j + py * k);
        img.set(c.image.subarray(src, src + px), dst);
        for (let i = 0; i < px; i++) lab[dst + i] = c.label[src + i]!;
      }
    }
    return { image: img, label: lab };
  }
  let fill = Infinity;
  for (const v of c.image) fill = Math.min(fill, v);
  for (let k = 0; k < pz; k++) {
    const z = z0 + k;
    for (let j = 0; j < py; j++) {
      const y = y0 + j;
      const dst = px * (j + py * k);
      for (let i = 0; i < px; i++) {
        const x = x0 + i;
        const inside = x >= 0 && x < X && y >= 0 && y < Y && z >= 0 && z < Z;
        const src = x + X * (y + Y * z);
        img[dst + i] = inside ? c.image[src]! : fill;
        lab[dst + i] = inside ? c.label[src]! : 0;
      }
    }
  }
  return { image: img, label: lab };
}

/** One batch of one modality. */
export interface Batch {
  modality: string;
  /** [B, H, W, slices] (2D) or [B, D, H, W, 1] (3D), flattened. */
  image: Float32Array;
  imageShape: number[];
  /** [B, H, W] or [B, D, H, W] class indices. */
  label: Int32Array;
  labelShape: number[];
  /** Where each sample came from: `case_003:z12` or `case_003:(x,y,z)`. */
  origins: string[];
}

/** Options of `BatchSampler`. */
export interface SamplerOptions {
  dims: 2 | 3;
  /** 2D: consecutive slices as channels (odd). */
  slices: number;
  /** 3D: patch size [px, py, pz]. Ignored in 2D (the cases are already cropped). */
  crop: readonly number[];
  batch: number;
  seed: number;
  /** 3D: probability that a patch is centred on a labelled voxel; default 1/3. */
  foregroundFraction?: number;
}

/** Seeded, endless batches of one modality (see the module comment). */
export class BatchSampler {
  private readonly rng: SeededRandom;
  private order: [number, number][] = [];
  private cursor = 0;
  private epochIndex = 0;
  private readonly foreground = new Map<number, Int32Array>();

  constructor(
    readonly modality: string,
    private readonly cases: readonly SampleSource[],
    private readonly options: SamplerOptions,
  ) {
    if (cases.length === 0) throw new DataError('split-too-small', `modality ${modality}`, 'has no training case to sample from', 'check the split');
    if (options.dims === 2) {
      const [X, Y] = cases[0]!.dims;
      for (const c of cases) {
        if (c.dims[0] !== X || c.dims[1] !== Y) {
          throw new DataError('invalid-volume', `${modality}/${c.id}`, `is ${c.dims[0]}×${c.dims[1]} in-plane but ${modality}/${cases[0]!.id} is ${X}×${Y}`, 'crop every case to one in-plane size (data.crop)');
        }
      }
    }
    this.rng = new SeededRandom(`sampler:${options.seed}:${modality}`);
  }

  /** 2D: slices per epoch (every slice of every case); 3D: the number of cases. */
  get samplesPerEpoch(): number {
    return this.options.dims === 2 ? this.cases.reduce((n, c) => n + c.dims[2], 0) : this.cases.length;
  }

  /** Completed epochs (2D). */
  get epoch(): number {
    return this.epochIndex;
  }

  private nextSlice(): [number, number] {
    if (this.cursor >= this.order.length) {
      if (this.order.length) this.epochIndex++;
      const all: [number, number][] = [];
      this.cases.forEach((c, ci) => {
        for (let z = 0; z < c.dims[2]; z++) all.push([ci, z]);
      });
      this.order = new SeededRandom(`slices:${this.options.seed}:${this.modality}:${this.epochIndex}`).shuffle(all);
      this.cursor = 0;
    }
    return this.order[this.cursor++]!;
  }

  private foregroundOf(ci: number): Int32Array {
    let fg = this.foreground.get(ci);
    if (!fg) {
      const lab = this.cases[ci]!.label;
      let n = 0;
      for (let i = 0; i < lab.length; i++) if (lab[i]) n++;
      fg = new Int32Array(n);
      n = 0;
      for (let i = 0; i < lab.length; i++) if (lab[i]) fg[n++] = i;
      this.foreground.set(ci, fg);
    }
    return fg;
  }

  /** Origin of a random 3D patch in case `ci` (foreground-biased). */
  patchOrigin(ci: number): [number, number, number] {
    const c = this.cases[ci]!;
    const [X, Y, Z] = c.dims;
    const size = this.options.crop;
    const fg = this.foregroundOf(ci);
    const start = (n: number, p: number, centre: number | null) => {
      const hi = Math.max(0, n - p);
      if (centre === null) return this.rng.int(hi + 1);
      return Math.min(Math.max(centre - Math.floor(p / 2), 0), hi);
    };
    if (fg.length && this.rng.uniform() < (this.options.foregroundFraction ?? 1 / 3)) {
      const v = fg[this.rng.int(fg.length)]!;
      return [start(X, size[0]!, v % X), start(Y, size[1]!, Math.floor(v / X) % Y), start(Z, size[2]!, Math.floor(v / (X * Y)))];
    }
    return [start(X, size[0]!, null), start(Y, size[1]!, null), start(Z, size[2]!, null)];
  }

  /** The next batch. */
  next(): Batch {
    const B = this.options.batch;
    const origins: string[] = [];
    if (this.options.dims === 2) {
      const S = this.options.slices;
      const [X, Y] = this.cases[0]!.dims;
      const plane = X * Y;
      const image = new Float32Array(B * plane * S);
      const label = new Int32Array(B * plane);
      for (let b = 0; b < B; b++) {
        const [ci, z] = this.nextSlice();
        slice2D(this.cases[ci]!, z, S, image.subarray(b * plane * S, (b + 1) * plane * S), label.subarray(b * plane, (b + 1) * plane));
        origins.push(`${this.cases[ci]!.id}:z${z}`);
      }
      return { modality: this.modality, image, imageShape: [B, Y, X, S], label, labelShape: [B, Y, X], origins };
    }
    const [px, py, pz] = this.options.crop as [number, number, number];
    const n = px * py * pz;
    const image = new Float32Array(B * n);
    const label = new Int32Array(B * n);
    for (let b = 0; b < B; b++) {
      const ci = this.rng.int(this.cases.length);
      const o = this.patchOrigin(ci);
      patch3D(this.cases[ci]!, o, [px, py, pz], image.subarray(b * n, (b + 1) * n), label.subarray(b * n, (b + 1) * n));
      origins.push(`${this.cases[ci]!.id}:(${o.join(',')})`);
    }
    return { modality: this.modality, image, imageShape: [B, pz, py, px, 1], label, labelShape: [B, pz, py, px], origins };
  }
}

/**
 * One training step's batches: one independent batch per modality (unpaired), in the order
 * of `samplers`. Endless; the caller stops it.
 */
export function* unpairedBatches(samplers: readonly BatchSampler[]): Generator<Record<string, Batch>> {
  for (;;) {
    const step: Record<string, Batch> = {};
    for (const s of samplers) step[s.modality] = s.next();
    yield step;
  }
}
