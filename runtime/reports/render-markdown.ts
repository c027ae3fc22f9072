/** Markdown (GitHub tables), also what the terminal shows. */
import { metricGrids, toleranceSummary } from './report-grid.ts';
import { pairedGrid } from './render-paired.ts';
import { provenanceMarkdown } from './render-provenance.ts';
import { labelCropNotice, METRIC_LABEL, PHANTOM_NOTICE, toleranceMethod, type Report } from './report-model.ts';

const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

export function renderMarkdown(report: Report): string {
  const out: string[] = [`## ${report.name}: ${report.title}`, ''];
  for (const grid of metricGrids(report)) {
    const tol = report.tolerance[grid.metric];
    out.push(`### ${METRIC_LABEL[grid.metric]}${tol === undefined ? '' : ` (tolerance ±${tol})`}`, '');
    const header = ['Method', '', ...grid.header];
    out.push(`| ${header.map(escapeCell).join(' | ')} |`);
    out.push(`|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const line of grid.lines) {
      out.push(`| ${[line.method, line.source, ...line.cells].map(escapeCell).join(' | ')} |`);
    }
    out.push('');
  }
  const paired = pairedGrid(report);
  if (paired) {
    out.push(`### ${paired.title}`, '', `| ${paired.header.map(escapeCell).join(' | ')} |`);
    out.push(`|${paired.header.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const line of paired.lines) out.push(`| ${line.map(escapeCell).join(' | ')} |`);
    out.push('', ...paired.notes.flatMap((n, i) => (i ? ['', n] : [n])), '');
  }
  const { within, compared } = toleranceSummary(report);
  out.push(`${within} of ${compared} compared cells within tolerance.`);
  if (report.test) out.push('', toleranceMethod(report));
  if (report.phantom) out.push('', `> ${PHANTOM_NOTICE}`);
  if (report.labelCropRows.length) out.push('', `> ${labelCropNotice(report.labelCropRows)}`);
  out.push(...provenanceMarkdown(report));
  return `${out.join('\n')}\n`;
}
