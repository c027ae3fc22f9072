/**
 * Pooling the per-volume results of several runs (the draws of a `repeat`) by distinct
 * test volume.
 *
 * Draws of a repeat split the same dataset again, so one volume can be a test case in
 * several draws. Its scores there are repeated measurements of one sample, not independent
 * samples: counting each as a volume would inflate n and shrink the spread. So a volume
 * tested in k draws enters the pooled statistics once, with the mean of its k scores per
 * metric and class (NaN scores skipped; NaN when all are NaN), and pooled n counts distinct
 * volumes. The paper pools "all the test samples in the five random tests" (App. C), which
 * counts such a volume k times; the two agree when no volume is tested twice.
 *
 * A volume is identified by modality and case id (runs of one dataset share ids).
 */
import type { CaseResult } from './run-results.ts';

/** A volume's pooled result: its scores averaged over the `draws` runs that tested it. */
export interface PooledCase extends CaseResult {
  /** How many of the pooled runs tested this volume. */
  draws: number;
}

/** One entry per distinct (modality, caseId), in first-seen order, scores averaged over its repeats. */
export function poolByVolume(cases: readonly CaseResult[]): PooledCase[] {
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const key = `${c.modality}\0${c.caseId}`;
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1) return { ...first, draws: 1 };
    const scores: CaseResult['scores'] = {};
    for (const metric of new Set(group.flatMap((c) => Object.keys(c.scores)))) {
      const key = metric as keyof CaseResult['scores'];
      const byClass: Record<string, number> = {};
      for (const cls of new Set(group.flatMap((c) => Object.keys(c.scores[key] ?? {})))) {
        const values = group.map((c) => c.scores[key]?.[cls] ?? NaN).filter((v) => !Number.isNaN(v));
        byClass[cls] = values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
      }
      scores[key] = byClass;
    }
    return { modality: first.modality, caseId: first.caseId, scores, draws: group.length };
  });
}
