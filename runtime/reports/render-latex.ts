/** LaTeX with booktabs (`\usepackage{booktabs}`), one `table*` per metric. */
import { metricGrids, toleranceSummary } from './report-grid.ts';
import { pairedGrid } from './render-paired.ts';
import { provenanceLatex } from './render-provenance.ts';
import { labelCropNotice, METRIC_LABEL, PHANTOM_NOTICE, toleranceMethod, type Report } from './report-model.ts';

const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}',
  '~': '\\textasciitilde{}', '^': '\\textasciicircum{}',
};

export function escapeLatex(s: string): string {
  return s
    .replace(/[\\&%$#_{}~^]/g, (c) => SPECIALS[c]!)
    .replace(/±/g, '$\\pm$')
    .replace(/Δ/g, '$\\Delta$')
    .replace(/−/g, '$-$')
    .replace(/✓/g, '\\checkmark')
    .replace(/✗/g, '$\\times$')
    .replace(/†/g, '$^\\dagger$')
    .replace(/–/g, '--')
    .replace(/</g, '$<$'); // p-values "<0.001" (text-mode < is ¡ in OT1)
}

export function renderLatex(report: Report): string {
  const out: string[] = [];
  for (const grid of metricGrids(report)) {
    const n = grid.header.length;
    out.push('\\begin{table*}[t]', '\\centering', '\\small');
    out.push(`\\caption{${escapeLatex(`${report.title}: ${METRIC_LABEL[grid.metric]}`)}, paper vs.\\ measured}`);
    out.push(`\\label{tab:${report.name}-${grid.metric}}`);
    out.push(`\\begin{tabular}{ll${'r'.repeat(n)}}`, '\\toprule');
    out.push(`${['Method', '', ...grid.header].map(escapeLatex).join(' & ')} \\\\`, '\\midrule');
    grid.lines.forEach((line, i) => {
      if (i > 0 && line.source === 'paper') out.push('\\addlinespace');
      out.push(`${[line.method, line.source, ...line.cells].map(escapeLatex).join(' & ')} \\\\`);
    });
    out.push('\\bottomrule', '\\end{tabular}', '\\end{table*}', '');
  }
  const paired = pairedGrid(report);
  if (paired) {
    out.push('\\begin{table}[t]', '\\centering', '\\small', `\\caption{${escapeLatex(`${report.title}: ${paired.title}`)}}`);
    out.push(`\\label{tab:${report.name}-paired}`, `\\begin{tabular}{lll${'r'.repeat(paired.header.length - 3)}}`, '\\toprule');
    out.push(`${paired.header.map(escapeLatex).join(' & ')} \\\\`, '\\midrule');
    for (const line of paired.lines) out.push(`${line.map(escapeLatex).join(' & ')} \\\\`);
    out.push('\\bottomrule', '\\end{tabular}', '\\end{table}', ...paired.notes.map((n) => `% ${n}`), '');
  }
  const { within, compared } = toleranceSummary(report);
  out.push(`% ${within} of ${compared} compared cells within tolerance.`);
  if (report.test) out.push(`% ${toleranceMethod(report)}`);
  if (report.phantom) out.push(`% ${PHANTOM_NOTICE}`);
  if (report.labelCropRows.length) out.push(`% ${labelCropNotice(report.labelCropRows)}`);
  out.push(...provenanceLatex(report));
  return `${out.join('\n')}\n`;
}
