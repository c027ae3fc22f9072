/**
 * Placement of the 2D input window (runtime/data/input-crop.ts): Otsu's threshold against an
 * exhaustive search, the body centre on a synthetic body with holes and noise, and the rule
 * that `crop_at: image` never reads the label while `crop_at: label` follows it.
 */
import { describe, expect, it } from 'vitest';
import { bodyCentre, inputCropBox, labelCentre, otsuThreshold } from '../../runtime/data/input-crop.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { preprocessCase, type PreprocessSettings } from '../../runtime/data/preprocess.ts';
import type { LoadedCase } from '../../runtime/data/dataset.ts';
import { SeededRandom } from '../../runtime/data/seeded-random.ts';

/** Within-class variance Σ_k n_k·var_k of the split of `values` at `t` (≤ t | > t), in float64. */
function withinClassVariance(values: readonly number[], t: number): number {
  let total = 0;
  for (const side of [values.filter((v) => v <= t), values.filter((v) => v > t)]) {
    if (side.length === 0) continue;
    const mean = side.reduce((a, b) => a + b, 0) / side.length;
    total += side.reduce((a, b) => a + (b - mean) ** 2, 0);
  }
  return total;
}

/** [X, Y, Z] volume: air with noise and a few bright specks, an elliptic body (x 6..29, y 4..19) with a dark hole. */
function syntheticBody(): { image: Float32Array; dims: [number, number, number] } {
  const dims: [number, number, number] = [40, 30, 4];
  const [X, Y, Z] = dims;
  const rng = new SeededRandom('body');
  const image = new Float32Array(X * Y * Z);
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++) {
        const inBody = ((x + 0.5 - 18) / 12) ** 2 + ((y + 0.5 - 12) / 8) ** 2 <= 1;
        const inHole = ((x + 0.5 - 24) / 4) ** 2 + ((y + 0.5 - 12) / 3) ** 2 <= 1;
        image[x + X * (y + Y * z)] = inBody && !inHole ? 40 + 20 * rng.uniform() : -1000 + 30 * rng.uniform();
      }
    }
  }
  // Bright specks far outside the body (noise, a table edge): they must not move the centre.
  image[38 + X * (27 + Y * 1)] = 500;
  image[1 + X * (28 + Y * 2)] = 500;
  return { image, dims };
}

function loaded(image: Float32Array, label: Uint8Array, dims: [number, number, number]): LoadedCase {
  const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return {
    ref: { modality: 'ct', id: 'c', image: 'i.nii', label: 'l.nii' },
    image: { data: image, dims, spacing: [1, 1, 1], affine, datatype: 'float32' },
    label: { data: label, dims, spacing: [1, 1, 1], affine, datatype: 'uint8' },
  };
}

const SETTINGS: PreprocessSettings = { spacing: null, crop: [16, 16], minSize: null, clipTop: 0, normalize: 'none', cropAt: 'image' };

describe('otsuThreshold', () => {
  it('splits two clusters where an exhaustive search puts the least within-class variance', () => {
    const rng = new SeededRandom('otsu');
    const values = [...Array.from({ length: 300 }, () => -1000 + 50 * rng.uniform()), ...Array.from({ length: 200 }, () => 30 + 40 * rng.uniform())];
    const t = otsuThreshold(Float32Array.from(values));
    expect(t).toBeGreaterThan(-950);
    expect(t).toBeLessThan(30);
    // Any cut between the clusters is optimal; ours is one of them (binning costs nothing here).
    const best = Math.min(...values.map((v) => withinClassVariance(values, v)));
    expect(withinClassVariance(values, t)).toBeCloseTo(best, 6);
  });

  it('is NaN for a constant image or one without finite values', () => {
    expect(otsuThreshold(new Float32Array(10).fill(3))).toBeNaN();
    expect(otsuThreshold(Float32Array.from([NaN, NaN]))).toBeNaN();
  });
});

