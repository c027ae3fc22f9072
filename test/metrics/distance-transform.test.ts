import { describe, expect, it } from 'vitest';
import { distanceTransform, squaredDistanceTransform } from '../../runtime/metrics/distance-transform.ts';
import { lcg, randomMask, type Point } from './brute-force-reference.ts';

/** Distance from every voxel to the nearest feature voxel by checking all feature voxels. */
function bruteForceDT(features: Uint8Array, dims: Point, spacing: Point): number[] {
  const [X, Y, Z] = dims;
  const pts: Point[] = [];
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) if (features[x + X * (y + Y * z)]) pts.push([x, y, z]);
  const out: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        let best = Infinity;
        for (const [u, v, w] of pts) best = Math.min(best, ((x - u) * spacing[0]) ** 2 + ((y - v) * spacing[1]) ** 2 + ((z - w) * spacing[2]) ** 2);
        out.push(Math.sqrt(best));
      }
  return out;
}

describe('exact Euclidean distance transform', () => {
  const cases: { dims: Point; spacing: Point; p: number }[] = [
    { dims: [9, 7, 6], spacing: [1, 1, 1], p: 0.05 },
    { dims: [9, 7, 6], spacing: [0.7, 1.3, 3], p: 0.02 },
    { dims: [12, 10, 1], spacing: [0.5, 2, 1], p: 0.03 },
    { dims: [5, 1, 11], spacing: [1, 1, 1.7], p: 0.1 },
    { dims: [1, 1, 17], spacing: [1, 1, 0.4], p: 0.15 },
    { dims: [8, 8, 8], spacing: [2.5, 0.3, 1.1], p: 0.5 },
  ];
  for (const [i, { dims, spacing, p }] of cases.entries()) {
    it(`matches brute force on random features, dims ${dims.join('×')} spacing ${spacing.join('×')}`, () => {
      const rand = lcg(100 + i);
      for (let trial = 0; trial < 5; trial++) {
        const f = randomMask(dims, p, rand);
        if (!f.some((v) => v)) f[Math.floor(rand() * f.length)] = 1;
        const got = distanceTransform(f, dims, spacing);
        const want = bruteForceDT(f, dims, spacing);
        for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThan(1e-9);
      }
    });
  }

  it('a single feature voxel gives the anisotropic Euclidean norm, squared exactly', () => {
    const dims: Point = [5, 4, 3];
    const f = new Uint8Array(60);
    f[0] = 1;
    const d2 = squaredDistanceTransform(f, dims, [0.5, 2, 3]);
    // voxel (4, 3, 2): (4·0.5)² + (3·2)² + (2·3)² = 4 + 36 + 36
    expect(d2[4 + 5 * (3 + 4 * 2)]).toBe(76);
    expect(d2[0]).toBe(0);
  });

  it('is Infinity everywhere without features', () => {
    const d = distanceTransform(new Uint8Array(24), [2, 3, 4], [1, 1, 1]);
    expect(Array.from(d).every((v) => v === Infinity)).toBe(true);
  });
});
