/** A standalone HTML page: one table per metric, cells outside tolerance marked. */
import { metricGrids, toleranceSummary } from './report-grid.ts';
import { pairedGrid } from './render-paired.ts';
import { provenanceHtml } from './render-provenance.ts';
import { labelCropNotice, METRIC_LABEL, PHANTOM_NOTICE, toleranceMethod, type Report } from './report-model.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
th,td{padding:.25em .6em;text-align:right;border-bottom:1px solid #ddd}th:first-child,td:first-child,td:nth-child(2){text-align:left}
tr.paper td{border-top:2px solid #999}td.out{color:#b00020}td.in{color:#1b7f3b}.note{color:#555}`;

export function renderHtml(report: Report): string {
  const out: string[] = [
    '<!doctype html>', '<html lang="en">', '<meta charset="utf-8">',
    `<title>${escapeHtml(`${report.name}: ${report.title}`)}</title>`, `<style>${STYLE}</style>`,
    `<h1>${escapeHtml(`${report.name}: ${report.title}`)}</h1>`,
  ];
  for (const grid of metricGrids(report)) {
    out.push(`<h2>${escapeHtml(METRIC_LABEL[grid.metric])}</h2>`, '<table>');
    out.push(`<tr>${['Method', '', ...grid.header].map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`);
    for (const line of grid.lines) {
      const cls = line.source === 'paper' ? ' class="paper"' : '';
      const cells = line.cells.map((c, i) => {
        const v = line.verdicts?.[i];
        const mark = v === true ? ' class="in"' : v === false ? ' class="out"' : '';
        return `<td${mark}>${escapeHtml(c)}</td>`;
      });
      const title = line.title ? ` title="${escapeHtml(line.title)}"` : '';
      out.push(`<tr${cls}${title}><td>${escapeHtml(line.method)}</td><td>${escapeHtml(line.source)}</td>${cells.join('')}</tr>`);
    }
    out.push('</table>');
  }
  const paired = pairedGrid(report);
  if (paired) {
    out.push(`<h2>${escapeHtml(paired.title)}</h2>`, '<table class="paired">');
    out.push(`<tr>${paired.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`);
    for (const line of paired.lines) out.push(`<tr>${line.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
    out.push('</table>', ...paired.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`));
  }
  const { within, compared } = toleranceSummary(report);
  out.push(`<p class="note">${within} of ${compared} compared cells within tolerance.</p>`);
  if (report.test) out.push(`<p class="note">${escapeHtml(toleranceMethod(report))}</p>`);
  if (report.phantom) out.push(`<p class="note">${escapeHtml(PHANTOM_NOTICE)}</p>`);
  if (report.labelCropRows.length) out.push(`<p class="note">${escapeHtml(labelCropNotice(report.labelCropRows))}</p>`);
  out.push(...provenanceHtml(report, escapeHtml));
  return `${out.join('\n')}\n`;
}
