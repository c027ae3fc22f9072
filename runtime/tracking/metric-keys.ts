/**
 * Names of the metrics ablate logs, so that `ablate run` (which logs them) and `ablate report`
 * (which reads them back) agree. Dotted, lowercase parts; class names as the dataset spells
 * them (MLflow keys allow letters, digits, `_ - . /` and spaces).
 *
 * - per epoch, step = epoch:      `train.loss.<term>.<modality>`, `train.loss.total`,
 *                                 `val.dice.<modality>` (mean over classes)
 * - at the end, step = 0:         `test.<dice|asd>.<modality>.<class>` and the per-modality
 *                                 `test.<dice|asd>.<modality>.mean` / `.std` over test volumes
 *
 * Units, one convention for every logged metric and every report: **Dice in % (0–100)**, as
 * the paper's tables (`val.dice.*`, `test.dice.*`, `test.dice.overall`); **ASD in mm**. Only
 * the per-volume scores in a run's `results.json` are raw Dice fractions in [0, 1]; the
 * aggregation that reports, `reproduce` and the table comparison read scales them to %
 * (runtime/reports/run-results.ts).
 */
import { validateKeyName } from './mlflow-limits.ts';

export type EvalMetric = 'dice' | 'asd';

function key(...parts: string[]): string {
  const k = parts.join('.');
  validateKeyName('metric', k);
  return k;
}

/** `train.loss.<term>.<modality>`, e.g. `train.loss.seg.ct`; without a modality `train.loss.<term>` (e.g. `mcr`, `total`). */
export function trainLossKey(term: string, modality?: string): string {
  return modality === undefined ? key('train', 'loss', term) : key('train', 'loss', term, modality);
}

/** A Dice fraction in [0, 1] as logged and reported: in %. */
export function dicePercent(fraction: number): number {
  return 100 * fraction;
}

/** `val.dice.<modality>`: the validation Dice of one modality, mean over classes, in %. */
export function valDiceKey(modality: string): string {
  return key('val', 'dice', modality);
}

/** `test.<metric>.<modality>.<class>`: a final test value per class, mean over test volumes (Dice in %, ASD in mm). */
export function testMetricKey(metric: EvalMetric, modality: string, className: string): string {
  return key('test', metric, modality, className);
}

/**
 * `test.<metric>.<modality>.mean` / `.std`: the modality's summary over classes, as the paper's
 * tables report it (how it is pooled is the evaluator's convention, see runtime/metrics).
 * A class literally named `mean` or `std` would collide with these keys.
 */
export function testSummaryKey(metric: EvalMetric, modality: string, stat: 'mean' | 'std'): string {
  return key('test', metric, modality, stat);
}

/** Split a `test.*` key back into its parts; undefined for other keys. */
export function parseTestMetricKey(k: string): { metric: EvalMetric; modality: string; className: string } | undefined {
  const m = /^test\.(dice|asd)\.([^.]+)\.(.+)$/.exec(k);
  return m ? { metric: m[1] as EvalMetric, modality: m[2]!, className: m[3]! } : undefined;
}
