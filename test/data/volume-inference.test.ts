import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti, writeNifti, type Volume } from '../../runtime/data/nifti.ts';
import { preprocessCase } from '../../runtime/data/preprocess.ts';
import type { LoadedCase } from '../../runtime/data/dataset.ts';
import {
  argmaxClasses,
  labelsToOriginalGrid,
  predictVolume2D,
  predictVolume3D,
  probabilitiesToOriginalGrid,
  windowStarts,
  windowWeights,
  writePrediction,
} from '../../runtime/data/volume-inference.ts';

function ramp(dims: [number, number, number]): Float32Array {
  const [X, Y] = dims;
  return new Float32Array(dims[0] * dims[1] * dims[2]).map((_, i) => Math.sin(i * 0.37) * 50 + (i % X) + 3 * (Math.floor(i / X) % Y));
}

describe('window placement', () => {
  it('covers every voxel with the last window aligned to the end', () => {
    expect(windowStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]);
    expect(windowStarts(10, 4, 0)).toEqual([0, 4, 6]);
    expect(windowStarts(9, 4, 0.25)).toEqual([0, 3, 5]);
    expect(windowStarts(4, 4, 0.5)).toEqual([0]);
    expect(windowStarts(3, 4, 0.5)).toEqual([0]);
    expect(windowStarts(5, 1, 0.9)).toEqual([0, 1, 2, 3, 4]);
  });

  it('weights: separable Gaussian with σ = p/8 peaking at the centre, floored at 1e-4; or uniform', () => {
    const w = windowWeights([5, 3, 1], 'gaussian');
    const g = (i: number, p: number) => Math.exp(-((i - (p - 1) / 2) ** 2) / (2 * (p / 8) ** 2));
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) expect(w[x + 5 * y]).toBeCloseTo(Math.max(1e-4, g(x, 5) * g(y, 3) * g(0, 1)), 7);
    expect(w[2 + 5]).toBe(1);
    const big = windowWeights([16, 16, 16], 'gaussian');
    expect(big[0]).toBeCloseTo(1e-4, 9); // corner: (e^-7.03)^3 ≈ 7e-10 is floored
    expect(Array.from(windowWeights([2, 2, 2], 'uniform'))).toEqual(Array(8).fill(1));
  });
});

describe('whole-volume prediction', () => {
  it('2D: stacks per-slice outputs (identity on the middle channel reproduces the input)', async () => {
    const dims: [number, number, number] = [5, 4, 7];
    const image = ramp(dims);
    const calls: number[][] = [];
    const probs = await predictVolume2D({ dims, image }, 3, 1, (batch, shape) => {
      calls.push(shape);
      const [B, H, W, C] = shape as [number, number, number, number];
      return Float32Array.from({ length: B * H * W }, (_, i) => batch[i * C + 1]!);
    }, 3);
    expect(calls).toEqual([[3, 4, 5, 3], [3, 4, 5, 3], [1, 4, 5, 3]]);
    expect(Array.from(probs)).toEqual(Array.from(image));
  });

  for (const weighting of ['gaussian', 'uniform'] as const) {
    it(`3D: ${weighting} sliding windows of an identity model reproduce the input (odd sizes, an axis shorter than the patch)`, async () => {
      const dims: [number, number, number] = [11, 9, 3];
      const image = ramp(dims);
      let windows = 0;
      const probs = await predictVolume3D({ dims, image }, [4, 4, 4], 2, (batch, shape) => {
        const [B, D, H, W] = shape as [number, number, number, number];
        windows += B;
        // class 0 = the voxel value, class 1 = its double
        const out = new Float32Array(B * D * H * W * 2);
        for (let i = 0; i < B * D * H * W; i++) {
          out[2 * i] = batch[i]!;
          out[2 * i + 1] = 2 * batch[i]!;
        }
        return out;
      }, { overlap: 0.5, weighting, batchSize: 3 });
      expect(windows).toBe(windowStarts(11, 4, 0.5).length * windowStarts(9, 4, 0.5).length * 1);
      for (let v = 0; v < image.length; v++) {
        expect(probs[2 * v]).toBeCloseTo(image[v]!, 3);
        expect(probs[2 * v + 1]).toBeCloseTo(2 * image[v]!, 3);
      }
    });
  }

  it('3D: overlapping windows are averaged with their weights', async () => {
    // Each window predicts the constant (its x start + 1); x = 2 is covered by windows starting at 0 and 2 with weights w[2] and w[0].
    const dims: [number, number, number] = [6, 1, 1];
    const probs = await predictVolume3D({ dims, image: new Float32Array(6) }, [4, 1, 1], 1, (batch, shape) => {
      const B = shape[0]!;
      // The sampler fills batches in window order: starts 0, 2.
      return Float32Array.from({ length: B * 4 }, (_, i) => (Math.floor(i / 4) === 0 ? 1 : 3));
    }, { overlap: 0.5, weighting: 'gaussian', batchSize: 4 });
    const w = windowWeights([4, 1, 1], 'gaussian');
    expect(probs[2]).toBeCloseTo((w[2]! * 1 + w[0]! * 3) / (w[2]! + w[0]!), 6);
    expect(probs[0]).toBeCloseTo(1, 6);
    expect(probs[5]).toBeCloseTo(3, 6);
  });

  it('argmax picks the most probable class (first on ties)', () => {
    expect(Array.from(argmaxClasses(Float32Array.from([0.2, 0.5, 0.3, 0.4, 0.4, 0.2]), 3))).toEqual([1, 0]);
  });
});

