/**
 * Pairing the per-volume results of two table rows that were tested on the same volumes,
 * for a paired comparison (statistics/paired.ts).
 *
 * A pair is one test volume (modality + case id) in one draw, present in both rows: draw i
 * of one row is matched with draw i of the other (the draws of two `repeat`s with the same
 * seed and `times` sample the same subsets and cut the same splits; a plain experiment is
 * draw 0). A volume or draw present in only one row is left out and counted as unmatched.
 * As in pooled reports (pool-volumes.ts), a volume matched in several draws enters once,
 * with its difference averaged over those draws, so n counts distinct volumes.
 *
 * Differences are row − reference, Dice in % and distances in mm. A class enters a pair only
 * where both scores are defined (not NaN); the `mean` column of a pair is the mean over
 * those classes of the per-class differences.
 */
import type { CaseResult } from './run-results.ts';
import type { Metric } from './report-model.ts';

/** Per-volume differences of one metric × modality × column (class or 'mean'). */
export interface PairedDifferences {
  /** One value per distinct volume with at least one defined difference. */
  diffs: number[];
  /** Volume ids, same order as `diffs`. */
  caseIds: string[];
}

export interface PairedCases {
  /** (draw, volume) pairs present in both rows, per modality. */
  pairs: Record<string, number>;
  /** Volumes tested (in some draw) by only one of the two rows, per modality, as `draw:caseId`. */
  unmatched: Record<string, { rowOnly: string[]; referenceOnly: string[] }>;
  /** metric → modality → column → differences */
  differences: Partial<Record<Metric, Record<string, Record<string, PairedDifferences>>>>;
}

const scale = (metric: Metric) => (metric === 'dice' ? 100 : 1);

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Matches `row`'s draws with `reference`'s by draw index and (modality, case id) and returns
 * the per-volume differences row − reference for every metric × modality × column.
 */
export function pairCases(
  row: ReadonlyArray<readonly CaseResult[]>,
  reference: ReadonlyArray<readonly CaseResult[]>,
  modalities: readonly string[],
  classes: readonly string[],
  metrics: readonly Metric[],
): PairedCases {
  const pairs: PairedCases['pairs'] = {};
  const unmatched: PairedCases['unmatched'] = {};
  // modality → caseId → the matched (row, reference) results over the draws
  const matched = new Map<string, Map<string, Array<[CaseResult, CaseResult]>>>();
  for (const modality of modalities) {
    pairs[modality] = 0;
    unmatched[modality] = { rowOnly: [], referenceOnly: [] };
    matched.set(modality, new Map());
  }
  const draws = Math.max(row.length, reference.length);
  for (let draw = 0; draw < draws; draw++) {
    const ours = new Map((row[draw] ?? []).map((c) => [`${c.modality}\0${c.caseId}`, c]));
    const theirs = new Map((reference[draw] ?? []).map((c) => [`${c.modality}\0${c.caseId}`, c]));
    for (const [key, c] of ours) {
      const u = unmatched[c.modality];
      if (!u) continue;
      const r = theirs.get(key);
      if (!r) {
        u.rowOnly.push(`${draw}:${c.caseId}`);
        continue;
      }
      pairs[c.modality]! += 1;
      const byCase = matched.get(c.modality)!;
      byCase.set(c.caseId, [...(byCase.get(c.caseId) ?? []), [c, r]]);
    }
    for (const [key, r] of theirs) if (!ours.has(key)) unmatched[r.modality]?.referenceOnly.push(`${draw}:${r.caseId}`);
  }
  const differences: PairedCases['differences'] = {};
  for (const metric of metrics) {
    const byModality: Record<string, Record<string, PairedDifferences>> = {};
    for (const modality of modalities) {
      const columns: Record<string, PairedDifferences> = {};
      for (const column of [...classes, 'mean']) columns[column] = { diffs: [], caseIds: [] };
      for (const [caseId, drawPairs] of matched.get(modality)!) {
        // Per column, the differences of this volume in each draw that defines one.
        const perDraw: Record<string, number[]> = Object.fromEntries([...classes, 'mean'].map((c) => [c, []]));
        for (const [a, b] of drawPairs) {
          const classDiffs: number[] = [];
          for (const cls of classes) {
            const d = ((a.scores[metric]?.[cls] ?? NaN) - (b.scores[metric]?.[cls] ?? NaN)) * scale(metric);
            if (Number.isNaN(d)) continue;
            perDraw[cls]!.push(d);
            classDiffs.push(d);
          }
          if (classDiffs.length) perDraw.mean!.push(mean(classDiffs));
        }
        for (const [column, values] of Object.entries(perDraw)) {
          if (!values.length) continue;
          columns[column]!.diffs.push(mean(values));
          columns[column]!.caseIds.push(caseId);
        }
      }
      byModality[modality] = columns;
    }
    differences[metric] = byModality;
  }
  return { pairs, unmatched, differences };
}
