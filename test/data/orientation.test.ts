import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModalityCases, loadCase, type ModalitySource } from '../../runtime/data/dataset.ts';
import { readNifti, writeNifti } from '../../runtime/data/nifti.ts';
import { canonicalOrientation, isIdentityOrientation, orientedAffine, orientedDims, reorient, unreorient } from '../../runtime/data/orientation.ts';
import { preprocessCase } from '../../runtime/data/preprocess.ts';
import { labelsToOriginalGrid, writePrediction } from '../../runtime/data/volume-inference.ts';

const world = (m: number[][], v: number[]) => [0, 1, 2].map((r) => m[r]![0]! * v[0]! + m[r]![1]! * v[1]! + m[r]![2]! * v[2]! + m[r]![3]!);

/** Stored x → anterior, stored y → inferior (flipped S), stored z → left (flipped R). */
const PERMUTED = [
  [0, 0, -2, 10],
  [1.5, 0, 0, -3],
  [0, -0.8, 0, 7],
  [0, 0, 0, 1],
];

describe('canonical orientation', () => {
  it('leaves a RAS+ grid alone and finds the permutation and flips of another', () => {
    expect(isIdentityOrientation(canonicalOrientation([[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]]))).toBe(true);
    expect(canonicalOrientation(PERMUTED)).toEqual({ perm: [2, 0, 1], flip: [true, false, true] });
    expect(canonicalOrientation([[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toEqual({ perm: [0, 1, 2], flip: [true, true, false] });
    // 30° in-plane rotation: still the closest axes.
    const t = (30 * Math.PI) / 180;
    expect(canonicalOrientation([[Math.cos(t), -Math.sin(t), 0, 0], [Math.sin(t), Math.cos(t), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toEqual({ perm: [0, 1, 2], flip: [false, false, false] });
  });

  it('moves every voxel to the same world position and back', () => {
    const dims = [4, 3, 5];
    const o = canonicalOrientation(PERMUTED);
    const data = new Float32Array(60).map((_, i) => i);
    const r = reorient(data, dims, o);
    const od = orientedDims(dims, o);
    expect(od).toEqual([5, 4, 3]);
    const B = orientedAffine(PERMUTED, dims, o);
    expect(B).toEqual([
      [2, 0, 0, 2],
      [0, 1.5, 0, -3],
      [0, 0, 0.8, 7 - 0.8 * 2],
      [0, 0, 0, 1],
    ]);
    for (let k = 0; k < od[2]; k++) for (let j = 0; j < od[1]; j++) for (let i = 0; i < od[0]; i++) {
      const v = r[i + od[0] * (j + od[1] * k)]!;
      const stored = [v % 4, Math.floor(v / 4) % 3, Math.floor(v / 12)];
      world(B, [i, j, k]).forEach((w, a) => expect(w).toBeCloseTo(world(PERMUTED, stored)[a]!, 12));
    }
    expect(Array.from(unreorient(r, dims, o))).toEqual(Array.from(data));
  });

  it('loads a permuted case as RAS+ and writes its prediction back on the stored grid', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ablate-orient-'));
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'labels'));
    const dims: [number, number, number] = [4, 3, 5];
    const label = new Uint8Array(60).map((_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0));
    const image = new Float32Array(60).map((_, i) => i);
    const geo = { dims, spacing: [1.5, 0.8, 2] as [number, number, number], affine: PERMUTED };
    await writeNifti(join(root, 'images', 'p.nii.gz'), { ...geo, data: image, datatype: 'float32' });
    await writeNifti(join(root, 'labels', 'p.nii.gz'), { ...geo, data: label, datatype: 'uint8' });
    const src: ModalitySource = { modality: 'mri', imagesDir: join(root, 'images'), labelsDir: join(root, 'labels'), classes: ['A', 'B'], labelValues: [1, 2], spacing: null };
    const [ref] = await listModalityCases(src);
    const c = await loadCase(ref!, src);
    expect(c.image.dims).toEqual([5, 4, 3]);
    expect(c.image.spacing.map((s) => +s.toFixed(5))).toEqual([2, 1.5, 0.8]);
    expect(c.orientation?.storedDims).toEqual(dims);
    expect(c.image.affine.map((r) => r.map((v) => +v.toFixed(5)))).toEqual([
      [2, 0, 0, 2],
      [0, 1.5, 0, -3],
      [0, 0, 0.8, 5.4],
      [0, 0, 0, 1],
    ]);
    const raw = await loadCase(ref!, src, { reorient: false });
    expect(raw.image.dims).toEqual(dims);

    const pre = preprocessCase(c, { spacing: null, crop: [6, 6], minSize: null, clipTop: 0, normalize: 'none', cropAt: 'label' });
    const back = labelsToOriginalGrid(pre.label, pre.dims, pre.geometry);
    expect(Array.from(back)).toEqual(Array.from(label));
    const source = await readNifti(ref!.image);
    await writePrediction(join(root, 'pred.nii.gz'), back, source);
    const pred = await readNifti(join(root, 'pred.nii.gz'));
    expect(pred.affine).toEqual(source.affine);
    expect(Array.from(pred.data)).toEqual(Array.from(label));
  });
});
