/**
 * Binary masks on a voxel grid: the input of every segmentation metric.
 *
 * Layout (same as `runtime/data/nifti.ts`): a flat array, x fastest, so voxel (x, y, z) of
 * a grid with `dims = [X, Y, Z]` is at `x + X * (y + Y * z)`. A 2D image is a grid with
 * Z = 1. A mask is a `Uint8Array` where any non-zero value means "inside".
 */

/** Voxel counts [X, Y, Z]; Z = 1 for a 2D image. */
export type Dims3 = readonly [number, number, number];

/** Voxel size in mm along x, y, z. */
export type SpacingMm = readonly [number, number, number];

/** Inclusive-exclusive voxel box: [x0, y0, z0] ≤ (x, y, z) < [x1, y1, z1]. */
export interface VoxelBox {
  lo: [number, number, number];
  hi: [number, number, number];
}

/** Mask of the voxels whose label equals `value` (1 inside, 0 outside). */
export function maskOfLabel(labels: ArrayLike<number>, value: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) if (labels[i] === value) out[i] = 1;
  return out;
}

/** Number of non-zero voxels. */
export function countVoxels(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

/** Smallest box holding every non-zero voxel of any of `masks`; `undefined` when all are empty. */
export function boundingBox(masks: readonly Uint8Array[], dims: Dims3): VoxelBox | undefined {
  const [X, Y, Z] = dims;
  const lo: [number, number, number] = [X, Y, Z];
  const hi: [number, number, number] = [-1, -1, -1];
  for (const m of masks) {
    for (let z = 0; z < Z; z++) {
      for (let y = 0; y < Y; y++) {
        // First and last inside voxel of the row; most rows are empty or skipped fast.
        const base = X * (y + Y * z);
        let first = 0;
        while (first < X && !m[base + first]) first++;
        if (first === X) continue;
        let last = X - 1;
        while (!m[base + last]) last--;
        if (first < lo[0]) lo[0] = first;
        if (last > hi[0]) hi[0] = last;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
    }
  }
  if (hi[0] < 0) return undefined;
  return { lo, hi: [hi[0] + 1, hi[1] + 1, hi[2] + 1] };
}

/** Copies the voxels of `box` out of `mask`; the result has dims `box.hi - box.lo`. */
export function cropMask(mask: Uint8Array, dims: Dims3, box: VoxelBox): Uint8Array {
  const [X, Y] = dims;
  const [cx, cy, cz] = [box.hi[0] - box.lo[0], box.hi[1] - box.lo[1], box.hi[2] - box.lo[2]];
  const out = new Uint8Array(cx * cy * cz);
  let o = 0;
  for (let z = box.lo[2]; z < box.hi[2]; z++) {
    for (let y = box.lo[1]; y < box.hi[1]; y++) {
      const start = box.lo[0] + X * (y + Y * z);
      out.set(mask.subarray(start, start + cx), o);
      o += cx;
    }
  }
  return out;
}

/** Throws a `RangeError` quoting both lengths unless `mask.length` is X·Y·Z. */
export function checkMaskLength(mask: ArrayLike<number>, dims: Dims3, what: string): void {
  const n = dims[0] * dims[1] * dims[2];
  if (mask.length !== n) {
    throw new RangeError(`${what} has ${mask.length} voxels but dims ${dims.join('×')} need ${n}`);
  }
}
