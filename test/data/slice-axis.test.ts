import { describe, expect, it } from 'vitest';
import type { LoadedCase } from '../../runtime/data/dataset.ts';
import { unreorient } from '../../runtime/data/orientation.ts';
import { toSliceAxis } from '../../runtime/data/slice-axis.ts';

// v(x, y, z) = x + 100·y + 10000·z on a 4 × 3 × 2 grid with an affine that has an origin and anisotropic spacing.
const dims: [number, number, number] = [4, 3, 2];
const affine = [
  [0.5, 0, 0, -3],
  [0, 0.7, 0, 8],
  [0, 0, 2, 1],
  [0, 0, 0, 1],
];
function analytic(): LoadedCase {
  const data = new Float32Array(24);
  const lab = new Uint8Array(24);
  for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) {
    data[x + 4 * (y + 3 * z)] = x + 100 * y + 10000 * z;
    lab[x + 4 * (y + 3 * z)] = (x + y + z) % 3;
  }
  const grid = { dims, spacing: [0.5, 0.7, 2] as [number, number, number], affine };
  return { ref: { modality: 'ct', id: 'a', image: 'a.nii', label: 'a_label.nii' }, image: { ...grid, data, datatype: 'float32' }, label: { ...grid, affine: affine.map((r) => r.slice()), data: lab, datatype: 'uint8' } };
}
const world = (a: number[][], i: number[]) => [0, 1, 2].map((r) => a[r]![0]! * i[0]! + a[r]![1]! * i[1]! + a[r]![2]! * i[2]! + a[r]![3]!);

describe('slice axis: an analytic volume sliced three ways', () => {
  const cases = {
    // slice k of the turned grid, pixel (i, j): which (x, y, z) it shows
    axial: { dims: [4, 3, 2], spacing: [0.5, 0.7, 2], at: (i: number, j: number, k: number) => [i, j, k] },
    coronal: { dims: [4, 2, 3], spacing: [0.5, 2, 0.7], at: (i: number, j: number, k: number) => [i, k, j] },
    sagittal: { dims: [3, 2, 4], spacing: [0.7, 2, 0.5], at: (i: number, j: number, k: number) => [k, i, j] },
  } as const;
  for (const [axis, want] of Object.entries(cases)) {
    it(`${axis}: z-slice k is the ${axis} plane; voxels keep their world position; the turn undoes exactly`, () => {
      const c = analytic();
      const t = toSliceAxis(c, axis as keyof typeof cases);
      expect(t.image.dims).toEqual(want.dims);
      expect(t.image.spacing).toEqual(want.spacing);
      const [X, Y, Z] = t.image.dims;
      for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++) {
        const [x, y, z] = want.at(i, j, k);
        expect(t.image.data[i + X * (j + Y * k)]).toBe(x! + 100 * y! + 10000 * z!);
        expect(world(t.image.affine, [i, j, k])).toEqual(world(affine, [x!, y!, z!]));
      }
      const o = t.orientation ?? { orientation: { perm: [0, 1, 2] as [number, number, number], flip: [false, false, false] as [boolean, boolean, boolean] }, storedDims: dims };
      expect(Array.from(unreorient(t.label.data, o.storedDims, o.orientation))).toEqual(Array.from(c.label.data));
    });
  }
});
