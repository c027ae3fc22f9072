/**
 * Welch's unequal-variance t-test between the paper's number and ours, as a confidence
 * interval on the difference (measured − paper). A cell agrees with the paper at level α
 * when the interval contains 0, i.e. when |Δ| ≤ t_{1−α/2, ν} · se — that half-width is the
 * tolerance the paper's spread and ours allow.
 *
 * Conventions: the paper's ± is read as a sample std (ddof = 1; the paper does not say);
 * ours is the population std of `reduce.ts` (ddof = 0) and is converted to ddof = 1 here.
 * ν is the Welch–Satterthwaite degrees of freedom.
 */
import { createRequire } from 'node:module';

// jstat ships no types; only the Student t distribution is used.
const { jStat } = createRequire(import.meta.url)('jstat') as { jStat: { studentt: { inv(p: number, dof: number): number; cdf(x: number, dof: number): number } } };

export interface Sample {
  mean: number;
  /** Sample std (ddof = 1). */
  std: number;
  n: number;
}

export interface WelchResult {
  /** measured − paper. */
  delta: number;
  /** Standard error of the difference. */
  se: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  /** Two-sided p-value. */
  p: number;
  /** t_{1−α/2, ν} · se: the (1 − α) interval is delta ± halfWidth. */
  halfWidth: number;
  alpha: number;
}

/** Sample std (ddof = 1) from a population std (ddof = 0) over n values. */
export function sampleStd(populationStd: number, n: number): number {
  return populationStd * Math.sqrt(n / (n - 1));
}

/** Welch's t-test of `measured` against `paper`; undefined when either has n < 2 or no spread at all. */
export function welch(paper: Sample, measured: Sample, alpha: number): WelchResult | undefined {
  if (paper.n < 2 || measured.n < 2 || !Number.isFinite(paper.std) || !Number.isFinite(measured.std)) return undefined;
  const a = (paper.std * paper.std) / paper.n;
  const b = (measured.std * measured.std) / measured.n;
  const se = Math.sqrt(a + b);
  if (se === 0) return undefined;
  const df = (a + b) ** 2 / (a * a / (paper.n - 1) + b * b / (measured.n - 1));
  const delta = measured.mean - paper.mean;
  const t = delta / se;
  const p = 2 * (1 - jStat.studentt.cdf(Math.abs(t), df));
  const halfWidth = jStat.studentt.inv(1 - alpha / 2, df) * se;
  return { delta, se, df, t, p, halfWidth, alpha };
}
