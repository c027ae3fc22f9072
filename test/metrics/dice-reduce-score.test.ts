import { describe, expect, it } from 'vitest';
import { diceFromCounts, diceScore } from '../../runtime/metrics/dice.ts';
import { meanStd, poolRepeats } from '../../runtime/metrics/reduce.ts';
import { scoreLabelVolumes } from '../../runtime/metrics/score.ts';
import { ScoreAccumulator } from '../../runtime/metrics/score-accumulator.ts';
import { bruteForceSurfaceMetrics, lcg, maskFrom, randomMask, type Point } from './brute-force-reference.ts';

describe('Dice', () => {
  it('is 2|A∩B| / (|A|+|B|) on a hand example', () => {
    const a = new Uint8Array([1, 1, 1, 0, 0, 0]);
    const b = new Uint8Array([0, 1, 1, 1, 1, 0]);
    expect(diceScore(a, b)).toBeCloseTo((2 * 2) / (3 + 4), 15);
    expect(diceScore(a, b, [3, 2, 1])).toBeCloseTo(4 / 7, 15);
  });

  it('matches counting with index sets on random masks', () => {
    const rand = lcg(5);
    for (let t = 0; t < 20; t++) {
      const a = randomMask([7, 6, 5], 0.3, rand);
      const b = randomMask([7, 6, 5], 0.4, rand);
      const A = new Set([...a.keys()].filter((i) => a[i]));
      const B = new Set([...b.keys()].filter((i) => b[i]));
      const inter = [...A].filter((i) => B.has(i)).length;
      expect(diceScore(a, b)).toBeCloseTo((2 * inter) / (A.size + B.size), 15);
    }
  });

  it('treats any non-zero value as inside, and checks lengths', () => {
    expect(diceScore(new Uint8Array([3, 0]), new Uint8Array([1, 0]))).toBe(1);
    expect(() => diceScore(new Uint8Array(3), new Uint8Array(4))).toThrowError(/3 voxels but reference mask has 4/);
    expect(diceFromCounts(0, 0, 0)).toBeNaN();
  });
});

describe('reductions skip NaN and count valid values', () => {
  it('mean ± std (ddof 0 by default, 1 on request)', () => {
    const r = meanStd([1, NaN, 3]);
    expect(r).toEqual({ mean: 2, std: 1, count: 2, total: 3 });
    expect(meanStd([1, NaN, 3], { ddof: 1 }).std).toBeCloseTo(Math.SQRT2, 15);
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9]).std).toBe(2);
  });

  it('no valid values → NaN mean and std, with the counts', () => {
    expect(meanStd([NaN, NaN])).toEqual({ mean: NaN, std: NaN, count: 0, total: 2 });
    expect(meanStd([])).toEqual({ mean: NaN, std: NaN, count: 0, total: 0 });
    expect(meanStd([4], { ddof: 1 })).toEqual({ mean: 4, std: NaN, count: 1, total: 1 });
  });

  it('pooling over repeats weighs every volume once (not the mean of repeat means)', () => {
    const r = poolRepeats([[1, 2], [3], [NaN, 6]]);
    expect(r.mean).toBe(3);
    expect(r.count).toBe(4);
    expect(r.total).toBe(5);
  });
});

