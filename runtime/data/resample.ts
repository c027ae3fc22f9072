/**
 * Resampling of x-fastest volumes onto a grid with another spacing.
 *
 * Convention (origin-aligned): output voxel i sits at source index coordinate i · step, per
 * axis, with step = targetSpacing / sourceSpacing; voxel 0 keeps its world position, so the
 * new affine is the old one with its columns scaled by step (`resampledAffine`). The output
 * size `resampledDims` keeps every output voxel inside the source grid:
 * N' = floor((N − 1) · s / t) + 1, so nothing is extrapolated and a linear ramp is
 * reproduced exactly. Reads outside the grid (only when the caller asks for larger dims, as
 * when going back to the original grid) clamp to the edge voxel.
 *
 * Linear mode is trilinear (done separably: x, then y, then z, which is the same
 * interpolant); nearest mode rounds half up (for label maps).
 */

export type ResampleMode = 'linear' | 'nearest';

/** Output dims for resampling `dims` from `spacing` to `target` (mm); see the module comment. */
export function resampledDims(dims: readonly number[], spacing: readonly number[], target: readonly number[]): [number, number, number] {
  return [0, 1, 2].map((a) => Math.floor(((dims[a]! - 1) * spacing[a]!) / target[a]! + 1e-6) + 1) as [number, number, number];
}

/**
 * Step for resizing an axis of `n` voxels to exactly `size` voxels over the same extent
 * (App. C's in-plane resize to 256): voxel 0 and the last voxel keep their world positions
 * (as scipy.ndimage.zoom's default), so step = (n − 1) / (size − 1) and the spacing becomes
 * spacing · step. A one-voxel axis (or size) has no extent to keep: step 1.
 */
export function resizeStep(n: number, size: number): number {
  return n > 1 && size > 1 ? (n - 1) / (size - 1) : 1;
}

/** Affine of a grid whose voxel i lies at source index i · step (origin kept). */
export function resampledAffine(affine: readonly (readonly number[])[], step: readonly number[]): number[][] {
  return affine.map((row, r) => (r < 3 ? [row[0]! * step[0]!, row[1]! * step[1]!, row[2]! * step[2]!, row[3]!] : row.slice()));
}

/** Per output index: the lower source index, the upper one and the weight of the upper. */
function axisTaps(outN: number, srcN: number, step: number, mode: ResampleMode): { lo: Int32Array; hi: Int32Array; w: Float64Array } {
  const lo = new Int32Array(outN);
  const hi = new Int32Array(outN);
  const w = new Float64Array(outN);
  for (let i = 0; i < outN; i++) {
    const p = Math.min(Math.max(i * step, 0), srcN - 1);
    if (mode === 'nearest') {
      lo[i] = hi[i] = Math.min(srcN - 1, Math.floor(p + 0.5));
      continue;
    }
    const f = Math.floor(p);
    lo[i] = f;
    hi[i] = Math.min(f + 1, srcN - 1);
    w[i] = p - f;
  }
  return { lo, hi, w };
}

/**
 * Resamples `data` (x fastest, dims [X, Y, Z]) to `outDims`, output voxel i reading source
 * index i · step[a] along axis a. Returns a Float32Array for linear mode and an array of the
 * input's type for nearest mode.
 */
export function resample<T extends Float32Array | Uint8Array>(data: T, dims: readonly number[], outDims: readonly number[], step: readonly number[], mode: ResampleMode): T {
  const [X, Y, Z] = dims as [number, number, number];
  const [OX, OY, OZ] = outDims as [number, number, number];
  const tx = axisTaps(OX, X, step[0]!, mode);
  const ty = axisTaps(OY, Y, step[1]!, mode);
  const tz = axisTaps(OZ, Z, step[2]!, mode);
  if (mode === 'nearest') {
    const out = new (data.constructor as new (n: number) => T)(OX * OY * OZ);
    for (let k = 0; k < OZ; k++) {
      for (let j = 0; j < OY; j++) {
        const src = X * (ty.lo[j]! + Y * tz.lo[k]!);
        const dst = OX * (j + OY * k);
        for (let i = 0; i < OX; i++) out[dst + i] = data[src + tx.lo[i]!]!;
      }
    }
    return out;
  }
  // Along x: [X, Y, Z] → [OX, Y, Z].
  const a = new Float32Array(OX * Y * Z);
  for (let r = 0; r < Y * Z; r++) {
    const s = r * X;
    const d = r * OX;
    for (let i = 0; i < OX; i++) {
      const w = tx.w[i]!;
      a[d + i] = data[s + tx.lo[i]!]! * (1 - w) + data[s + tx.hi[i]!]! * w;
    }
  }
  // Along y: → [OX, OY, Z].
  const b = new Float32Array(OX * OY * Z);
  for (let k = 0; k < Z; k++) {
    for (let j = 0; j < OY; j++) {
      const w = ty.w[j]!;
      const s0 = OX * (ty.lo[j]! + Y * k);
      const s1 = OX * (ty.hi[j]! + Y * k);
      const d = OX * (j + OY * k);
      for (let i = 0; i < OX; i++) b[d + i] = a[s0 + i]! * (1 - w) + a[s1 + i]! * w;
    }
  }
  // Along z: → [OX, OY, OZ].
  const plane = OX * OY;
  const out = new Float32Array(plane * OZ);
  for (let k = 0; k < OZ; k++) {
    const w = tz.w[k]!;
    const s0 = plane * tz.lo[k]!;
    const s1 = plane * tz.hi[k]!;
    const d = plane * k;
    for (let i = 0; i < plane; i++) out[d + i] = b[s0 + i]! * (1 - w) + b[s1 + i]! * w;
  }
  return out as T;
}