describe('bodyCentre', () => {
  it('is the middle of the body extent, blind to a hole inside and specks outside', () => {
    const { image, dims } = syntheticBody();
    // The ellipse covers x 6..29 and y 4..19 (voxel centres inside it): centres (6 + 30) / 2, (4 + 20) / 2.
    expect(bodyCentre(image, dims)).toEqual([18, 12]);
  });

  it('keeps a dark lung that reaches the thin skin line inside the body', () => {
    // An elliptic body (voxel centres inside: x 4..43, y 4..35) whose right half is a dark
    // lung behind a skin line about one voxel thick.
    const dims: [number, number, number] = [48, 40, 2];
    const [X, Y] = dims;
    const image = new Float32Array(X * Y * 2);
    for (let z = 0; z < 2; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
      const [u, v] = [x + 0.5 - 24, y + 0.5 - 20];
      const body = (u / 20) ** 2 + (v / 16) ** 2 <= 1;
      const lung = u > 0 && (u / 18.8) ** 2 + (v / 14.8) ** 2 <= 1;
      image[x + X * (y + Y * z)] = !body ? -1000 : lung ? -820 : 40;
    }
    expect(bodyCentre(image, dims)).toEqual([24, 20]); // (4 + 43 + 1) / 2, (4 + 35 + 1) / 2
  });

  it('is null when the image has no contrast', () => {
    expect(bodyCentre(new Float32Array(8).fill(1), [2, 2, 2])).toBeNull();
  });
});

describe('inputCropBox', () => {
  it('crop_at: image places the window from the image alone; crop_at: label follows the label', () => {
    const { image, dims } = syntheticBody();
    const label = new Uint8Array(image.length);
    for (let z = 0; z < dims[2]; z++) for (let y = 20; y < 26; y++) for (let x = 30; x < 36; x++) label[x + dims[0] * (y + dims[1] * z)] = 1;
    expect(labelCentre(label, dims)).toEqual([33, 23]);
    // image: centred on the body (18, 12) → start (10, 4), whatever the label says.
    const byImage = inputCropBox(image, label, dims, [16, 16], 'image');
    expect(byImage).toEqual({ offset: [10, 4], size: [16, 16], centredOn: 'body' });
    expect(inputCropBox(image, null, dims, [16, 16], 'image')).toEqual(byImage);
    // label: centred on (33, 23) → x start 25 (inside 0..40−16 = 24: clamped to 24), y start 15 (max 14: clamped).
    expect(inputCropBox(image, label, dims, [16, 16], 'label')).toEqual({ offset: [24, 14], size: [16, 16], centredOn: 'label' });
    // Nothing to centre on: the volume centre.
    expect(inputCropBox(image, new Uint8Array(image.length), dims, [16, 16], 'label').centredOn).toBe('volume');
  });

  it('crop_at: label without a label is refused with a hint', () => {
    const { image, dims } = syntheticBody();
    expect(() => inputCropBox(image, null, dims, [16, 16], 'label')).toThrowError(DataError);
    expect(() => inputCropBox(image, null, dims, [16, 16], 'label')).toThrowError(/crop_at: label: needs a reference label .*hint: use crop_at: image/);
  });

  it('preprocessCase under crop_at: image gives the same input whatever the label holds, and records what placed it', () => {
    const { image, dims } = syntheticBody();
    const empty = new Uint8Array(image.length);
    const corner = new Uint8Array(image.length);
    corner[39 + 40 * 29] = 2;
    const a = preprocessCase(loaded(image.slice(), empty, dims), SETTINGS);
    const b = preprocessCase(loaded(image.slice(), corner, dims), SETTINGS);
    const c = preprocessCase(loaded(image.slice(), empty, dims), SETTINGS, { hasLabel: false });
    expect(a.geometry.offset).toEqual([10, 4, 0]);
    expect(b.geometry.offset).toEqual(a.geometry.offset);
    expect(c.geometry.offset).toEqual(a.geometry.offset);
    expect(Array.from(b.image)).toEqual(Array.from(a.image));
    expect(a.geometry.centredOn).toBe('body');
    // The label-centred crop moves with the label and says so.
    const l = preprocessCase(loaded(image.slice(), corner, dims), { ...SETTINGS, cropAt: 'label' });
    expect(l.geometry.offset).toEqual([24, 14, 0]);
    expect(l.geometry.centredOn).toBe('label');
  });
});