describe('scoring label volumes', () => {
  const dims: Point = [12, 10, 6];
  const spacing: Point = [0.8, 0.8, 2];
  // Reference: 205 in a box, 420 in another, 500 absent; prediction shifted by one voxel and with a stray 999.
  const ref = new Int16Array(12 * 10 * 6);
  const pred = new Int16Array(12 * 10 * 6);
  const at = (x: number, y: number, z: number) => x + 12 * (y + 10 * z);
  for (let z = 1; z < 5; z++)
    for (let y = 1; y < 5; y++)
      for (let x = 1; x < 5; x++) {
        ref[at(x, y, z)] = 205;
        pred[at(x + 1, y, z)] = 205;
        ref[at(x + 6, y + 4, z)] = 420;
        pred[at(x + 6, y + 4, z)] = 420;
      }
  pred[at(0, 9, 5)] = 999;
  const classes = [
    { name: 'LVM', value: 205 },
    { name: 'LAC', value: 420 },
    { name: 'AA', value: 500 },
  ];

  it('per class: Dice, ASD and HD95 against independent references', () => {
    const s = scoreLabelVolumes(pred, ref, dims, { classes, spacingMm: spacing });
    expect(s.classes.map((c) => c.name)).toEqual(['LVM', 'LAC', 'AA']);
    const lvm = s.classes[0]!;
    // 4×4×4 boxes shifted by one along x: overlap 3×4×4.
    expect(lvm.dice).toBeCloseTo((2 * 48) / 128, 15);
    const mask = (v: Int16Array, value: number) => maskFrom(dims, (x, y, z) => v[at(x, y, z)] === value);
    const want = bruteForceSurfaceMetrics(mask(pred, 205), mask(ref, 205), dims, spacing);
    expect(Math.abs(lvm.asd - want.asd)).toBeLessThan(1e-6);
    expect(Math.abs(lvm.hd95 - want.hd95)).toBeLessThan(1e-6);
    expect(s.classes[1]).toMatchObject({ dice: 1, asd: 0, hd95: 0, predVoxels: 64, refVoxels: 64 });
    // Absent in both → missing, and the means skip it.
    expect(s.classes[2]!.dice).toBeNaN();
    expect(s.classes[2]!.asd).toBeNaN();
    expect(s.mean.dice.count).toBe(2);
    expect(s.mean.dice.mean).toBeCloseTo((0.75 + 1) / 2, 15);
    expect(s.mean.asd.mean).toBeCloseTo(lvm.asd / 2, 12);
    expect(s.unlistedValues).toEqual([999]);
  });

  it('without a class list, scores every non-zero value present; background only on request', () => {
    const s = scoreLabelVolumes(pred, ref, dims, { spacingMm: spacing, metrics: ['dice'] });
    expect(s.classes.map((c) => c.value)).toEqual([205, 420, 999]);
    expect(s.classes[2]).toMatchObject({ dice: 0, predVoxels: 1, refVoxels: 0 });
    expect(s.classes[0]!.asd).toBeNaN(); // not requested
    const withBg = scoreLabelVolumes(pred, ref, dims, { metrics: ['dice'], includeBackground: true });
    expect(withBg.classes[0]!.value).toBe(0);
  });

  it('rejects volumes that do not match dims', () => {
    expect(() => scoreLabelVolumes(new Uint8Array(10), new Uint8Array(12), [3, 4, 1])).toThrowError(/prediction has 10 voxels and reference 12, but dims 3×4×1 need 12/);
  });
});

describe('ScoreAccumulator', () => {
  const cls = (name: string, value: number, dice: number, asd: number) => ({ name, value, dice, asd, hd95: asd * 2, predVoxels: 1, refVoxels: 1 });
  const vol = (c: ReturnType<typeof cls>[]) => ({
    classes: c,
    mean: { dice: meanStd(c.map((x) => x.dice)), asd: meanStd(c.map((x) => x.asd)), hd95: meanStd(c.map((x) => x.hd95)) },
    unlistedValues: [],
  });

  it('reduces per class over volumes, skipping missing values, and pools repeats by adding them', () => {
    const acc = new ScoreAccumulator();
    acc.add('r0/case1', vol([cls('LV', 1, 0.8, 2), cls('AA', 2, 0.6, NaN)]));
    acc.add('r0/case2', vol([cls('LV', 1, 0.9, 4), cls('AA', 2, 0.7, 3)]));
    acc.add('r1/case1', vol([cls('LV', 1, 1.0, 0), cls('AA', 2, NaN, NaN)]));
    const s = acc.summary();
    expect(s.volumes).toBe(3);
    expect(s.classes[0]!.dice.mean).toBeCloseTo(0.9, 12);
    expect(s.classes[0]!.asd).toMatchObject({ mean: 2, count: 3 });
    expect(s.classes[1]!.asd).toMatchObject({ mean: 3, count: 1, total: 3 });
    expect(s.classes[1]!.dice.mean).toBeCloseTo(0.65, 12);
    // per-volume class means: 0.7, 0.8, 1.0
    expect(s.mean.dice.mean).toBeCloseTo((0.7 + 0.8 + 1.0) / 3, 12);
    expect(acc.caseIds()).toEqual(['r0/case1', 'r0/case2', 'r1/case1']);
  });

  it('refuses a volume scored on other classes', () => {
    const acc = new ScoreAccumulator();
    acc.add('a', vol([cls('LV', 1, 1, 0)]));
    expect(() => acc.add('b', vol([cls('LA', 2, 1, 0)]))).toThrowError(/case b was scored on classes \[LA=2\] but earlier cases on \[LV=1\]/);
  });
});
