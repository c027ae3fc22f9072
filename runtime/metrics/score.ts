/**
 * Scoring a predicted label volume against a reference label volume: Dice, ASD and HD95
 * per class, and their mean over classes.
 *
 * Conventions (shared with `dice.ts` and `surface-distance.ts`, same defaults):
 * - Label volumes are x-fastest flat arrays of integer label values on one grid.
 * - A class is a label value; its mask is `label === value`. With `includeBackground`
 *   false (default) value 0 is never scored.
 * - Dice: both masks empty → NaN; ASD/HD95: either mask empty → NaN (`emptyPolicy`
 *   'missing'). NaN means missing and is skipped by the means (`reduce.ts`), never read as 0.
 */
import { diceScore } from './dice.ts';
import { countVoxels, maskOfLabel, type Dims3, type SpacingMm } from './mask.ts';
import { meanStd, type Reduction } from './reduce.ts';
import { surfaceDistanceMetrics, type EmptyPolicy, type HausdorffSymmetry } from './surface-distance.ts';

/** A class to score: its display name and its label value in both volumes. */
export interface ClassSpec {
  name: string;
  value: number;
}

export type MetricName = 'dice' | 'asd' | 'hd95';

export interface ScoreOptions {
  /** Classes to score, in report order. Default: every value present in either volume, named by its value. */
  classes?: readonly ClassSpec[];
  /** Score label value 0 too. Default false: value 0 is dropped even when `classes` lists it. */
  includeBackground?: boolean;
  /** Voxel size in mm along x, y, z. Default [1, 1, 1]. */
  spacingMm?: SpacingMm;
  /** Default 'missing' (NaN). */
  emptyPolicy?: EmptyPolicy;
  /** Default 'max-of-directed' (MONAI). */
  hausdorffSymmetry?: HausdorffSymmetry;
  /** Metrics to compute; the others are NaN. Default all three. */
  metrics?: readonly MetricName[];
}

/** Scores of one class. Dice is a fraction in [0, 1]; distances are in mm; NaN = missing. */
export interface ClassScore {
  name: string;
  value: number;
  dice: number;
  asd: number;
  hd95: number;
  /** Voxels of this class in the prediction and in the reference. */
  predVoxels: number;
  refVoxels: number;
}

export interface VolumeScore {
  classes: ClassScore[];
  /** Mean ± std over classes of each metric, skipping missing values. */
  mean: Record<MetricName, Reduction>;
  /** Non-zero label values found in either volume that no class names (scored as background). */
  unlistedValues: number[];
}

/**
 * Scores `pred` against `ref` (x-fastest flat label arrays of length X·Y·Z).
 * Throws a `RangeError` quoting both lengths if they differ from X·Y·Z.
 */
export function scoreLabelVolumes(pred: ArrayLike<number>, ref: ArrayLike<number>, dims: Dims3, options: ScoreOptions = {}): VolumeScore {
  const n = dims[0] * dims[1] * dims[2];
  if (pred.length !== n || ref.length !== n) {
    throw new RangeError(`prediction has ${pred.length} voxels and reference ${ref.length}, but dims ${dims.join('×')} need ${n}`);
  }
  const includeBackground = options.includeBackground ?? false;
  const present = new Set<number>();
  for (let i = 0; i < n; i++) {
    present.add(pred[i]!);
    present.add(ref[i]!);
  }
  const classes = (options.classes ?? [...present].sort((a, b) => a - b).map((value) => ({ name: String(value), value }))).filter(
    (c) => includeBackground || c.value !== 0,
  );
  const listed = new Set(classes.map((c) => c.value));
  const unlistedValues = [...present].filter((v) => v !== 0 && !listed.has(v)).sort((a, b) => a - b);
  const wanted = new Set(options.metrics ?? ['dice', 'asd', 'hd95']);

  const scores: ClassScore[] = classes.map(({ name, value }) => {
    const p = maskOfLabel(pred, value);
    const r = maskOfLabel(ref, value);
    const dice = wanted.has('dice') ? diceScore(p, r) : NaN;
    let asd = NaN;
    let hd95 = NaN;
    if (wanted.has('asd') || wanted.has('hd95')) {
      const d = surfaceDistanceMetrics(p, r, dims, options);
      if (wanted.has('asd')) asd = d.asd;
      if (wanted.has('hd95')) hd95 = d.hd95;
    }
    return { name, value, dice, asd, hd95, predVoxels: countVoxels(p), refVoxels: countVoxels(r) };
  });

  return {
    classes: scores,
    mean: {
      dice: meanStd(scores.map((s) => s.dice)),
      asd: meanStd(scores.map((s) => s.asd)),
      hd95: meanStd(scores.map((s) => s.hd95)),
    },
    unlistedValues,
  };
}
