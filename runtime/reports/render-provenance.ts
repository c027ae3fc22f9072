/**
 * The provenance block of a report in each format (the model is report-provenance.ts):
 * markdown and HTML get a section with one table line per run, LaTeX a comment block (a
 * paper's table stays clean; the source keeps the record), CSV extra columns per line.
 * Each block ends with the stale legend when a run is stale.
 */
import { describeGit } from '../run/code-provenance.ts';
import type { RunProvenance } from '../tracking/provenance-tags.ts';
import type { Report } from './report-model.ts';
import { hasStale, PROVENANCE_HEADER, provenanceRow, provenanceSummary, STALE_LEGEND, type ReportProvenance } from './report-provenance.ts';

/** Every run of the report with its row label, in row order. */
function runLines(p: ReportProvenance): string[][] {
  return Object.entries(p.rows).flatMap(([row, runs]) => runs.map((r) => provenanceRow(row, r)));
}

export function provenanceMarkdown(report: Report): string[] {
  const p = report.provenance;
  if (!p) return [];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['', '### Provenance', '', ...provenanceSummary(p).flatMap((l, i) => (i ? ['', l] : [l])), ''];
  const lines = runLines(p);
  if (lines.length) {
    out.push(`| ${PROVENANCE_HEADER.join(' | ')} |`, `|${PROVENANCE_HEADER.map(() => ' --- ').join('|')}|`);
    for (const l of lines) out.push(`| ${l.map(esc).join(' | ')} |`);
  }
  if (hasStale(p)) out.push('', STALE_LEGEND);
  return out;
}

export function provenanceHtml(report: Report, escapeHtml: (s: string) => string): string[] {
  const p = report.provenance;
  if (!p) return [];
  const out = ['<h2>Provenance</h2>', ...provenanceSummary(p).map((l) => `<p class="note">${escapeHtml(l)}</p>`)];
  const lines = runLines(p);
  if (lines.length) {
    out.push('<table class="provenance">', `<tr>${PROVENANCE_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`);
    for (const l of lines) out.push(`<tr>${l.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
    out.push('</table>');
  }
  if (hasStale(p)) out.push(`<p class="note">${escapeHtml(STALE_LEGEND)}</p>`);
  return out;
}

/** LaTeX comment lines (`% …`). */
export function provenanceLatex(report: Report): string[] {
  const p = report.provenance;
  if (!p) return [];
  const out = ['% Provenance', ...provenanceSummary(p).map((l) => `% ${l}`)];
  const lines = runLines(p);
  if (lines.length) out.push(`% ${PROVENANCE_HEADER.join(' | ')}`, ...lines.map((l) => `% ${l.join(' | ')}`));
  if (hasStale(p)) out.push(`% ${STALE_LEGEND}`);
  return out;
}

/** The CSV columns added when the report carries provenance (full hashes, lists space-separated). */
export const PROVENANCE_CSV_HEADER = [
  'run_ids', 'spec_hashes', 'data_hashes', 'data_kind', 'ablate_version', 'git_commit', 'git_dirty', 'backend',
  'run_overrides', 'stale', 'rendered_by', 'report_overrides',
];

/** The provenance fields of a CSV line of row `label` (empty fields for a row without runs). */
export function provenanceCsvFields(report: Report, label: string): string[] {
  const p = report.provenance;
  if (!p) return [];
  const runs = p.rows[label] ?? [];
  const list = (values: Array<string | null>) => [...new Set(values.map((v) => v ?? 'unknown'))].join(' ');
  const all = (values: Array<string | null>) => values.map((v) => v ?? 'unknown').join(' ');
  return [
    all(runs.map((r) => r.runId)),
    all(runs.map((r) => r.irHash)),
    list(runs.map((r) => r.dataHash)),
    list(runs.map((r) => r.dataKind)),
    list(runs.map((r) => r.version)),
    list(runs.map((r) => r.gitCommit)),
    list(runs.map((r) => (r.gitDirty === null ? null : String(r.gitDirty)))),
    list(runs.map((r) => r.backend)),
    list(runs.map((r) => (r.overrides.length ? r.overrides.join(';') : 'none'))),
    runs.length ? String(runs.some((r) => r.stale !== null)) : '',
    `${p.renderedBy.version}@${describeGit(p.renderedBy.git)}`,
    p.overrides.join(';'),
  ].map((v, i) => (runs.length || i >= 10 ? v : ''));
}

/**
 * An SVG figure with its provenance as an XML comment after the opening `<svg …>` tag
 * (invisible when drawn, kept in the file): the summary and one line per run.
 */
export function svgWithProvenance(svg: string, p: Omit<ReportProvenance, 'rows'>, runs: ReadonlyArray<{ label: string; run: RunProvenance }>): string {
  const lines = [
    'Provenance',
    ...provenanceSummary({ ...p, rows: { '': runs.map((r) => r.run) } }),
    PROVENANCE_HEADER.join(' | '),
    ...runs.map((r) => provenanceRow(r.label, r.run).join(' | ')),
    ...(runs.some((r) => r.run.stale) ? [STALE_LEGEND] : []),
  ];
  // `--` may not appear inside an XML comment.
  const comment = `<!--\n${lines.map((l) => l.replace(/--/g, '‐‐')).join('\n')}\n-->`;
  return svg.replace(/(<svg\b[^>]*>)/, (open) => `${open}\n${comment}`);
}
