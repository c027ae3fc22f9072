/**
 * The paired-comparison block under a report (report-model.ts `PairedBlock`) as a grid of
 * strings, laid out by every text renderer (markdown, LaTeX, HTML) so they agree cell for
 * cell; CSV takes the numbers from `pairedCsvFields`.
 *
 * One line per compared row × metric × modality, on the per-volume mean over classes (the
 * table's `Mean` column): n volumes, the mean difference row − reference with its interval,
 * the paired t-test and the Wilcoxon signed-rank test. A row that shares no test volume
 * with the reference gets one `unpaired` line.
 */
import { digitsOf, METRIC_LABEL, type PairedBlock, type Report } from './report-model.ts';

export interface PairedGrid {
  title: string;
  header: string[];
  lines: string[][];
  /** What was compared and how, then one note per row with volumes tested by only one of the two rows. */
  notes: string[];
}

const signed = (v: number, d: number) => {
  const s = Math.abs(v).toFixed(d);
  return Number(s) === 0 ? s : `${v < 0 ? '−' : '+'}${s}`;
};
const plain = (v: number, d: number) => (v < 0 ? `−${Math.abs(v).toFixed(d)}` : v.toFixed(d));

/** p-values with three decimals, and "<0.001" below that. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

export function pairedGrid(report: Report): PairedGrid | null {
  const block = report.paired;
  if (!block) return null;
  const level = +(100 * (1 - block.alpha)).toFixed(4);
  const header = ['Method', 'Metric', 'Modality', 'n', 'Δ (row − ref.)', `${level}% CI`, 't (df)', 'p (t)', 'W', 'p (W)'];
  const lines: string[][] = [];
  const notes = [
    `Paired on the test volumes both rows tested (matched by draw and case id; a volume matched in several draws counts once, with its mean difference): `
    + `per volume the mean over classes of row − reference (Dice in %, distances in mm). Paired t-test (two-sided, ${level}% CI on the mean difference, df = n − 1) `
    + `and Wilcoxon signed-rank test (zero differences dropped; exact for up to 50 nonzero differences, else the normal approximation).`,
  ];
  for (const row of block.rows) {
    // A row compared with another row than the block's reference says which.
    const method = row.reference === block.reference ? row.label : `${row.label} vs ${row.reference}`;
    if (row.status === 'unpaired') {
      lines.push([method, '–', '–', '0', 'unpaired', '–', '–', '–', '–', '–']);
      notes.push(`"${row.label}" is unpaired: it shares no test volume (in the same draw) with "${row.reference}", so it is not compared.`);
      continue;
    }
    if (row.unmatched > 0) {
      notes.push(`"${row.label}": ${row.pairs} (draw, volume) pairs; ${row.unmatched} tested by only one of "${row.label}" and "${row.reference}", left out.`);
    }
    for (const metric of report.metrics) {
      for (const modality of report.modalities) {
        const c = row.comparisons[metric]?.[modality]?.mean;
        if (!c) continue;
        const d = digitsOf(metric) + 1;
        const t = c.ttest;
        lines.push([
          method, METRIC_LABEL[metric], modality.toUpperCase(), String(c.n),
          c.meanDiff === null ? '–' : signed(c.meanDiff, d),
          t ? `[${plain(t.ci[0], d)}, ${plain(t.ci[1], d)}]` : '–',
          t && t.t !== null ? `${plain(t.t, 2)} (${t.df})` : '–',
          formatP(t?.p),
          c.wilcoxon ? String(c.wilcoxon.statistic) : '–',
          formatP(c.wilcoxon?.p),
        ]);
      }
    }
  }
  const title = block.rows.every((r) => r.reference === block.reference) ? `Paired comparison with "${block.reference}"` : `Paired comparisons (reference "${block.reference}" unless named)`;
  return { title, header, lines, notes };
}

export const PAIRED_CSV_HEADER = [
  'paired_reference', 'paired_status', 'paired_n', 'paired_delta', 'paired_ci_low', 'paired_ci_high',
  'paired_t', 'paired_df', 'paired_p', 'wilcoxon_w', 'wilcoxon_p',
];

/** The paired columns of one CSV line (row, metric, modality, column); empty where the row is not compared. */
export function pairedCsvFields(block: PairedBlock | null, rowLabel: string, metric: string, modality: string, column: string): Array<string | number | null | undefined> {
  const empty = PAIRED_CSV_HEADER.map(() => null);
  if (!block) return empty;
  const row = block.rows.find((r) => r.label === rowLabel);
  if (!row) return rowLabel === block.reference ? [block.reference, 'reference', ...empty.slice(2)] : empty;
  if (row.status === 'unpaired') return [row.reference, 'unpaired', 0, ...empty.slice(3)];
  const c = row.comparisons[metric as keyof typeof row.comparisons]?.[modality]?.[column];
  if (!c) return [row.reference, 'paired', ...empty.slice(2)];
  return [row.reference, 'paired', c.n, c.meanDiff, c.ttest?.ci[0], c.ttest?.ci[1], c.ttest?.t, c.ttest?.df, c.ttest?.p, c.wilcoxon?.statistic, c.wilcoxon?.p];
}
