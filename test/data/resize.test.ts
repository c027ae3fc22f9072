/**
 * `data.resize` (App. C: abdominal volumes resized in-plane to 256 × 256) in preprocessing:
 * images against a naive trilinear loop and against an analytic linear field in world
 * coordinates, labels by nearest neighbour (values preserved), the spacing and affine that
 * follow, and predictions put back on the stored grid.
 */
import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../../runtime/data/dataset.ts';
import { preprocessCase, preprocessSettings, type PreprocessSettings } from '../../runtime/data/preprocess.ts';
import { labelsToOriginalGrid } from '../../runtime/data/volume-inference.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareData } from '../../runtime/data/prepare-data.ts';
import type { DataIR, DatasetIR } from '../../schemas/run-ir.schema.ts';

const affine = [
  [0.8, 0, 0, -40],
  [0, 0.9, 0, 12],
  [0, 0, 3, 5],
  [0, 0, 0, 1],
];
const spacing: [number, number, number] = [0.8, 0.9, 3];
const world = (a: number[][], i: number[]) => [0, 1, 2].map((r) => a[r]![0]! * i[0]! + a[r]![1]! * i[1]! + a[r]![2]! * i[2]! + a[r]![3]!);
/** A linear field of world position: trilinear interpolation reproduces it exactly. */
const field = (w: number[]) => 2 * w[0]! - 3 * w[1]! + 0.5 * w[2]! + 7;

/** A case on `dims` whose image is `field` (plus a non-linear term when `bumpy`) and whose label holds blocks of 0, 3, 7, 9. */
function analytic(dims: [number, number, number], bumpy = false): LoadedCase {
  const [X, Y, Z] = dims;
  const data = new Float32Array(X * Y * Z);
  const lab = new Uint8Array(X * Y * Z);
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const v = x + X * (y + Y * z);
    data[v] = field(world(affine, [x, y, z])) + (bumpy ? Math.sin(x * 1.3) * Math.cos(y * 0.7) * (z + 1) : 0);
    lab[v] = [0, 3, 7, 9][(Math.floor(x / 3) + Math.floor(y / 2) + z) % 4]!;
  }
  const grid = { dims, spacing, affine };
  return {
    ref: { modality: 'ct', id: 'a', image: 'a.nii', label: 'a_label.nii' },
    image: { ...grid, data, datatype: 'float32' },
    label: { ...grid, affine: affine.map((r) => r.slice()), data: lab, datatype: 'uint8' },
  } as LoadedCase;
}

const settings = (resize: [number, number], extra: Partial<PreprocessSettings> = {}): PreprocessSettings => ({ spacing: null, crop: null, cropAt: 'image', minSize: null, clipTop: 0, normalize: 'none', resize, ...extra });

/** Naive reference: output voxel (i, j, k) reads source coordinate (i·sx, j·sy, k·sz) by trilinear interpolation over the 8 neighbours. */
function naiveTrilinear(src: Float32Array, dims: number[], outDims: number[], step: number[]): Float64Array {
  const [X, Y, Z] = dims as [number, number, number];
  const out = new Float64Array(outDims[0]! * outDims[1]! * outDims[2]!);
  for (let k = 0; k < outDims[2]!; k++) for (let j = 0; j < outDims[1]!; j++) for (let i = 0; i < outDims[0]!; i++) {
    const p = [i * step[0]!, j * step[1]!, k * step[2]!].map((c, a) => Math.min(c, dims[a]! - 1));
    let v = 0;
    for (const dz of [0, 1]) for (const dy of [0, 1]) for (const dx of [0, 1]) {
      const x = Math.min(Math.floor(p[0]!) + dx, X - 1);
      const y = Math.min(Math.floor(p[1]!) + dy, Y - 1);
      const z = Math.min(Math.floor(p[2]!) + dz, Z - 1);
      const w = (dx ? p[0]! - Math.floor(p[0]!) : 1 - (p[0]! - Math.floor(p[0]!))) * (dy ? p[1]! - Math.floor(p[1]!) : 1 - (p[1]! - Math.floor(p[1]!))) * (dz ? p[2]! - Math.floor(p[2]!) : 1 - (p[2]! - Math.floor(p[2]!)));
      v += w * src[x + X * (y + Y * z)]!;
    }
    out[i + outDims[0]! * (j + outDims[1]! * k)] = v;
  }
  return out;
}

