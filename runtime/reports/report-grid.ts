/**
 * The paper's layout as a grid of strings, one grid per metric: a column per class and
 * per-modality mean, then the overall mean; for each method a `paper` line, a `measured`
 * line and a `Δ` line (paper-only rows have just the first). Every text renderer
 * (markdown, LaTeX, HTML) lays out these grids, so they agree cell for cell.
 */
import {
  columnTitle,
  formatDelta,
  formatStat,
  type Metric,
  type Report,
  type ReportCell,
  type ReportRow,
} from './report-model.ts';
import { runsTitle, STALE_MARK } from './report-provenance.ts';

export interface GridLine {
  /** The method label on its first line, '' on the following ones. */
  method: string;
  /** `measured †`: a run behind the line is stale (report-provenance.ts). */
  source: 'paper' | 'measured' | 'measured †' | 'Δ';
  cells: string[];
  /** For the Δ line: per cell, whether it is within tolerance (null: nothing compared). */
  verdicts?: Array<boolean | null>;
  /** For a measured line with provenance: the runs behind it (HTML shows it as the row's title). */
  title?: string;
}

export interface MetricGrid {
  metric: Metric;
  header: string[];
  lines: GridLine[];
}

function cellsOf(report: Report, row: ReportRow, metric: Metric): ReportCell[] {
  const out: ReportCell[] = [];
  for (const modality of report.modalities) {
    for (const column of report.columns) out.push(row.cells[metric]![modality]![column]!);
  }
  out.push(row.overall[metric]!);
  return out;
}

export function metricGrids(report: Report): MetricGrid[] {
  return report.metrics.map((metric) => {
    const header = [
      ...report.modalities.flatMap((m) => report.columns.map((c) => columnTitle(m, c))),
      'Overall',
    ];
    const lines: GridLine[] = [];
    for (const row of report.rows) {
      const cells = cellsOf(report, row, metric);
      lines.push({ method: row.label, source: 'paper', cells: cells.map((c) => formatStat(c.paper, metric)) });
      if (row.paperOnly) continue;
      if (row.pending) {
        lines.push({ method: '', source: 'measured', cells: cells.map(() => 'not run') });
        continue;
      }
      lines.push({
        method: '',
        source: row.stale ? `measured ${STALE_MARK}` : 'measured',
        ...(report.provenance?.rows[row.label]?.length ? { title: runsTitle(report.provenance.rows[row.label]!) } : {}),
        cells: cells.map((c) => formatStat(c.measured, metric)),
      });
      lines.push({
        method: '',
        source: 'Δ',
        cells: cells.map((c) => formatDelta(c, metric)),
        verdicts: cells.map((c) => c.withinTolerance),
      });
    }
    return { metric, header, lines };
  });
}

/** "12 of 40 compared cells within tolerance" — the summary line under a report. */
export function toleranceSummary(report: Report): { within: number; compared: number } {
  let within = 0;
  let compared = 0;
  for (const row of report.rows) {
    for (const metric of report.metrics) {
      for (const cell of cellsOf(report, row, metric)) {
        if (cell.withinTolerance === null) continue;
        compared += 1;
        if (cell.withinTolerance) within += 1;
      }
    }
  }
  return { within, compared };
}
