/**
 * Reductions of per-volume metric values: mean ± standard deviation over test volumes,
 * skipping NaN ("missing": an empty mask, see `dice.ts` and `surface-distance.ts`) and
 * reporting how many values were valid, as MONAI's `do_metric_reduction` returns `not_nans`.
 */

/** Mean ± std of the valid (non-NaN) values. */
export interface Reduction {
  /** Mean of the valid values; NaN when there are none. */
  mean: number;
  /** Standard deviation with `ddof` (default 0, numpy's `np.std`); NaN when count ≤ ddof. */
  std: number;
  /** Number of valid values. */
  count: number;
  /** Number of values given, valid or not. */
  total: number;
}

export interface ReduceOptions {
  /** Delta degrees of freedom of the std: 0 (population, numpy default) or 1 (sample). Default 0. */
  ddof?: 0 | 1;
}

/**
 * Mean ± std over `values`, skipping NaN. Infinite values are kept (they are not "missing")
 * and make the mean infinite, so a bug upstream cannot hide.
 */
export function meanStd(values: Iterable<number>, options: ReduceOptions = {}): Reduction {
  const ddof = options.ddof ?? 0;
  let count = 0;
  let total = 0;
  // Welford's update: one pass, numerically stable.
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    total++;
    if (Number.isNaN(v)) continue;
    count++;
    const delta = v - mean;
    mean += delta / count;
    m2 += delta * (v - mean);
  }
  if (count === 0) return { mean: NaN, std: NaN, count, total };
  const std = count > ddof ? Math.sqrt(m2 / (count - ddof)) : NaN;
  return { mean, std, count, total };
}

/**
 * Pooled reduction over repeats (e.g. 5 random subsets of 9 MRI cases): the per-volume
 * values of every repeat are put together and reduced once, so each test volume weighs
 * the same, rather than averaging the repeats' means.
 */
export function poolRepeats(repeats: readonly (readonly number[])[], options: ReduceOptions = {}): Reduction {
  return meanStd(repeats.flat(), options);
}
