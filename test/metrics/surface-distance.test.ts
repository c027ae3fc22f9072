import { describe, expect, it } from 'vitest';
import { diceScore } from '../../runtime/metrics/dice.ts';
import {
  averageSymmetricSurfaceDistance,
  hausdorffDistance95,
  percentile,
  surfaceDistanceMetrics,
  surfaceDistances,
} from '../../runtime/metrics/surface-distance.ts';
import { surfaceMask } from '../../runtime/metrics/surface.ts';
import {
  bruteForceDistances,
  bruteForceSurfaceMetrics,
  lcg,
  maskFrom,
  naiveSurface,
  numpyPercentile,
  randomMask,
  type Point,
} from './brute-force-reference.ts';

const TOL = 1e-6; // mm

function sorted(v: ArrayLike<number>): number[] {
  return Array.from(v).sort((a, b) => a - b);
}

function expectListsClose(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  const g = sorted(got);
  const w = [...want].sort((a, b) => a - b);
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i]! - w[i]!)).toBeLessThan(TOL);
}

describe('surface', () => {
  it('matches the naive face-neighbour definition on random masks (3D and 2D)', () => {
    const rand = lcg(7);
    for (const dims of [[6, 5, 4], [9, 7, 1], [1, 8, 5]] as Point[]) {
      for (let t = 0; t < 5; t++) {
        const m = randomMask(dims, 0.6, rand);
        const s = surfaceMask(m, dims);
        const [X, Y] = dims;
        const want = new Set(naiveSurface(m, dims).map(([x, y, z]) => x + X * (y + Y * z)));
        const got = new Set(Array.from(s.keys()).filter((i) => s[i]));
        expect(got).toEqual(want);
      }
    }
  });

  it('uses 4-connectivity in 2D and 6-connectivity in 3D; the grid border is background', () => {
    const square2d = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) square2d[x + 5 * y] = 1;
    expect(surfaceMask(square2d, [5, 5, 1]).reduce((s, v) => s + v, 0)).toBe(8); // centre is interior
    const full = new Uint8Array(27).fill(1);
    const s3 = surfaceMask(full, [3, 3, 3]);
    expect(s3.reduce((s, v) => s + v, 0)).toBe(26); // all but the centre: borders count
    expect(s3[13]).toBe(0);
  });
});

describe('surface distances against a brute-force O(n²) reference', () => {
  const cases: { dims: Point; spacing: Point; p: number }[] = [
    { dims: [8, 7, 6], spacing: [1, 1, 1], p: 0.3 },
    { dims: [8, 7, 6], spacing: [0.8, 1.2, 2.5], p: 0.4 },
    { dims: [10, 9, 5], spacing: [1, 1, 1.5], p: 0.15 },
    { dims: [12, 11, 1], spacing: [0.6, 1.9, 1], p: 0.35 },
    { dims: [6, 6, 6], spacing: [3, 0.5, 1], p: 0.7 },
  ];
  for (const [i, { dims, spacing, p }] of cases.entries()) {
    it(`random masks, dims ${dims.join('×')}, spacing ${spacing.join('×')} mm`, () => {
      const rand = lcg(1000 + i);
      for (let t = 0; t < 6; t++) {
        const a = randomMask(dims, p, rand);
        const b = randomMask(dims, p * 0.7, rand);
        a[0] = 1; // never empty
        b[b.length - 1] = 1;
        const want = bruteForceSurfaceMetrics(a, b, dims, spacing);
        const d = surfaceDistances(a, b, dims, spacing)!;
        expectListsClose(d.predToRef, want.ab);
        expectListsClose(d.refToPred, want.ba);
        const m = surfaceDistanceMetrics(a, b, dims, { spacingMm: spacing });
        expect(Math.abs(m.asd - want.asd)).toBeLessThan(TOL);
        expect(Math.abs(m.hd95 - want.hd95)).toBeLessThan(TOL);
        const pooled = hausdorffDistance95(a, b, dims, { spacingMm: spacing, hausdorffSymmetry: 'pooled' });
        expect(Math.abs(pooled - want.hd95Pooled)).toBeLessThan(TOL);
      }
    });
  }

  it('a mask in one slice of a 3D grid keeps the 3D surface rule (all its voxels are surface)', () => {
    const dims: Point = [7, 7, 5];
    const a = maskFrom(dims, (x, y, z) => z === 2 && x >= 1 && x <= 5 && y >= 1 && y <= 5);
    const b = maskFrom(dims, (x, y, z) => z === 2 && x >= 2 && x <= 4 && y >= 2 && y <= 4);
    const want = bruteForceSurfaceMetrics(a, b, dims, [1, 1, 2]);
    const got = surfaceDistanceMetrics(a, b, dims, { spacingMm: [1, 1, 2] });
    expect(Math.abs(got.asd - want.asd)).toBeLessThan(TOL);
    expect(Math.abs(got.hd95 - want.hd95)).toBeLessThan(TOL);
  });
});

