import { describe, expect, it } from 'vitest';
import { clipTop, meanStd, normalize, quantile } from '../../runtime/data/intensity.ts';
import { resample, resampledAffine, resampledDims } from '../../runtime/data/resample.ts';
import { boxStart, extractBox, foregroundBox, preprocessCase, preprocessSettings } from '../../runtime/data/preprocess.ts';
import type { LoadedCase } from '../../runtime/data/dataset.ts';
import type { DataIR } from '../../schemas/run-ir.schema.ts';

const at = (dims: readonly number[], x: number, y: number, z: number) => x + dims[0]! * (y + dims[1]! * z);

function affineOf(spacing: number[], origin = [0, 0, 0]): number[][] {
  return [
    [spacing[0]!, 0, 0, origin[0]!],
    [0, spacing[1]!, 0, origin[1]!],
    [0, 0, spacing[2]!, origin[2]!],
    [0, 0, 0, 1],
  ];
}

describe('resampling', () => {
  const dims = [7, 5, 4];
  const spacing = [1, 1.5, 3];
  const target = [0.7, 1, 2];
  const ramp = (mm: number[]) => 2 * mm[0]! + 3 * mm[1]! - 0.5 * mm[2]! + 7;
  const src = new Float32Array(7 * 5 * 4);
  for (let z = 0; z < 4; z++) for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) src[at(dims, x, y, z)] = ramp([x * 1, y * 1.5, z * 3]);

  it('sizes the grid so that every output voxel lies inside the source', () => {
    // floor(6·1/0.7)+1, floor(4·1.5/1)+1, floor(3·3/2)+1
    expect(resampledDims(dims, spacing, target)).toEqual([9, 7, 5]);
    expect(resampledDims([10, 10, 10], [1, 1, 1], [1, 1, 1])).toEqual([10, 10, 10]);
    expect(resampledDims([11, 1, 3], [0.5, 2, 1], [1, 1, 1])).toEqual([6, 1, 3]);
  });

  it('reproduces a linear ramp exactly (trilinear)', () => {
    const out = resampledDims(dims, spacing, target);
    const step = target.map((t, a) => t / spacing[a]!);
    const r = resample(src, dims, out, step, 'linear');
    for (let z = 0; z < out[2]; z++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[0]; x++) {
      expect(r[at(out, x, y, z)]).toBeCloseTo(ramp([x * 0.7, y * 1, z * 2]), 4);
    }
  });

  it('takes the nearest voxel for labels and keeps the array type', () => {
    const lab = new Uint8Array(7 * 5 * 4).map((_, i) => i % 251);
    const out = resampledDims(dims, spacing, target);
    const step = target.map((t, a) => t / spacing[a]!);
    const r = resample(lab, dims, out, step, 'nearest');
    expect(r).toBeInstanceOf(Uint8Array);
    for (let z = 0; z < out[2]; z++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[0]; x++) {
      const sx = Math.floor(x * step[0]! + 0.5);
      const sy = Math.floor(y * step[1]! + 0.5);
      const sz = Math.floor(z * step[2]! + 0.5);
      expect(r[at(out, x, y, z)]).toBe(lab[at(dims, sx, sy, sz)]);
    }
  });

  it('keeps world positions: output voxel i maps to the same mm as source index i·step', () => {
    const a = affineOf(spacing, [10, -20, 5]);
    const step = [0.7, 1 / 1.5, 2 / 3];
    const b = resampledAffine(a, step);
    const world = (m: number[][], v: number[]) => [0, 1, 2].map((r) => m[r]![0]! * v[0]! + m[r]![1]! * v[1]! + m[r]![2]! * v[2]! + m[r]![3]!);
    const w1 = world(b, [3, 2, 1]);
    const w2 = world(a, [3 * step[0]!, 2 * step[1]!, 1 * step[2]!]);
    w1.forEach((v, i) => expect(v).toBeCloseTo(w2[i]!, 12));
  });
});

