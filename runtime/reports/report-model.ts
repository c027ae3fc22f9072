/**
 * A paper-vs-measured report: the table a spec declares, with the paper's numbers and
 * ours side by side, the difference, and whether it lies within the table's tolerance.
 *
 * Pure data; the renderers (`render-*.ts`) only lay it out. Conventions:
 * - Dice is reported in % (0–100), ASD and HD95 in mm, as in the paper.
 * - A cell is mean ± std over test volumes (pooled over a repeat's draws), skipping
 *   undefined values (NaN: both masks empty for Dice, an empty mask for ASD); `n` says how
 *   many volumes entered it.
 * - `Mean` per modality is the mean over classes of the per-class means; `overall` is the
 *   mean over modalities of the per-modality means (the paper's "overall mean").
 */

import { sampleStd, welch, type WelchResult } from './statistics/welch.ts';
import type { ReportProvenance } from './report-provenance.ts';
import { pairCases } from './pair-cases.ts';
import { pairedTTest, wilcoxonSignedRank, type PairedTTest, type WilcoxonResult } from './statistics/paired.ts';
import type { CaseResult } from './run-results.ts';

export type Metric = 'dice' | 'asd' | 'hd95';

export interface Stat {
  mean: number;
  /** null where the paper prints no deviation. */
  std: number | null;
}

export interface MeasuredStat extends Stat {
  /** Number of values that entered the mean. */
  n: number;
}

/** modality → metric → class name or 'mean' → value */
export type CellGrid<T> = Record<string, Partial<Record<Metric, Record<string, T>>>>;

export interface ReportRowInput {
  label: string;
  /** The paper's numbers for this row; absent cells are not reported in the paper. */
  paper: CellGrid<Stat>;
  paperOverall: Partial<Record<Metric, number>>;
  /** Our results, or null for a paper-only row (another method) or a row not yet run. */
  measured: CellGrid<MeasuredStat> | null;
  measuredOverall: Partial<Record<Metric, number>>;
  /** Runs (names) that produced `measured`. */
  runs: string[];
  /** True when the row is declared but has no finished runs yet. */
  pending: boolean;
  /** The per-volume results behind `measured`, one list per draw in draw order: for paired comparisons. */
  draws?: CaseResult[][];
  /** The row to pair this one with (e.g. the row an ablation contract names); default: the report's reference. */
  pairedWith?: string;
}

/** Tolerance from the paper's spread (Welch's t-test, statistics/welch.ts) besides the fixed band. */
export interface ToleranceTest {
  kind: 'welch';
  /** Two-sided level: a cell agrees when the (1 − α) interval on Δ contains 0. */
  alpha: number;
  /** Test volumes behind each of the paper's ± (per modality), which the paper does not print per cell. */
  paperN: number;
}

export interface ReportInput {
  name: string;
  /** When set, cells with a paper std are judged by the test (or the fixed band, whichever is wider). */
  test?: ToleranceTest;
  title: string;
  metrics: Metric[];
  modalities: string[];
  classes: string[];
  tolerance: Partial<Record<Metric, number>>;
  /** True when the measured runs used phantom data: not comparable with the paper's numbers. */
  phantom: boolean;
  /** Rows whose test crops were placed on the reference labels (`data.crop_at: label`). */
  labelCropRows?: string[];
  /** The row every other measured row is compared with, paired by volume; default: the first measured row. */
  pairedReference?: string;
  rows: ReportRowInput[];
  /** How the measured numbers were made (report-provenance.ts); `ablate report` always sets it. */
  provenance?: ReportProvenance;
}

export interface ReportCell {
  paper: Stat | null;
  measured: MeasuredStat | null;
  /** measured − paper (means), or null when either is missing. */
  delta: number | null;
  /** |delta| ≤ tolerance; null when there is nothing to compare. */
  withinTolerance: boolean | null;
  /** The band applied: the fixed one, or the Welch half-width where that is wider; null when none. */
  allowed?: number | null;
  /** Welch's test where the report asks for it and both sides have a spread and n ≥ 2. */
  welch?: WelchResult;
}

export interface ReportRow {
  label: string;
  runs: string[];
  pending: boolean;
  paperOnly: boolean;
  /** True when a run behind the row is stale (report-provenance.ts `STALE_MARK`); absent without provenance. */
  stale?: boolean;
  /** metric → modality → class|'mean' → cell */
  cells: Partial<Record<Metric, Record<string, Record<string, ReportCell>>>>;
  overall: Partial<Record<Metric, ReportCell>>;
}

export interface Report {
  name: string;
  title: string;
  metrics: Metric[];
  modalities: string[];
  /** Column keys per modality: the classes, then 'mean'. */
  columns: string[];
  tolerance: Partial<Record<Metric, number>>;
  /** The statistical test behind the tolerance, when the report asked for one. */
  test?: ToleranceTest;
  phantom: boolean;
  /** Rows whose test crops were placed on the reference labels (`data.crop_at: label`); empty when none. */
  labelCropRows: string[];
  rows: ReportRow[];
  provenance?: ReportProvenance;
  /** Paired comparisons of each measured row with a reference row; null with fewer than two measured rows. */
  paired: PairedBlock | null;
}