describe('analytic shapes', () => {
  it('concentric cubes with anisotropic spacing: exact directed distances', () => {
    // Inner cube half-width r, outer R, centred at c. From an inner surface voxel p the
    // outer surface is reached by moving along one axis: min_a (R − |p_a|)·s_a. From an
    // outer surface voxel the nearest inner voxel clamps each coordinate to [−r, r].
    const [r, R, c] = [3, 6, 8];
    const dims: Point = [17, 17, 17];
    const s: Point = [0.7, 1.1, 2.5];
    const inner = maskFrom(dims, (x, y, z) => Math.max(Math.abs(x - c), Math.abs(y - c), Math.abs(z - c)) <= r);
    const outer = maskFrom(dims, (x, y, z) => Math.max(Math.abs(x - c), Math.abs(y - c), Math.abs(z - c)) <= R);
    const innerToOuter: number[] = [];
    const outerToInner: number[] = [];
    for (let z = -R; z <= R; z++)
      for (let y = -R; y <= R; y++)
        for (let x = -R; x <= R; x++) {
          const m = Math.max(Math.abs(x), Math.abs(y), Math.abs(z));
          const p = [Math.abs(x), Math.abs(y), Math.abs(z)];
          if (m === r) innerToOuter.push(Math.min(...p.map((v, a) => (R - v) * s[a]!)));
          if (m === R) outerToInner.push(Math.hypot(...p.map((v, a) => Math.max(0, v - r) * s[a]!)));
        }
    const d = surfaceDistances(inner, outer, dims, s)!;
    expectListsClose(d.predToRef, innerToOuter);
    expectListsClose(d.refToPred, outerToInner);
    const all = [...innerToOuter, ...outerToInner];
    const m = surfaceDistanceMetrics(inner, outer, dims, { spacingMm: s });
    expect(m.asd).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 9);
    expect(m.hd95).toBeCloseTo(Math.max(numpyPercentile(innerToOuter, 95), numpyPercentile(outerToInner, 95)), 9);
  });

  it('concentric squares in 2D: the inner square is (R − r)·spacing from the outer one', () => {
    const dims: Point = [21, 21, 1];
    const inner = maskFrom(dims, (x, y) => Math.max(Math.abs(x - 10), Math.abs(y - 10)) <= 4);
    const outer = maskFrom(dims, (x, y) => Math.max(Math.abs(x - 10), Math.abs(y - 10)) <= 7);
    const d = surfaceDistances(inner, outer, dims, [1.5, 1.5, 1])!;
    expect(new Set(d.predToRef)).toEqual(new Set([4.5]));
    expect(Math.max(...d.refToPred)).toBeCloseTo(Math.hypot(4.5, 4.5), 9); // outer corner → inner corner
  });

  it('shifted cube: directed Hausdorff (100th percentile) equals the shift in mm', () => {
    const dims: Point = [20, 12, 12];
    const s: Point = [0.9, 1, 1.4];
    for (const k of [1, 3, 5]) {
      const a = maskFrom(dims, (x, y, z) => x >= 4 && x < 12 && y >= 2 && y < 10 && z >= 2 && z < 10);
      const b = maskFrom(dims, (x, y, z) => x >= 4 + k && x < 12 + k && y >= 2 && y < 10 && z >= 2 && z < 10);
      const hd = hausdorffDistance95(a, b, dims, { spacingMm: s, percentile: 100 });
      expect(hd).toBeCloseTo(k * 0.9, 9);
      const want = bruteForceSurfaceMetrics(a, b, dims, s);
      expect(Math.abs(averageSymmetricSurfaceDistance(a, b, dims, { spacingMm: s }) - want.asd)).toBeLessThan(TOL);
    }
  });

  it('concentric spheres: ASD ≈ R − r within half a voxel', () => {
    const dims: Point = [40, 40, 40];
    const sphere = (rad: number) => maskFrom(dims, (x, y, z) => (x - 19.5) ** 2 + (y - 19.5) ** 2 + (z - 19.5) ** 2 <= rad * rad);
    const m = surfaceDistanceMetrics(sphere(8), sphere(14), dims);
    expect(Math.abs(m.asd - 6)).toBeLessThan(0.5);
    expect(Math.abs(m.hd95 - 6)).toBeLessThan(1);
  });

  it('two single voxels: distance (3, 4, 0) voxels at 1 mm is 5 mm', () => {
    const dims: Point = [6, 6, 2];
    const a = maskFrom(dims, (x, y, z) => x === 0 && y === 0 && z === 0);
    const b = maskFrom(dims, (x, y, z) => x === 3 && y === 4 && z === 0);
    expect(surfaceDistanceMetrics(a, b, dims)).toEqual({ asd: 5, hd95: 5 });
  });
});

