/**
 * Collects per-volume scores (`score.ts`) over a test set, or over several repeats of one,
 * and reduces them to mean ± std per class: the rows of a results table.
 *
 * Pooling over repeats: add the volumes of every repeat to one accumulator; each scored
 * volume then weighs the same (`reduce.ts` `poolRepeats` semantics).
 */
import { meanStd, type ReduceOptions, type Reduction } from './reduce.ts';
import type { MetricName, VolumeScore } from './score.ts';

const METRICS: readonly MetricName[] = ['dice', 'asd', 'hd95'];

/** Mean ± std over volumes of one class (Dice as a fraction, distances in mm). */
export interface ClassSummary {
  name: string;
  value: number;
  dice: Reduction;
  asd: Reduction;
  hd95: Reduction;
}

export interface ScoreSummary {
  /** Number of volumes added. */
  volumes: number;
  classes: ClassSummary[];
  /**
   * Over volumes, of each volume's mean over its classes (missing classes skipped within a
   * volume). With no missing values its mean equals the mean of the per-class means.
   */
  mean: Record<MetricName, Reduction>;
}

export class ScoreAccumulator {
  private readonly scores: { caseId: string; score: VolumeScore }[] = [];

  /** Adds one scored volume; every volume must list the same classes in the same order. */
  add(caseId: string, score: VolumeScore): void {
    const first = this.scores[0]?.score.classes;
    if (first) {
      const names = (s: VolumeScore['classes']) => s.map((c) => `${c.name}=${c.value}`).join(', ');
      if (names(first) !== names(score.classes)) {
        throw new RangeError(`case ${caseId} was scored on classes [${names(score.classes)}] but earlier cases on [${names(first)}]`);
      }
    }
    this.scores.push({ caseId, score });
  }

  get volumes(): number {
    return this.scores.length;
  }

  /** Case ids in the order they were added. */
  caseIds(): string[] {
    return this.scores.map((s) => s.caseId);
  }

  summary(options: ReduceOptions = {}): ScoreSummary {
    const template = this.scores[0]?.score.classes ?? [];
    const classes = template.map((c, k) => {
      const over = (m: MetricName) => meanStd(this.scores.map((s) => s.score.classes[k]![m]), options);
      return { name: c.name, value: c.value, dice: over('dice'), asd: over('asd'), hd95: over('hd95') };
    });
    const mean = Object.fromEntries(
      METRICS.map((m) => [m, meanStd(this.scores.map((s) => s.score.mean[m].mean), options)]),
    ) as Record<MetricName, Reduction>;
    return { volumes: this.scores.length, classes, mean };
  }
}
