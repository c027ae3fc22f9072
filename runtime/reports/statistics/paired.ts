/**
 * Paired comparisons of two methods tested on the same volumes: the per-volume differences
 * d_i = row_i − reference_i, their mean with a confidence interval, the paired t-test and
 * the Wilcoxon signed-rank test (two-sided).
 *
 * Conventions (scipy's where it has one):
 * - t-test: `scipy.stats.ttest_rel`; sd with ddof = 1, se = sd / √n, df = n − 1, the
 *   (1 − α) interval d̄ ± t_{1−α/2, n−1} · se. Undefined for n < 2; t and p are undefined
 *   when every difference is the same (se = 0; up to a relative 1e-12, i.e. float rounding).
 * - Wilcoxon: `scipy.stats.wilcoxon(zero_method='wilcox', correction=False)`: zero
 *   differences are dropped, |d| ranked with average ranks for ties, W+ = the sum of the
 *   positive ranks, the statistic is min(W+, W−). For n ≤ 50 nonzero differences the
 *   p-value is exact: the distribution of W+ over all 2^n sign flips of the actual (possibly
 *   tied) ranks (scipy's exact test without ties, its permutation test with them). Above 50,
 *   the normal approximation with the tie correction of the variance (no continuity correction).
 */
import { createRequire } from 'node:module';

// jstat ships no types; the Student t and standard normal distributions are used.
const { jStat } = createRequire(import.meta.url)('jstat') as {
  jStat: {
    studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number };
    normal: { cdf(x: number, mean: number, std: number): number };
  };
};

export interface PairedTTest {
  n: number;
  /** Mean difference d̄ (row − reference). */
  meanDiff: number;
  /** Sample std of the differences (ddof = 1). */
  sd: number;
  se: number;
  df: number;
  /** Null when se = 0 (all differences equal). */
  t: number | null;
  /** Two-sided p-value; null when se = 0. */
  p: number | null;
  /** The (1 − α) interval on the mean difference. */
  ci: [number, number];
  alpha: number;
}

/** Paired t-test on the differences; undefined for fewer than two. */
export function pairedTTest(diffs: readonly number[], alpha: number): PairedTTest | undefined {
  const n = diffs.length;
  if (n < 2) return undefined;
  const meanDiff = diffs.reduce((a, b) => a + b, 0) / n;
  const raw = Math.sqrt(diffs.reduce((a, d) => a + (d - meanDiff) ** 2, 0) / (n - 1));
  // Differences equal up to float rounding (e.g. 1.0000000000000009 and 0.9999999999999998) have no spread.
  const sd = raw <= 1e-12 * Math.max(1, ...diffs.map(Math.abs)) ? 0 : raw;
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const half = se === 0 ? 0 : jStat.studentt.inv(1 - alpha / 2, df) * se;
  const t = se === 0 ? null : meanDiff / se;
  const p = t === null ? null : 2 * (1 - jStat.studentt.cdf(Math.abs(t), df));
  return { n, meanDiff, sd, se, df, t, p, ci: [meanDiff - half, meanDiff + half], alpha };
}

export interface WilcoxonResult {
  /** Nonzero differences that were ranked. */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** min(W+, W−), as scipy reports for a two-sided test. */
  statistic: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** Largest n for the exact distribution (scipy's switch to the normal approximation). */
export const WILCOXON_EXACT_MAX_N = 50;

/** Average ranks (1-based) of `values`, ties sharing the mean of their positions. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Wilcoxon signed-rank test on the differences; undefined when none is nonzero. */
export function wilcoxonSignedRank(diffs: readonly number[]): WilcoxonResult | undefined {
  const d = diffs.filter((x) => x !== 0 && Number.isFinite(x));
  const n = d.length;
  if (n === 0) return undefined;
  const ranks = averageRanks(d.map(Math.abs));
  const wPlus = d.reduce((a, x, i) => a + (x > 0 ? ranks[i]! : 0), 0);
  const total = (n * (n + 1)) / 2;
  const statistic = Math.min(wPlus, total - wPlus);
  if (n <= WILCOXON_EXACT_MAX_N) {
    // Ranks are multiples of ½: count the sign flips per value of 2·W+ (at most n(n+1) + 1 values).
    const doubled = ranks.map((r) => Math.round(2 * r));
    const counts = new Float64Array(2 * total + 1);
    counts[0] = 1;
    let reach = 0;
    for (const w of doubled) {
      for (let s = reach; s >= 0; s--) if (counts[s]) counts[s + w] += counts[s]!;
      reach += w;
    }
    const observed = Math.round(2 * wPlus);
    let below = 0; // P(2W+ ≤ observed) · 2^n
    let above = 0; // P(2W+ ≥ observed) · 2^n
    for (let s = 0; s <= reach; s++) {
      if (s <= observed) below += counts[s]!;
      if (s >= observed) above += counts[s]!;
    }
    const p = Math.min(1, (2 * Math.min(below, above)) / 2 ** n);
    return { n, wPlus, statistic, p, method: 'exact' };
  }
  // Normal approximation: Var(W+) = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over groups of tied ranks.
  const tieGroups = new Map<number, number>();
  for (const r of ranks) tieGroups.set(r, (tieGroups.get(r) ?? 0) + 1);
  const tieTerm = [...tieGroups.values()].reduce((a, t) => a + t ** 3 - t, 0);
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const z = (wPlus - total / 2) / sd;
  const p = Math.min(1, 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1)));
  return { n, wPlus, statistic, p, method: 'normal' };
}