describe('empty masks: missing, never 0', () => {
  const dims: Point = [6, 5, 4];
  const some = maskFrom(dims, (x, y, z) => x > 1 && x < 4 && y > 1 && z > 0);
  const none = new Uint8Array(6 * 5 * 4);
  const diagonal = Math.hypot(6 * 1, 5 * 2, 4 * 3);
  const table: { name: string; pred: Uint8Array; ref: Uint8Array; dice: number; asd: number; maxDistance: number }[] = [
    { name: 'both empty', pred: none, ref: none, dice: NaN, asd: NaN, maxDistance: NaN },
    { name: 'prediction empty', pred: none, ref: some, dice: 0, asd: NaN, maxDistance: diagonal },
    { name: 'reference empty', pred: some, ref: none, dice: 0, asd: NaN, maxDistance: diagonal },
    { name: 'identical', pred: some, ref: some, dice: 1, asd: 0, maxDistance: 0 },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(diceScore(row.pred, row.ref)).toBe(row.dice);
      const m = surfaceDistanceMetrics(row.pred, row.ref, dims, { spacingMm: [1, 2, 3] });
      expect(m.asd).toBe(row.asd);
      expect(m.hd95).toBe(row.asd);
      const w = surfaceDistanceMetrics(row.pred, row.ref, dims, { spacingMm: [1, 2, 3], emptyPolicy: 'max-distance' });
      expect(w.asd).toBe(row.maxDistance);
      expect(w.hd95).toBe(row.maxDistance);
    });
  }
});

describe('helpers', () => {
  it('percentile interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12); // numpy.percentile([1,2,3,4], 95)
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
    const rand = lcg(3);
    const v = Array.from({ length: 101 }, () => rand() * 10);
    expect(percentile(v, 95)).toBeCloseTo(numpyPercentile(v, 95), 12);
    expect(() => percentile(v, 101)).toThrow(RangeError);
  });

  it('rejects a mask whose length does not match dims, quoting both', () => {
    expect(() => surfaceDistances(new Uint8Array(5), new Uint8Array(6), [2, 3, 1])).toThrowError(/prediction mask has 5 voxels but dims 2×3×1 need 6/);
    expect(() => surfaceDistances(new Uint8Array(6), new Uint8Array(6), [2, 3, 1], [1, 0, 1])).toThrowError(/spacingMm/);
  });

  it('brute-force helper agrees with itself on a hand example', () => {
    expect(bruteForceDistances([[0, 0, 0]], [[1, 1, 0], [2, 0, 0]], [3, 1, 1])).toEqual([Math.hypot(3, 1)]);
  });
});
