/**
 * Renders every table and figure of a compiled spec from the runs in MLflow and writes all
 * formats (`<name>.md|csv|tex|html`, figures as `<name>.svg`). Used by `ablate report` and
 * `ablate reproduce`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompileResult } from '../compiler/compile.ts';
import { figureSeries, findRunResults, tableReport } from '../runtime/reports/collect-results.ts';
import { ablateCode, type CodeProvenance } from '../runtime/run/code-provenance.ts';
import { runProvenance } from '../runtime/tracking/provenance-tags.ts';
import { svgWithProvenance } from '../runtime/reports/render-provenance.ts';
import { isCategoricalAxis, lineChartSvg } from '../runtime/reports/plots/line-chart.ts';
import { tableFigure } from '../runtime/reports/plots/table-figure.ts';
import type { Report, ToleranceTest } from '../runtime/reports/report-model.ts';
import { toleranceSummary } from '../runtime/reports/report-grid.ts';
import { renderCsv } from '../runtime/reports/render-csv.ts';
import { renderHtml } from '../runtime/reports/render-html.ts';
import { renderLatex } from '../runtime/reports/render-latex.ts';
import { renderMarkdown } from '../runtime/reports/render-markdown.ts';
import type { Tracker } from '../runtime/tracking/tracker.ts';

export type ReportFormat = 'md' | 'csv' | 'latex' | 'html';

const RENDER: Record<ReportFormat, { ext: string; render: (r: Report) => string }> = {
  md: { ext: 'md', render: renderMarkdown },
  csv: { ext: 'csv', render: renderCsv },
  latex: { ext: 'tex', render: renderLatex },
  html: { ext: 'html', render: renderHtml },
};

export interface WrittenReport {
  name: string;
  /** Files written, every format. */
  files: string[];
  /** The requested format's text (for stdout). */
  text: string;
  pendingRows: number;
  /** Compared cells and how many of them lie within tolerance (0 of 0 for figures). */
  within: number;
  compared: number;
}

/**
 * Renders every table and figure of a compiled file from the runs in `tracker`, writing all
 * formats to `outDir` (`<name>.md|csv|tex|html`, a table's figure per metric as `<name>.<metric>.svg`,
 * figures as `<name>.svg`).
 */
/**
 * `overrides`: the `-s` values the runs were looked up with (shown in the provenance block);
 * `renderedBy`: the code staleness is judged against (default: this ablate, code-provenance.ts).
 */
export async function writeReports(
  result: Pick<CompileResult, 'tables' | 'figures'>, tracker: Tracker,
  options: { experimentName: string; outDir: string; format: ReportFormat; only?: string; test?: ToleranceTest; overrides?: readonly string[]; renderedBy?: CodeProvenance },
): Promise<WrittenReport[]> {
  const tables = result.tables.filter((t) => !options.only || t.name === options.only);
  const figures = result.figures.filter((f) => !options.only || f.name === options.only);
  const hashes = [
    ...tables.flatMap((t) => t.rows.flatMap((r) => r.specHashes)),
    ...figures.flatMap((f) => [...f.points.map((p) => p.specHash), ...f.references.flatMap((r) => r.specHashes)]),
  ];
  const found = await findRunResults(tracker, options.experimentName, hashes);
  const results = new Map([...found].map(([hash, f]) => [hash, f.results]));
  const renderedBy = options.renderedBy ?? ablateCode();
  const provenance = {
    report: { renderedBy, overrides: [...(options.overrides ?? [])] },
    runs: new Map([...found].map(([hash, f]) => [hash, runProvenance(f.run, renderedBy)])),
  };
  await mkdir(options.outDir, { recursive: true });
  const written: WrittenReport[] = [];
  for (const table of tables) {
    const report = tableReport(table, results, options.test, provenance);
    const files: string[] = [];
    for (const { ext, render } of Object.values(RENDER)) {
      const file = path.join(options.outDir, `${table.name}.${ext}`);
      await writeFile(file, render(report));
      files.push(file);
    }
    // Per metric, ours ± std beside the paper's ± std (plots/table-figure.ts): `<table>.<metric>.svg`.
    for (const metric of report.metrics) {
      const chart = tableFigure(report, metric);
      if (!chart) continue;
      const file = path.join(options.outDir, `${table.name}.${metric}.svg`);
      const runs = Object.entries(report.provenance?.rows ?? {}).flatMap(([label, list]) => list.map((run) => ({ label, run })));
      await writeFile(file, svgWithProvenance(lineChartSvg(chart), provenance.report, runs));
      files.push(file);
    }
    written.push({ name: table.name, files, text: RENDER[options.format].render(report), pendingRows: report.rows.filter((r) => r.pending).length, ...toleranceSummary(report) });
  }
  for (const figure of figures) {
    const { series, references, missing } = figureSeries(figure, results);
    const [metric] = figure.y.split('.');
    const draws = Math.max(0, ...series.flatMap((s) => s.draws));
    const svg = lineChartSvg({
      title: figure.title ?? figure.name,
      xLabel: figure.x,
      // Error bars: ± std over the draws of a repeat (n draws per point).
      yLabel: `${figure.y}${metric === 'dice' ? ' (%)' : ' (mm)'}${draws > 1 ? `, mean ± std over ${draws} draws` : ''}`,
      series,
      references,
      markers: true,
      // Seeds are categories: points, not a line joining them as if in between seeds meant something.
      categoricalX: isCategoricalAxis(figure.x),
    });
    const file = path.join(options.outDir, `${figure.name}.svg`);
    const pointRuns = [...figure.points, ...figure.references.flatMap((r) => r.specHashes.map((specHash, i) => ({ run: r.runs[i] ?? r.label, specHash })))]
      .flatMap((p) => {
        const run = provenance.runs.get(p.specHash);
        return run ? [{ label: p.run, run }] : [];
      });
    await writeFile(file, svgWithProvenance(svg, provenance.report, pointRuns));
    const missingPoints = figure.points.filter((p) => missing.includes(p.run)).length;
    const text = `figure ${figure.name}: ${figure.points.length - missingPoints} of ${figure.points.length} points measured → ${file}\n` +
      (missing.length ? `  not run yet: ${missing.join(', ')}\n` : '');
    written.push({ name: figure.name, files: [file], text, pendingRows: missing.length, within: 0, compared: 0 });
  }
  return written;
}
