/**
 * Dice similarity coefficient of two binary masks: 2|A∩B| / (|A| + |B|).
 *
 * Empty masks: both empty → NaN ("undefined", skipped by `reduce.ts`), never 1;
 * exactly one empty → 0. The value is a fraction in [0, 1] (the CLI prints percent).
 */
import { checkMaskLength, type Dims3 } from './mask.ts';

/** Dice from counts: `intersection`, `predCount` = |A|, `refCount` = |B|. NaN when both are 0. */
export function diceFromCounts(intersection: number, predCount: number, refCount: number): number {
  const denom = predCount + refCount;
  return denom === 0 ? NaN : (2 * intersection) / denom;
}

/**
 * Dice of `pred` against `ref` (x-fastest flat masks of equal length; non-zero = inside).
 * `dims` is only used to check the lengths.
 */
export function diceScore(pred: Uint8Array, ref: Uint8Array, dims?: Dims3): number {
  if (dims) {
    checkMaskLength(pred, dims, 'prediction mask');
    checkMaskLength(ref, dims, 'reference mask');
  } else if (pred.length !== ref.length) {
    throw new RangeError(`prediction mask has ${pred.length} voxels but reference mask has ${ref.length}`);
  }
  let inter = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] !== 0;
    const r = ref[i] !== 0;
    if (p) a++;
    if (r) b++;
    if (p && r) inter++;
  }
  return diceFromCounts(inter, a, b);
}