function loadedCase(dims: [number, number, number], spacing: [number, number, number], label: Uint8Array): LoadedCase {
  const affine = [
    [spacing[0], 0, 0, -3],
    [0, spacing[1], 0, 4],
    [0, 0, spacing[2], 5],
    [0, 0, 0, 1],
  ];
  return {
    ref: { modality: 'ct', id: 'x', image: 'x.nii', label: 'y.nii' },
    image: { data: new Float32Array(label.length).map((_, i) => i), dims, spacing, affine, datatype: 'float32' },
    label: { data: label, dims, spacing, affine, datatype: 'uint8' },
  };
}

describe('back to the original grid', () => {
  const dims: [number, number, number] = [9, 8, 3];
  const label = new Uint8Array(9 * 8 * 3);
  for (let z = 0; z < 3; z++) for (let y = 2; y < 6; y++) for (let x = 3; x < 7; x++) label[x + 9 * (y + 8 * z)] = 1 + ((x + y) % 3);

  it('un-crops and un-resamples labels: a prediction equal to the preprocessed label gives back the original', () => {
    // Upsampling by 2 in-plane (nearest there and back is exact) plus a crop around the foreground.
    const pre = preprocessCase(loadedCase(dims, [1, 1, 2], label), { spacing: [0.5, 0.5, 2], crop: [10, 10], minSize: null, clipTop: 0, normalize: 'none', cropAt: 'label' });
    expect(pre.dims).toEqual([10, 10, 3]);
    expect(Array.from(labelsToOriginalGrid(pre.label, pre.dims, pre.geometry))).toEqual(Array.from(label));
    // Through probabilities (one-hot), with trilinear resampling back.
    const K = 4;
    const probs = new Float32Array(pre.label.length * K);
    pre.label.forEach((c, v) => (probs[v * K + c] = 1));
    expect(Array.from(probabilitiesToOriginalGrid(probs, pre.dims, K, pre.geometry))).toEqual(Array.from(label));
  });

  it('pads back: a crop larger than the volume is removed again', () => {
    const pre = preprocessCase(loadedCase(dims, [1, 1, 2], label), { spacing: null, crop: [12, 11], minSize: null, clipTop: 0, normalize: 'none', cropAt: 'label' });
    expect(pre.geometry.offset).toEqual([-1, -1, 0]);
    expect(Array.from(labelsToOriginalGrid(pre.label, pre.dims, pre.geometry))).toEqual(Array.from(label));
  });

  it('writes a prediction with the source header geometry and the dataset label values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-pred-'));
    const t = (30 * Math.PI) / 180;
    const source: Volume = {
      data: new Int16Array(9 * 8 * 3),
      dims,
      spacing: [0.8, 0.8, 2.5],
      affine: [
        [0.8 * Math.cos(t), -0.8 * Math.sin(t), 0, -90],
        [0.8 * Math.sin(t), 0.8 * Math.cos(t), 0, 12.5],
        [0, 0, 2.5, -40],
        [0, 0, 0, 1],
      ],
      datatype: 'int16',
    };
    await writeNifti(join(dir, 'img.nii.gz'), source);
    const img = await readNifti(join(dir, 'img.nii.gz'));
    await writePrediction(join(dir, 'pred.nii.gz'), label, img, [205, 420, 500, 820]);
    const pred = await readNifti(join(dir, 'pred.nii.gz'));
    expect(pred.dims).toEqual(img.dims);
    expect(pred.affine).toEqual(img.affine);
    expect(pred.header?.qformCode).toBe(img.header?.qformCode);
    expect(pred.header?.sformCode).toBe(img.header?.sformCode);
    expect(Array.from(pred.data)).toEqual(Array.from(label, (c) => [0, 205, 420, 500, 820][c]));
    await expect(writePrediction(join(dir, 'bad.nii.gz'), new Uint8Array(5), img)).rejects.toThrowError(/bad\.nii\.gz: prediction has 5 voxels but the source grid 9×8×3 has 216/);
  });
});