describe('intensity', () => {
  it('computes quantiles like numpy (linear, type 7), ignoring NaN', () => {
    const v = Float32Array.from([10, 1, 9, 2, 8, 3, 7, 4, 6, 5, NaN]);
    expect(quantile(v, 0.9)).toBeCloseTo(9.1, 6); // h = 9 · 0.9 = 8.1 → 9 + 0.1 · (10 − 9)
    expect(quantile(v, 0.5)).toBeCloseTo(5.5, 6);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile(v, 1)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('clips the top clipTop of the histogram at the (1 − clipTop) quantile', () => {
    const v = Float32Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    const level = clipTop(v, 0.02);
    expect(level).toBeCloseTo(98.02, 4); // h = 99 · 0.98 = 97.02 → 98 + 0.02
    expect(v[0]).toBeCloseTo(98.02, 4); // was 100
    expect(v[1]).toBeCloseTo(98.02, 4); // was 99
    expect(v[2]).toBe(98);
    expect(v[99]).toBe(1);
    const untouched = Float32Array.from([5, 1]);
    expect(clipTop(untouched, 0)).toBe(Infinity);
    expect(Array.from(untouched)).toEqual([5, 1]);
  });

  it('z-scores to mean 0 and std 1 (population std), min-maxes to [0, 1]', () => {
    const v = Float32Array.from([2, 4, 4, 4, 5, 5, 7, 9]); // mean 5, population std 2
    const z = v.slice();
    normalize(z, 'zscore');
    expect(Array.from(z)).toEqual([-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2]);
    const s = meanStd(z);
    expect(s.mean).toBeCloseTo(0, 12);
    expect(s.std).toBeCloseTo(1, 12);
    const m = v.slice();
    normalize(m, 'minmax');
    expect(Array.from(m)).toEqual([0, 2 / 7, 2 / 7, 2 / 7, 3 / 7, 3 / 7, 5 / 7, 1].map(Math.fround));
    const c = Float32Array.from([3, 3]);
    normalize(c, 'zscore');
    expect(Array.from(c)).toEqual([0, 0]);
    const none = v.slice();
    normalize(none, 'none');
    expect(none).toEqual(v);
  });
});

describe('crop', () => {
  it('finds the foreground box and centres a box on it, kept inside the volume or padded', () => {
    const dims = [6, 5, 2];
    const lab = new Uint8Array(60);
    lab[at(dims, 4, 1, 0)] = 1;
    lab[at(dims, 5, 3, 1)] = 2;
    expect(foregroundBox(lab, dims)).toEqual({ min: [4, 1, 0], max: [5, 3, 1] });
    expect(foregroundBox(new Uint8Array(60), dims)).toBeNull();
    expect(boxStart(10, 4, 5)).toBe(3); // centre 5 → [3, 7)
    expect(boxStart(10, 4, 9.5)).toBe(6); // clamped to the end
    expect(boxStart(10, 4, 0)).toBe(0);
    expect(boxStart(3, 6, 1)).toBe(-1); // 3 voxels of padding: 1 before, 2 after
  });

  it('copies a box, filling outside voxels', () => {
    const dims = [3, 2, 1];
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(extractBox(v, dims, [1, 0, 0], [2, 2, 1], -1))).toEqual([2, 3, 5, 6]);
    expect(Array.from(extractBox(v, dims, [-1, 1, 0], [4, 2, 1], -1))).toEqual([-1, 4, 5, 6, -1, -1, -1, -1]);
  });
});

function loaded(dims: [number, number, number], spacing: [number, number, number], image: Float32Array, label: Uint8Array): LoadedCase {
  const affine = affineOf(spacing, [1, 2, 3]);
  return {
    ref: { modality: 'ct', id: 'c1', image: 'i.nii', label: 'l.nii' },
    image: { data: image, dims, spacing, affine, datatype: 'float32' },
    label: { data: label, dims, spacing, affine, datatype: 'uint8' },
  };
}

const DATA2D: DataIR = {
  modalities: ['ct', 'mri'],
  dims: 2,
  sliceAxis: 'axial',
  slices: 3,
  crop: [4, 4],
  spacing: [1, 1, 2],
  intensity: { clipTop: 0.02, normalize: 'zscore' },
  cropAt: 'label',
  split: { train: 0.7, val: 0.1, test: 0.2, seed: 0, annotated: {} },
  sample: null,
};

describe('preprocessCase', () => {
  it('derives settings from the Run IR data block (2D crop, 3D minimum size)', () => {
    expect(preprocessSettings(DATA2D)).toEqual({ spacing: [1, 1, 2], crop: [4, 4], minSize: null, clipTop: 0.02, normalize: 'zscore', cropAt: 'label', sliceAxis: 'axial' });
    expect(preprocessSettings({ ...DATA2D, dims: 3, slices: 1, crop: [8, 8, 4], spacing: null })).toEqual({ spacing: null, crop: null, minSize: [8, 8, 4], clipTop: 0.02, normalize: 'zscore', cropAt: 'label' });
  });

  it('resamples, crops around the foreground (crop_at: label), clips, z-scores and records the geometry', () => {
    // 10 × 8 × 3 at 0.5 × 0.5 × 2 mm; foreground block x 12..15 (resampled 6..7), y 4..7.
    const dims: [number, number, number] = [16, 12, 3];
    const img = new Float32Array(16 * 12 * 3).map((_, i) => (i * 37) % 101);
    const lab = new Uint8Array(16 * 12 * 3);
    for (let z = 0; z < 3; z++) for (let y = 4; y < 8; y++) for (let x = 12; x < 16; x++) lab[at(dims, x, y, z)] = 2;
    const out = preprocessCase(loaded(dims, [0.5, 0.5, 2], img, lab), { spacing: [1, 1, 2], crop: [4, 4], minSize: null, clipTop: 0.1, normalize: 'zscore', cropAt: 'label' });
    expect(out.geometry.resampledDims).toEqual([8, 6, 3]);
    expect(out.geometry.step).toEqual([2, 2, 1]);
    expect(out.dims).toEqual([4, 4, 3]);
    // foreground resampled x 6..7 → centre 7 → start 5, clamped to 8 − 4 = 4; y 2..3 → centre 3 → start 1.
    expect(out.geometry.offset).toEqual([4, 1, 0]);
    expect(out.geometry.droppedForeground).toBe(0);
    // Label: the nearest-resampled foreground, cropped.
    for (let z = 0; z < 3; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) {
      expect(out.label[at(out.dims, x, y, z)]).toBe(x >= 2 && y >= 1 && y <= 2 ? 2 : 0);
    }
    // Image: source voxel (2·(x + 4), 2·(y + 1), z) (even indices: no interpolation), then clipped and z-scored.
    const raw = Float32Array.from({ length: 48 }, (_, i) => img[at(dims, 2 * ((i % 4) + 4), 2 * (Math.floor(i / 4) % 4 + 1), Math.floor(i / 16))]!);
    const level = quantile(raw, 0.9);
    const clipped = Array.from(raw, (v) => Math.min(v, level));
    const mean = clipped.reduce((a, b) => a + b, 0) / 48;
    const std = Math.sqrt(clipped.reduce((a, b) => a + (b - mean) ** 2, 0) / 48);
    clipped.forEach((v, i) => expect(out.image[i]).toBeCloseTo((v - mean) / std, 5));
    const s = meanStd(out.image);
    expect(s.mean).toBeCloseTo(0, 5);
    expect(s.std).toBeCloseTo(1, 5);
    // Affine: preprocessed voxel 0 is resampled voxel (4, 1, 0) = source index (8, 2, 0).
    expect(out.affine).toEqual([
      [1, 0, 0, 1 + 0.5 * 8],
      [0, 1, 0, 2 + 0.5 * 2],
      [0, 0, 2, 3],
      [0, 0, 0, 1],
    ]);
  });

  it('counts the foreground voxels a crop cuts off', () => {
    const dims: [number, number, number] = [8, 1, 1];
    const lab = Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 0]);
    const out = preprocessCase(loaded(dims, [1, 1, 1], new Float32Array(8), lab), { spacing: null, crop: [4, 1], minSize: null, clipTop: 0, normalize: 'none', cropAt: 'label' });
    expect(out.geometry.offset).toEqual([2, 0, 0]);
    expect(Array.from(out.label)).toEqual([1, 1, 1, 1]);
    expect(out.geometry.droppedForeground).toBe(2);
  });

  it('pads a small volume: statistics ignore the padding, which gets the normalised minimum', () => {
    const dims: [number, number, number] = [2, 2, 1];
    const out = preprocessCase(loaded(dims, [1, 1, 1], Float32Array.from([1, 2, 3, 4]), Uint8Array.from([0, 1, 0, 0])), { spacing: null, crop: [4, 3], minSize: null, clipTop: 0, normalize: 'minmax', cropAt: 'label' });
    expect(out.dims).toEqual([4, 3, 1]);
    expect(out.geometry.offset).toEqual([-1, 0, 0]);
    const v = 1 / 3;
    // rows y = 0, 1 hold the data (x 1..2), y = 2 is padding; padding = min = 0.
    expect(Array.from(out.image)).toEqual([0, 0, v, 0, 0, 2 * v, 1, 0, 0, 0, 0, 0].map(Math.fround));
    expect(Array.from(out.label)).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('3D: pads each axis up to the patch size and keeps the rest', () => {
    const dims: [number, number, number] = [5, 4, 2];
    const out = preprocessCase(loaded(dims, [1, 1, 1], new Float32Array(40).map((_, i) => i), new Uint8Array(40)), { spacing: null, crop: null, minSize: [4, 4, 4], clipTop: 0, normalize: 'none', cropAt: 'image' });
    expect(out.dims).toEqual([5, 4, 4]);
    expect(out.geometry.offset).toEqual([0, 0, -1]);
    expect(out.image[at(out.dims, 3, 2, 1)]).toBe(3 + 5 * 2);
    expect(out.image[at(out.dims, 3, 2, 0)]).toBe(0); // padding = min
  });
});
