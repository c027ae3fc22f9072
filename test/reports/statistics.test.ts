/**
 * Statistical tolerance: Welch's t-test / interval on Δ against numbers computed
 * independently with scipy 1.x (`scipy.stats.ttest_ind_from_stats(..., equal_var=False)`
 * and `scipy.stats.t.ppf(0.975, df) * se`), and the report's verdicts that follow from it.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, formatDelta, toleranceMethod, type ReportInput } from '../../runtime/reports/report-model.ts';
import { sampleStd, welch } from '../../runtime/reports/statistics/welch.ts';

describe("Welch's t-test", () => {
  it('matches scipy for given means, stds and n', () => {
    const w = welch({ mean: 90, std: 2, n: 5 }, { mean: 88, std: 3, n: 8 }, 0.05)!;
    // By hand: se² = 4/5 + 9/8 = 1.925; ν = 1.925² / (0.8²/4 + 1.125²/7) = 10.8732.
    expect(w.se).toBeCloseTo(Math.sqrt(1.925), 12);
    expect(w.df).toBeCloseTo(10.873198847, 8);
    expect(w.t).toBeCloseTo(-1.4414999403128943, 10);
    expect(w.p).toBeCloseTo(0.1776178462470773, 8);
    expect(w.halfWidth).toBeCloseTo(3.058093507707693, 7);
  });

  it('is undefined without two values on each side', () => {
    expect(welch({ mean: 90, std: 2, n: 1 }, { mean: 88, std: 3, n: 8 }, 0.05)).toBeUndefined();
    expect(welch({ mean: 90, std: 2, n: 5 }, { mean: 88, std: 3, n: 1 }, 0.05)).toBeUndefined();
  });

  it('converts a population std (ddof 0) to a sample std (ddof 1)', () => {
    // values 80, 90: population std 5, sample std √50.
    expect(sampleStd(5, 2)).toBeCloseTo(Math.sqrt(50), 12);
  });
});

function input(test?: ReportInput['test']): ReportInput {
  return {
    name: 't', title: 'T', metrics: ['dice'], modalities: ['ct'], classes: ['LV', 'AA'], tolerance: { dice: 5 }, phantom: false,
    ...(test ? { test } : {}),
    rows: [{
      label: 'Ours', runs: ['r'], pending: false,
      paper: { ct: { dice: { LV: { mean: 90.9, std: 1.5 }, AA: { mean: 70, std: 3 }, mean: { mean: 80.5, std: null } } } },
      paperOverall: { dice: 80 },
      measured: { ct: { dice: { LV: { mean: 85, std: 5, n: 2 }, AA: { mean: 80, std: 2, n: 10 }, mean: { mean: 82.5, std: null, n: 12 } } } },
      measuredOverall: { dice: 82.5 },
    }],
  };
}

describe('tolerance from the paper spread in a report', () => {
  it('widens the band to the Welch half-width, and only where both sides have a spread', () => {
    const fixed = buildReport(input());
    const tested = buildReport(input({ kind: 'welch', alpha: 0.05, paperN: 4 }));
    const lv = tested.rows[0]!.cells.dice!.ct!.LV!;
    const aa = tested.rows[0]!.cells.dice!.ct!.AA!;
    // LV: Δ = −5.9 is outside the fixed ±5, but n = 2 vs 4 gives scipy's half-width 58.02 (ν = 1.045).
    expect(fixed.rows[0]!.cells.dice!.ct!.LV!.withinTolerance).toBe(false);
    expect(lv.welch!.df).toBeCloseTo(1.0453298505877133, 9);
    expect(lv.allowed).toBeCloseTo(58.01854563592264, 5);
    expect(lv.withinTolerance).toBe(true);
    // AA: Δ = +10, half-width 4.4548 (scipy: t = 6.092, p = 0.0030): out either way.
    expect(aa.welch!.t).toBeCloseTo(6.092076990801714, 8);
    expect(aa.welch!.p).toBeCloseTo(0.003015003835635329, 8);
    expect(aa.allowed).toBeCloseTo(5, 12); // the fixed band is wider than 4.45
    expect(aa.withinTolerance).toBe(false);
    // The mean column has no paper std: judged by the fixed band only, no test.
    const mean = tested.rows[0]!.cells.dice!.ct!.mean!;
    expect(mean.welch).toBeUndefined();
    expect(mean.allowed).toBe(5);
    expect(formatDelta(lv, 'dice')).toBe('−5.9 (±58.0) ✓');
  });

  it('says which test, at which level and with which n', () => {
    const report = buildReport(input({ kind: 'welch', alpha: 0.05, paperN: 4 }));
    expect(toleranceMethod(report)).toBe(
      "Tolerance: Welch's t-test, 95% confidence interval on Δ (two-sided α = 0.05; paper n = 4 per cell, ours = measured n; "
      + 'a cell agrees when |Δ| ≤ the interval\'s half-width or the fixed band |Δ| ≤ (dice ±5)); cells without a paper std use the fixed band only.',
    );
  });
});