describe('data.resize: in-plane resampling to a fixed grid', () => {
  it('images match a naive trilinear loop (down and up), z untouched without spacing', () => {
    const c = analytic([23, 17, 4], true);
    for (const resize of [[9, 11], [40, 30]] as [number, number][]) {
      const p = preprocessCase(c, settings(resize));
      expect(p.dims).toEqual([resize[0], resize[1], 4]);
      const step = [22 / (resize[0] - 1), 16 / (resize[1] - 1), 1];
      const ref = naiveTrilinear(c.image.data, [23, 17, 4], p.dims, step);
      let worst = 0;
      for (let v = 0; v < ref.length; v++) worst = Math.max(worst, Math.abs(p.image[v]! - ref[v]!));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('keeps the extent: the corners keep their world positions, spacing = s·(N − 1)/(N′ − 1), and a linear field is reproduced at every voxel', () => {
    const c = analytic([23, 17, 4]);
    const p = preprocessCase(c, settings([12, 33]));
    expect(p.spacing[0]).toBeCloseTo((0.8 * 22) / 11, 12);
    expect(p.spacing[1]).toBeCloseTo((0.9 * 16) / 32, 12);
    expect(p.spacing[2]).toBe(3);
    for (const [a, b] of [[[0, 0, 0], [0, 0, 0]], [[11, 32, 3], [22, 16, 3]]]) {
      world(p.affine, a!).forEach((w, r) => expect(w).toBeCloseTo(world(affine, b!)[r]!, 9));
    }
    const [X, Y, Z] = p.dims;
    for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++) {
      expect(p.image[i + X * (j + Y * k)]).toBeCloseTo(field(world(p.affine, [i, j, k])), 2);
    }
  });

  it('labels go by nearest neighbour: only the stored values, each read from the rounded source voxel', () => {
    const c = analytic([23, 17, 4]);
    const p = preprocessCase(c, settings([30, 7]));
    expect(new Set(p.label)).toEqual(new Set(c.label.data));
    const [X, Y, Z] = p.dims;
    for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++) {
      const x = Math.floor((i * 22) / 29 + 0.5);
      const y = Math.floor((j * 16) / 6 + 0.5);
      expect(p.label[i + X * (j + Y * k)]).toBe(c.label.data[x + 23 * (y + 17 * k)]);
    }
  });

  it('with spacing, z follows the spacing and x, y the resize; the cut is recorded so predictions return to the stored grid exactly', () => {
    // 9 → 25 and 7 → 19 voxels: every stored voxel lands on a resampled one (ratio 3), so nearest there and back is exact.
    const c = analytic([9, 7, 8]);
    const p = preprocessCase(c, settings([25, 19], { spacing: [1.5, 1.5, 6] }));
    expect(p.dims).toEqual([25, 19, 4]); // z: floor(7·3/6) + 1 = 4
    expect(p.spacing).toEqual([0.8 / 3, 0.9 / 3, 6]);
    expect(p.geometry.step).toEqual([1 / 3, 1 / 3, 2]);
    const back = labelsToOriginalGrid(p.label, p.dims, p.geometry);
    // z was halved (6 mm from 3 mm): stored slice z reads resampled slice z/2, exact for even z.
    for (let z = 0; z < 8; z += 2) {
      for (let v = 0; v < 63; v++) expect(back[v + 63 * z]).toBe(c.label.data[v + 63 * z]);
    }
    expect(back.length).toBe(c.label.data.length);
  });

  it('2D: resize before the in-plane crop (a crop larger than the resize is padded)', () => {
    const c = analytic([23, 17, 4], true);
    const p = preprocessCase(c, settings([16, 16], { crop: [20, 16] }));
    expect(p.dims).toEqual([20, 16, 4]);
    expect(p.geometry.resampledDims).toEqual([16, 16, 4]);
    expect(p.geometry.offset).toEqual([-2, 0, 0]);
  });

  it('reads `resize` from the Run IR (3D and 2D), and leaves it out of the settings (so the cache key) when unset', () => {
    const data = { modalities: ['ct'], dims: 3, slices: 1, sliceAxis: 'axial', crop: [64, 64, 16], cropAt: 'image', spacing: [1.5, 1.5, 8], intensity: { clipTop: 0, normalize: 'zscore' }, split: { train: 0.7, val: 0.1, test: 0.2, seed: 0, annotated: {} }, sample: null } as unknown as DataIR;
    expect('resize' in preprocessSettings(data)).toBe(false);
    expect(preprocessSettings({ ...data, resize: [256, 256] }).resize).toEqual([256, 256]);
    expect(preprocessSettings({ ...data, dims: 2, crop: [64, 64], resize: [128, 96] }).resize).toEqual([128, 96]);
  });

  it('end to end from the Run IR: every case of a phantom comes out on the resized grid, cached under its own key, and goes back to its stored grid', async () => {
    const dataset: DatasetIR = {
      name: 'mini_abdomen',
      title: null,
      source: { kind: 'phantom', anatomy: 'abdominal', size: [28, 24, 6], spacing: [2, 2, 6], seed: 3 },
      classes: ['liver', 'spleen', 'rkdy', 'lkdy'],
      modalities: { ct: { images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 3 } },
    };
    const data = { modalities: ['ct'], dims: 3, slices: 1, sliceAxis: 'axial', crop: [32, 32, 4], cropAt: 'image', spacing: [2, 2, 12], resize: [40, 36], intensity: { clipTop: 0, normalize: 'zscore' }, split: { train: 0.34, val: 0.33, test: 0.33, seed: 0, annotated: {} }, sample: null } as unknown as DataIR;
    const cwd = mkdtempSync(join(tmpdir(), 'ablate-resize-'));
    const resized = await prepareData(dataset, data, { cwd });
    const { train, val, test } = resized.modalities.ct!;
    const cases = [...train, ...val, ...test];
    expect(cases.length).toBe(3);
    for (const c of cases) {
      expect(c.dims.slice(0, 2)).toEqual([40, 36]);
      expect(c.geometry.resampledDims[2]).toBe(Math.floor(((c.geometry.originalDims[2] - 1) * c.geometry.originalSpacing[2]) / 12 + 1e-6) + 1);
      const [X, Y, Z] = c.geometry.storedDims;
      expect(labelsToOriginalGrid(c.label, c.dims, c.geometry).length).toBe(X * Y * Z);
    }
    const { resize: _resize, ...unresized } = data;
    const plain = await prepareData(dataset, unresized as DataIR, { cwd });
    expect([plain.preprocessed, plain.cached]).toEqual([3, 0]); // another cache key
    expect((await prepareData(dataset, data, { cwd })).cached).toBe(3);
  });
});