/** A row against the reference on the volumes both tested: differences row − reference. */
export interface PairedComparison {
  /** Distinct volumes with a defined difference. */
  n: number;
  /** Mean difference over those volumes; null when n = 0. */
  meanDiff: number | null;
  /** Paired t-test with the (1 − α) interval on the mean difference; absent for n < 2. */
  ttest?: PairedTTest;
  /** Wilcoxon signed-rank test; absent when no difference is nonzero. */
  wilcoxon?: WilcoxonResult;
}

export interface PairedRow {
  label: string;
  /** The row it is compared with: its own `pairedWith`, else the block's reference. */
  reference: string;
  /** `unpaired`: the two rows share no (draw, volume): nothing is compared. */
  status: 'paired' | 'unpaired';
  /** (draw, volume) pairs found in both rows, all modalities. */
  pairs: number;
  /** (draw, volume) entries tested by only one of the two rows (e.g. a case missing from one). */
  unmatched: number;
  /** metric → modality → class|'mean' → comparison; empty when unpaired. */
  comparisons: Partial<Record<Metric, Record<string, Record<string, PairedComparison>>>>;
}

export interface PairedBlock {
  /** The default reference row's label (rows may name their own, `PairedRow.reference`). */
  reference: string;
  /** Two-sided level of the intervals (the tolerance test's α, else 0.05). */
  alpha: number;
  rows: PairedRow[];
}

/** Default level of the paired intervals when the report has no tolerance test. */
export const PAIRED_ALPHA = 0.05;

/** Each measured row with per-volume results against the reference row, paired by draw and volume. */
function buildPaired(input: ReportInput, columns: string[]): PairedBlock | null {
  const measured = input.rows.filter((r) => r.measured !== null && !r.pending && r.draws !== undefined);
  const reference = input.pairedReference === undefined ? measured[0] : measured.find((r) => r.label === input.pairedReference);
  if (!reference || measured.length < 2) return null;
  const alpha = input.test?.alpha ?? PAIRED_ALPHA;
  const byLabel = new Map(measured.map((r) => [r.label, r]));
  // A row naming a row is compared with it (not at all while that row has no results); any
  // other row but the reference with the reference.
  const compared = measured.flatMap((row) => {
    const other = row.pairedWith === undefined ? reference : byLabel.get(row.pairedWith);
    return other === undefined || other === row ? [] : [{ row, other }];
  });
  const rows = compared.map(({ row, other }): PairedRow => {
    const paired = pairCases(row.draws!, other.draws!, input.modalities, input.classes, input.metrics);
    const pairs = Object.values(paired.pairs).reduce((a, b) => a + b, 0);
    const unmatched = Object.values(paired.unmatched).reduce((a, u) => a + u.rowOnly.length + u.referenceOnly.length, 0);
    const comparisons: PairedRow['comparisons'] = {};
    if (pairs > 0) {
      for (const metric of input.metrics) {
        const byModality: Record<string, Record<string, PairedComparison>> = {};
        for (const modality of input.modalities) {
          const byColumn: Record<string, PairedComparison> = {};
          for (const column of columns) {
            const { diffs } = paired.differences[metric]![modality]![column]!;
            const ttest = pairedTTest(diffs, alpha);
            const wilcoxon = wilcoxonSignedRank(diffs);
            byColumn[column] = {
              n: diffs.length,
              meanDiff: diffs.length ? diffs.reduce((a, b) => a + b, 0) / diffs.length : null,
              ...(ttest ? { ttest } : {}),
              ...(wilcoxon ? { wilcoxon } : {}),
            };
          }
          byModality[modality] = byColumn;
        }
        comparisons[metric] = byModality;
      }
    }
    return { label: row.label, reference: other.label, status: pairs > 0 ? 'paired' : 'unpaired', pairs, unmatched, comparisons };
  });
  return { reference: reference.label, alpha, rows };
}

export const METRIC_LABEL: Record<Metric, string> = { dice: 'Dice (%)', asd: 'ASD (mm)', hd95: 'HD95 (mm)' };

function compare(paper: Stat | null, measured: MeasuredStat | null, tolerance: number | undefined, test?: ToleranceTest): ReportCell {
  if (!paper || !measured || !Number.isFinite(measured.mean)) {
    return { paper, measured, delta: null, withinTolerance: null };
  }
  const delta = measured.mean - paper.mean;
  const w = test && paper.std !== null && measured.std !== null && measured.n >= 2
    ? welch({ mean: paper.mean, std: paper.std, n: test.paperN }, { mean: measured.mean, std: sampleStd(measured.std, measured.n), n: measured.n }, test.alpha)
    : undefined;
  const bands = [tolerance, w?.halfWidth].filter((b): b is number => b !== undefined);
  const allowed = bands.length ? Math.max(...bands) : null;
  return { paper, measured, delta, withinTolerance: allowed === null ? null : Math.abs(delta) <= allowed + 1e-9, allowed, ...(w ? { welch: w } : {}) };
}

