/**
 * Exact Euclidean distance transform with anisotropic spacing.
 *
 * Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions" (Theory of
 * Computing 8, 2012): the squared EDT is separable, so it is computed by one 1D pass per
 * axis, each the lower envelope of parabolas `(x − x_p)² + f(p)` in linear time. Positions
 * are in mm (`x_p = p · spacing`), which makes the result exact for any spacing.
 * Total cost O(X·Y·Z) time, one Float64Array of the grid size plus line buffers.
 */
import type { Dims3, SpacingMm } from './mask.ts';

/**
 * Squared distance in mm² from every voxel to the nearest non-zero voxel of `features`
 * (0 on feature voxels; `Infinity` everywhere when `features` is all zero).
 *
 * @param features x-fastest flat mask, length X·Y·Z.
 * @param dims [X, Y, Z].
 * @param spacingMm voxel size along x, y, z in mm (default 1 mm).
 */
export function squaredDistanceTransform(features: Uint8Array, dims: Dims3, spacingMm: SpacingMm = [1, 1, 1]): Float64Array {
  const [X, Y, Z] = dims;
  const [sx, sy, sz] = spacingMm;
  const n = X * Y * Z;
  const d = new Float64Array(n);

  // x axis: binary input, so two scans give the distance to the nearest feature on the row.
  for (let row = 0; row < Y * Z; row++) {
    const base = row * X;
    let last = -Infinity;
    for (let x = 0; x < X; x++) {
      if (features[base + x]) last = x;
      d[base + x] = x - last; // Infinity when no feature yet
    }
    last = Infinity;
    for (let x = X - 1; x >= 0; x--) {
      if (features[base + x]) last = x;
      const back = last - x;
      const best = back < d[base + x]! ? back : d[base + x]!;
      d[base + x] = best === Infinity ? Infinity : best * sx * best * sx;
    }
  }

  // y and z axes: lines are strided, so BLOCK neighbouring lines are gathered together
  // (contiguous reads), transformed one by one, and scattered back.
  const maxLen = Math.max(Y, Z);
  const f = new Float64Array(BLOCK * maxLen);
  const out = new Float64Array(BLOCK * maxLen);
  const v = new Int32Array(maxLen);
  const zb = new Float64Array(maxLen + 1);
  const plane = X * Y;
  if (Y > 1) {
    for (let z = 0; z < Z; z++) {
      for (let x0 = 0; x0 < X; x0 += BLOCK) {
        passBlock(d, z * plane + x0, Math.min(BLOCK, X - x0), X, Y, sy, f, out, v, zb);
      }
    }
  }
  if (Z > 1) {
    for (let i0 = 0; i0 < plane; i0 += BLOCK) {
      passBlock(d, i0, Math.min(BLOCK, plane - i0), plane, Z, sz, f, out, v, zb);
    }
  }
  return d;
}

/**
 * Euclidean distance in mm to the nearest non-zero voxel of `features`
 * (square root of `squaredDistanceTransform`).
 */
export function distanceTransform(features: Uint8Array, dims: Dims3, spacingMm: SpacingMm = [1, 1, 1]): Float64Array {
  const d = squaredDistanceTransform(features, dims, spacingMm);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]!);
  return d;
}

/** Lines transformed together in the strided passes (16 float64 = two cache lines). */
const BLOCK = 16;

/**
 * Transforms `count` lines of length `n` that start at `start`, `start + 1`, … and step by
 * `stride` through `d`, in place.
 */
function passBlock(
  d: Float64Array,
  start: number,
  count: number,
  stride: number,
  n: number,
  h: number,
  f: Float64Array,
  out: Float64Array,
  v: Int32Array,
  zb: Float64Array,
): void {
  // gather: f[b * n + t] = d[start + b + t * stride]
  for (let t = 0; t < n; t++) {
    const o = start + t * stride;
    for (let b = 0; b < count; b++) f[b * n + t] = d[o + b]!;
  }
  for (let b = 0; b < count; b++) lowerEnvelope(f, b * n, n, h, out, v, zb);
  for (let t = 0; t < n; t++) {
    const o = start + t * stride;
    for (let b = 0; b < count; b++) d[o + b] = out[b * n + t]!;
  }
}

/**
 * One 1D pass over f[off .. off + n): out[off + q] = min_p ((q − p)·h)² + f[off + p] over
 * the finite f values (Infinity when there are none). `v`, `zb` are scratch (n and n + 1).
 */
function lowerEnvelope(f: Float64Array, off: number, n: number, h: number, out: Float64Array, v: Int32Array, zb: Float64Array): void {
  let k = -1; // index of the rightmost parabola in the envelope
  for (let q = 0; q < n; q++) {
    const fq = f[off + q]!;
    if (fq === Infinity) continue; // a voxel with no feature in earlier axes adds no parabola
    const xq = q * h;
    if (k < 0) {
      k = 0;
      v[0] = q;
      zb[0] = -Infinity;
      zb[1] = Infinity;
      continue;
    }
    // Intersection with the rightmost parabola; drop the parabolas it hides
    // (zb[0] = -Infinity stops the loop at the first one).
    let p = v[k]!;
    let s = (fq + xq * xq - (f[off + p]! + p * h * p * h)) / (2 * (xq - p * h));
    while (s <= zb[k]!) {
      k--;
      p = v[k]!;
      s = (fq + xq * xq - (f[off + p]! + p * h * p * h)) / (2 * (xq - p * h));
    }
    k++;
    v[k] = q;
    zb[k] = s;
    zb[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, off, off + n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    const x = q * h;
    while (zb[j + 1]! < x) j++;
    const dx = x - v[j]! * h;
    out[off + q] = dx * dx + f[off + v[j]!]!;
  }
}
