/**
 * CSV in long format, one line per (row, metric, modality, column): easy to load into
 * pandas or R. RFC 4180 quoting; numbers unrounded; empty fields where a value is missing.
 */
import type { Report } from './report-model.ts';
import { PAIRED_CSV_HEADER, pairedCsvFields } from './render-paired.ts';
import { PROVENANCE_CSV_HEADER, provenanceCsvFields } from './render-provenance.ts';

const HEADER = [
  'table', 'method', 'metric', 'modality', 'class', 'paper_mean', 'paper_std',
  'measured_mean', 'measured_std', 'measured_n', 'delta', 'within_tolerance',
  // Paired comparison with the reference row (render-paired.ts), empty where not compared.
  ...PAIRED_CSV_HEADER,
];

function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  // 12 significant digits hide float noise (90.9 − 85 = 5.900000000000006) without losing data.
  const s = typeof value === 'number' ? String(Number(value.toPrecision(12))) : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(report: Report): string {
  // Provenance columns (render-provenance.ts) only when the report carries provenance, as `ablate report`'s do.
  const lines = [(report.provenance ? [...HEADER, ...PROVENANCE_CSV_HEADER] : HEADER).join(',')];
  for (const row of report.rows) {
    for (const metric of report.metrics) {
      for (const modality of report.modalities) {
        for (const column of report.columns) {
          const c = row.cells[metric]![modality]![column]!;
          lines.push(
            [report.name, row.label, metric, modality, column, c.paper?.mean, c.paper?.std, c.measured?.mean,
              c.measured?.std, c.measured?.n, c.delta, c.withinTolerance,
              ...pairedCsvFields(report.paired, row.label, metric, modality, column),
              ...provenanceCsvFields(report, row.label)].map(field).join(','),
          );
        }
      }
      const o = row.overall[metric]!;
      lines.push(
        [report.name, row.label, metric, 'overall', 'mean', o.paper?.mean, null, o.measured?.mean, null,
          o.measured?.n, o.delta, o.withinTolerance, ...PAIRED_CSV_HEADER.map(() => null), ...provenanceCsvFields(report, row.label)].map(field).join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
