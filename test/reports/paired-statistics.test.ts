/**
 * Paired t-test and Wilcoxon signed-rank test against published results and against scipy
 * 1.17 (`scipy.stats.ttest_rel`, `scipy.stats.wilcoxon`, computed independently, offline).
 */
import { describe, expect, it } from 'vitest';
import { pairedTTest, wilcoxonSignedRank } from '../../runtime/reports/statistics/paired.ts';

const diff = (a: number[], b: number[]) => a.map((v, i) => v - b[i]!);

// Student (1908), "The probable error of a mean", Biometrika 6: Cushny & Peebles' extra hours
// of sleep under two drugs, ten patients (R's `sleep` data set).
const sleep1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleep2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

// Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 29: Hamilton depression
// scale before (x) and after (y) tranquilizer, nine patients (R's ?wilcox.test example).
const hwX = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const hwY = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

describe('paired t-test', () => {
  it("gives Student's sleep data t = −4.0621, df = 9, p = 0.002833, 95% CI (−2.4599, −0.7001)", () => {
    // Published: R `t.test(extra ~ group, data = sleep, paired = TRUE)`; more digits from scipy.stats.ttest_rel.
    const r = pairedTTest(diff(sleep1, sleep2), 0.05)!;
    expect(r.n).toBe(10);
    expect(r.df).toBe(9);
    expect(r.meanDiff).toBeCloseTo(-1.58, 12);
    expect(r.t).toBeCloseTo(-4.062127683382037, 10);
    expect(r.p).toBeCloseTo(0.002832890197384273, 8);
    expect(r.ci[0]).toBeCloseTo(-2.459885763276983, 7);
    expect(r.ci[1]).toBeCloseTo(-0.7001142367230175, 7);
  });

  it('matches scipy on the depression data (t = 3.0354, p = 0.01618)', () => {
    const r = pairedTTest(diff(hwX, hwY), 0.05)!;
    expect(r.t).toBeCloseTo(3.0353754156485917, 10);
    expect(r.p).toBeCloseTo(0.016176627434908088, 8);
  });

  it('needs two differences, and has no t when every difference is the same', () => {
    expect(pairedTTest([1.5], 0.05)).toBeUndefined();
    const same = pairedTTest([2, 2, 2], 0.05)!;
    expect([same.meanDiff, same.sd, same.t, same.p, same.ci]).toEqual([2, 0, null, null, [2, 2]]);
    // Equal up to float rounding counts as equal: (0.86 − 0.85) · 100 = 1.0000000000000009, not a t of 10¹⁵.
    const rounded = pairedTTest([(0.86 - 0.85) * 100, 1, 1], 0.05)!;
    expect([rounded.sd, rounded.t, rounded.p]).toEqual([0, null, null]);
  });
});

describe('Wilcoxon signed-rank test', () => {
  it('gives the depression data V = 40, exact one-sided p = 0.01953 (two-sided 0.0390625)', () => {
    // Published: R `wilcox.test(x, y, paired = TRUE, alternative = "greater")`: V = 40, p-value = 0.01953.
    const r = wilcoxonSignedRank(diff(hwX, hwY))!;
    expect(r.wPlus).toBe(40);
    expect(r.statistic).toBe(5); // min(W+, W−), as scipy reports
    expect(r.method).toBe('exact');
    expect(r.p).toBe(0.0390625); // = 2 × 10/512
  });

  it('drops zero differences (the sleep data: 9 of 10 nonzero, all negative → p = 2/2⁹)', () => {
    const r = wilcoxonSignedRank(diff(sleep1, sleep2))!;
    expect(r.n).toBe(9);
    expect(r.statistic).toBe(0);
    expect(r.p).toBeCloseTo(0.00390625, 12); // scipy.stats.wilcoxon: 0.00390625
  });

  it('is exact over the tied ranks (scipy: permutation test p = 0.0703125, W = 9.5)', () => {
    const r = wilcoxonSignedRank([1.5, -0.5, 2.0, 2.0, -1.0, 3.0, 0.5, 1.5, 2.5, -1.5])!;
    expect(r.statistic).toBe(9.5);
    expect(r.p).toBeCloseTo(0.0703125, 12);
  });

  it('uses the normal approximation with the tie correction above 50 (scipy asymptotic: p = 0.0027921)', () => {
    const d = [2.4, -2.2, 0.8, -0.2, -0.1, 0.2, -1.6, 0.2, -0.5, 3.7, 0.6, 0.0, 0.1, -0.3, -0.7, 0.0, 0.9, 0.2, 1.4, 0.2, 0.4, 1.9, 0.9, -0.1,
      0.2, 0.9, 2.3, 0.1, 0.2, 1.4, -0.5, 0.1, 1.3, 1.0, 0.5, 1.1, -2.4, 1.4, -0.6, -1.3, 0.7, 1.1, -0.0, -0.7, 0.4, 0.3, 1.8, 1.1, 0.6, 1.5, 0.2,
      -0.5, 1.0, 1.0, 0.2, -0.4, 0.6, -2.1, 1.1, 0.9];
    const r = wilcoxonSignedRank(d)!;
    expect([r.n, r.method, r.statistic]).toEqual([57, 'normal', 450.5]);
    expect(r.p).toBeCloseTo(0.002792090477960354, 10);
  });

  it('is undefined when every difference is zero', () => {
    expect(wilcoxonSignedRank([0, 0, -0])).toBeUndefined();
  });
});
