/**
 * Intensity preprocessing (paper, Appendix C): remove the top of the intensity histogram,
 * then normalise per volume. NaN voxels (padding) are ignored by every statistic and left NaN.
 */

/**
 * The p-quantile (0 ≤ p ≤ 1) of the non-NaN values, interpolating linearly between order
 * statistics: position h = (n − 1) · p (numpy's default, Hyndman–Fan type 7).
 * Returns NaN when there is no value.
 */
export function quantile(values: ArrayLike<number>, p: number): number {
  // Typed-array sort is numeric and puts NaN last.
  const sorted = (values instanceof Float32Array ? values.slice() : Float64Array.from(values)).sort();
  let n = sorted.length;
  while (n > 0 && Number.isNaN(sorted[n - 1]!)) n--;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Clips values above the (1 − clipTop) quantile to that quantile, in place (clipTop = 0.02
 * removes the top 2 % of the histogram). Returns the clip level (Infinity when clipTop = 0).
 */
export function clipTop(values: Float32Array, clipTopFraction: number): number {
  if (clipTopFraction <= 0) return Infinity;
  const level = quantile(values, 1 - clipTopFraction);
  for (let i = 0; i < values.length; i++) if (values[i]! > level) values[i] = level;
  return level;
}

/** Mean and population standard deviation of the non-NaN values (float64 sums). */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number; count: number } {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
  }
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  }
  return { mean, std: n ? Math.sqrt(ss / n) : NaN, count: n };
}

export type Normalization = 'zscore' | 'minmax' | 'none';

/**
 * Normalises in place: `zscore` → (v − mean) / std (population std; a constant volume
 * becomes 0), `minmax` → (v − min) / (max − min) in [0, 1] (constant → 0), `none` → unchanged.
 */
export function normalize(values: Float32Array, mode: Normalization): void {
  if (mode === 'none') return;
  let shift: number;
  let scale: number;
  if (mode === 'zscore') {
    const { mean, std } = meanStd(values);
    shift = mean;
    scale = std > 0 ? 1 / std : 0;
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    shift = lo;
    scale = hi > lo ? 1 / (hi - lo) : 0;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! - shift) * scale;
}
