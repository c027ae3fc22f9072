/**
 * Independent, deliberately naive references for the metric tests and the ASD benchmark:
 * surfaces from explicit neighbour coordinates, surface distances by comparing every pair
 * of surface voxels (O(|∂A|·|∂B|)), numpy-style percentiles. Nothing here shares code with
 * `runtime/metrics/`.
 */

export type Point = [number, number, number];

/** Deterministic pseudo-random numbers in [0, 1) (LCG), so failures reproduce. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Builds an x-fastest mask of dims from a predicate on voxel coordinates. */
export function maskFrom(dims: Point, inside: (x: number, y: number, z: number) => boolean): Uint8Array {
  const [X, Y, Z] = dims;
  const m = new Uint8Array(X * Y * Z);
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) if (inside(x, y, z)) m[x + X * (y + Y * z)] = 1;
  return m;
}

/** Random mask: each voxel inside with probability `p`. */
export function randomMask(dims: Point, p: number, rand: () => number): Uint8Array {
  return maskFrom(dims, () => rand() < p);
}

/** Surface voxel coordinates: inside voxels with a face neighbour outside the mask or the grid (z ignored when Z = 1). */
export function naiveSurface(mask: Uint8Array, dims: Point): Point[] {
  const [X, Y, Z] = dims;
  const at = (x: number, y: number, z: number) => x >= 0 && y >= 0 && z >= 0 && x < X && y < Y && z < Z && mask[x + X * (y + Y * z)] !== 0;
  const steps: Point[] = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]];
  if (Z > 1) steps.push([0, 0, 1], [0, 0, -1]);
  const out: Point[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) if (at(x, y, z) && steps.some(([dx, dy, dz]) => !at(x + dx, y + dy, z + dz))) out.push([x, y, z]);
  return out;
}

/** For each point of `from`, the distance in mm to the nearest point of `to` (brute force). */
export function bruteForceDistances(from: Point[], to: Point[], spacing: Point): number[] {
  return from.map(([x, y, z]) => {
    let best = Infinity;
    for (const [u, v, w] of to) {
      const d = ((x - u) * spacing[0]) ** 2 + ((y - v) * spacing[1]) ** 2 + ((z - w) * spacing[2]) ** 2;
      if (d < best) best = d;
    }
    return Math.sqrt(best);
  });
}

/** numpy.percentile(values, p) with the default linear interpolation. */
export function numpyPercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = ((s.length - 1) * p) / 100;
  const i = Math.floor(h);
  return i + 1 < s.length ? s[i]! + (h - i) * (s[i + 1]! - s[i]!) : s[i]!;
}

/** Brute-force ASD (pooled mean) and HD95 (max of directed and pooled) of two masks. */
export function bruteForceSurfaceMetrics(a: Uint8Array, b: Uint8Array, dims: Point, spacing: Point) {
  const sa = naiveSurface(a, dims);
  const sb = naiveSurface(b, dims);
  const ab = bruteForceDistances(sa, sb, spacing);
  const ba = bruteForceDistances(sb, sa, spacing);
  const all = [...ab, ...ba];
  return {
    ab,
    ba,
    asd: all.reduce((s, v) => s + v, 0) / all.length,
    hd95: Math.max(numpyPercentile(ab, 95), numpyPercentile(ba, 95)),
    hd95Pooled: numpyPercentile(all, 95),
  };
}
