import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diceScore } from '../../runtime/metrics/dice.ts';
import { hausdorffDistance95, surfaceDistanceMetrics } from '../../runtime/metrics/surface-distance.ts';

/**
 * Values computed with scipy the medpy / MONAI way (fixtures/make-scipy-reference.py):
 * an independent implementation of the same surface and distance conventions.
 */
interface Case {
  name: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  pred: string;
  ref: string;
  asd: number;
  hd95: number;
  hd95Pooled: number;
  hd: number;
  dice: number;
}

const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'scipy-reference.json'), 'utf8')) as { cases: Case[] };
const mask = (bits: string) => Uint8Array.from(bits, (c) => (c === '1' ? 1 : 0));

describe('agreement with scipy (medpy/MONAI recipe) to 1e-6 mm', () => {
  for (const c of cases) {
    it(c.name, () => {
      const a = mask(c.pred);
      const b = mask(c.ref);
      const opts = { spacingMm: c.spacing };
      const m = surfaceDistanceMetrics(a, b, c.dims, opts);
      expect(Math.abs(m.asd - c.asd)).toBeLessThan(1e-6);
      expect(Math.abs(m.hd95 - c.hd95)).toBeLessThan(1e-6);
      expect(Math.abs(hausdorffDistance95(a, b, c.dims, { ...opts, hausdorffSymmetry: 'pooled' }) - c.hd95Pooled)).toBeLessThan(1e-6);
      expect(Math.abs(hausdorffDistance95(a, b, c.dims, { ...opts, percentile: 100 }) - c.hd)).toBeLessThan(1e-6);
      expect(diceScore(a, b)).toBeCloseTo(c.dice, 12);
    });
  }
});
