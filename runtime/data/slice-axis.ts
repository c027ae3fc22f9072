/**
 * The plane a 2D model sees: the volume is turned so that the chosen slice axis becomes z,
 * and the samplers, the in-plane crop and slice-wise inference then work on z-slices as
 * always. On the canonical (closest RAS+) grid of a loaded case:
 *  - axial: the x-y plane, one slice per z (unchanged);
 *  - coronal: the x-z plane (left-right × inferior-superior), one slice per y — how the
 *    paper (App. C, after SIFA/UMMKD) cuts MM-WHS: a 3D box around the heart with a 256 × 256
 *    coronal plane, sliced along y;
 *  - sagittal: the y-z plane, one slice per x.
 * The turn is a pure axis permutation composed into the case's orientation, so predictions
 * go back to the stored file grid by the same `unreorient` as any reoriented case, and the
 * affine keeps every voxel's world position.
 */
import type { LoadedCase } from './dataset.ts';
import { IDENTITY_ORIENTATION, orientedAffine, orientedDims, orientedSpacing, reorient, type Orientation } from './orientation.ts';

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

/** Output axis a reads canonical axis `SLICE_PERMUTATION[axis][a]`; the last one is the slice axis. */
export const SLICE_PERMUTATION: Record<SliceAxis, [number, number, number]> = {
  axial: [0, 1, 2],
  coronal: [0, 2, 1],
  sagittal: [1, 2, 0],
};

/** A spacing or size given in canonical x, y, z, in the order of the turned grid. */
export function toSliceOrder<T>(xyz: readonly [T, T, T], axis: SliceAxis): [T, T, T] {
  const p = SLICE_PERMUTATION[axis];
  return [xyz[p[0]]!, xyz[p[1]]!, xyz[p[2]]!];
}

/** The loaded case turned so that `axis` is its z axis (see the module comment). */
export function toSliceAxis(loaded: LoadedCase, axis: SliceAxis): LoadedCase {
  if (axis === 'axial') return loaded;
  const turn: Orientation = { perm: SLICE_PERMUTATION[axis], flip: [false, false, false] };
  const before = loaded.orientation?.orientation ?? IDENTITY_ORIENTATION;
  const dims = loaded.image.dims;
  const composed: Orientation = {
    perm: [0, 1, 2].map((a) => before.perm[turn.perm[a]!]!) as [number, number, number],
    flip: [0, 1, 2].map((a) => before.flip[turn.perm[a]!]!) as [boolean, boolean, boolean],
  };
  const grid = { dims: orientedDims(dims, turn), spacing: orientedSpacing(loaded.image.spacing, turn) };
  const affine = orientedAffine(loaded.image.affine, dims, turn);
  const { header: _i, ...img } = loaded.image;
  const { header: _l, ...lab } = loaded.label;
  return {
    ref: loaded.ref,
    image: { ...img, ...grid, affine, data: reorient(loaded.image.data, dims, turn) },
    label: { ...lab, ...grid, affine: affine.map((r) => r.slice()), data: reorient(loaded.label.data, dims, turn) },
    orientation: { orientation: composed, storedDims: loaded.orientation?.storedDims ?? [...dims] },
  };
}