/** Lines the paper's and our numbers up cell by cell. */
export function buildReport(input: ReportInput): Report {
  const columns = [...input.classes, 'mean'];
  const rows = input.rows.map((row): ReportRow => {
    const cells: ReportRow['cells'] = {};
    const overall: ReportRow['overall'] = {};
    for (const metric of input.metrics) {
      const byModality: Record<string, Record<string, ReportCell>> = {};
      for (const modality of input.modalities) {
        const byColumn: Record<string, ReportCell> = {};
        for (const column of columns) {
          const paper = row.paper[modality]?.[metric]?.[column] ?? null;
          const measured = row.measured?.[modality]?.[metric]?.[column] ?? null;
          byColumn[column] = compare(paper, measured, input.tolerance[metric], input.test);
        }
        byModality[modality] = byColumn;
      }
      cells[metric] = byModality;
      const paperOverall = row.paperOverall[metric];
      const measuredOverall = row.measuredOverall[metric];
      overall[metric] = compare(
        paperOverall === undefined ? null : { mean: paperOverall, std: null },
        measuredOverall === undefined ? null : { mean: measuredOverall, std: null, n: input.modalities.length },
        input.tolerance[metric],
      );
    }
    const stale = input.provenance?.rows[row.label]?.some((r) => r.stale !== null);
    return { label: row.label, runs: row.runs, pending: row.pending, paperOnly: row.measured === null && !row.pending, ...(stale ? { stale } : {}), cells, overall };
  });
  return { name: input.name, title: input.title, metrics: input.metrics, modalities: input.modalities, columns, tolerance: input.tolerance, ...(input.test ? { test: input.test } : {}), phantom: input.phantom, labelCropRows: input.labelCropRows ?? [], rows, paired: buildPaired(input, columns), ...(input.provenance ? { provenance: input.provenance } : {}) };
}

/** Digits the paper prints: Dice with one decimal, distances with two. */
export function digitsOf(metric: Metric): number {
  return metric === 'dice' ? 1 : 2;
}

export function formatStat(stat: Stat | null, metric: Metric): string {
  if (!stat || !Number.isFinite(stat.mean)) return '–';
  const d = digitsOf(metric);
  return stat.std === null || !Number.isFinite(stat.std) ? stat.mean.toFixed(d) : `${stat.mean.toFixed(d)}±${stat.std.toFixed(d)}`;
}

export function formatDelta(cell: ReportCell, metric: Metric): string {
  if (cell.delta === null) return '';
  const d = digitsOf(metric);
  const rounded = Number(cell.delta.toFixed(d));
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '';
  const mark = cell.withinTolerance === null ? '' : cell.withinTolerance ? ' ✓' : ' ✗';
  // With a test, the band the cell was judged against (the wider of Welch's and the fixed one).
  const band = cell.welch && cell.allowed != null ? ` (±${cell.allowed.toFixed(d)})` : '';
  return `${sign}${Math.abs(cell.delta).toFixed(d)}${band}${mark}`;
}

export function columnTitle(modality: string, column: string): string {
  return `${modality.toUpperCase()} ${column === 'mean' ? 'Mean' : column}`;
}

/** The notice printed under a report with rows measured with label-centred test crops. */
export function labelCropNotice(rows: readonly string[]): string {
  return `Label-centred crop (data.crop_at: label, the paper's protocol): the test inputs of ${rows.map((r) => `"${r}"`).join(', ')} were placed with the test labels.`;
}

/** How cells were judged, for the line under every report. */
export function toleranceMethod(report: Pick<Report, 'tolerance' | 'test' | 'metrics'>): string {
  const band = report.metrics.filter((m) => report.tolerance[m] !== undefined).map((m) => `${m} ±${report.tolerance[m]}`).join(', ');
  const fixed = band ? `fixed band |Δ| ≤ (${band})` : 'no fixed band';
  if (!report.test) return `Tolerance: ${fixed}.`;
  const level = +(100 * (1 - report.test.alpha)).toFixed(4);
  return `Tolerance: Welch's t-test, ${level}% confidence interval on Δ (two-sided α = ${report.test.alpha}; paper n = ${report.test.paperN} per cell, ours = measured n; `
    + `a cell agrees when |Δ| ≤ the interval's half-width or the ${fixed}); cells without a paper std use the fixed band only.`;
}

/** The notice printed under every report built from phantom runs. */
export const PHANTOM_NOTICE =
  'Measured on phantom data: these numbers check the pipeline and are not comparable with the paper\'s.';
