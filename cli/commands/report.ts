/**
 * `ablate report <table.abl> [-t NAME] [--format md|csv|latex|html] [--out DIR]`: reads the
 * runs of every table (and figure) in the file from MLflow (file store or server) and
 * renders the paper's layout with the paper's numbers beside the measured ones, the
 * difference and whether it is within the table's tolerance. Figures become SVG plots.
 * Rows whose runs have not finished are shown as "not run"; `ablate reproduce` runs them.
 */
import { Command, Option } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compileFile, type CompileResult } from '../../compiler/compile.ts';
import { hasErrors } from '../../compiler/diagnostics.ts';
import { figureSeries, findResults, tableReport } from '../../runtime/reports/collect-results.ts';
import { lineChartSvg } from '../../runtime/reports/plots/line-chart.ts';
import type { Report } from '../../runtime/reports/report-model.ts';
import { renderCsv } from '../../runtime/reports/render-csv.ts';
import { renderHtml } from '../../runtime/reports/render-html.ts';
import { renderLatex } from '../../runtime/reports/render-latex.ts';
import { renderMarkdown } from '../../runtime/reports/render-markdown.ts';
import { createTracker, type Tracker } from '../../runtime/tracking/tracker.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';

export type ReportFormat = 'md' | 'csv' | 'latex' | 'html';

const RENDER: Record<ReportFormat, { ext: string; render: (r: Report) => string }> = {
  md: { ext: 'md', render: renderMarkdown },
  csv: { ext: 'csv', render: renderCsv },
  latex: { ext: 'tex', render: renderLatex },
  html: { ext: 'html', render: renderHtml },
};

export interface ReportCliOptions {
  table?: string;
  format: ReportFormat;
  out: string;
  trackingUri?: string;
  mlflowExperiment: string;
}

export interface WrittenReport {
  name: string;
  /** Files written, every format. */
  files: string[];
  /** The requested format's text (for stdout). */
  text: string;
  pendingRows: number;
}

/**
 * Renders every table and figure of a compiled file from the runs in `tracker`, writing all
 * formats to `outDir` (`<name>.md|csv|tex|html`, figures as `<name>.svg`).
 */
export async function writeReports(result: CompileResult, tracker: Tracker, options: { experimentName: string; outDir: string; format: ReportFormat; only?: string }): Promise<WrittenReport[]> {
  const tables = result.tables.filter((t) => !options.only || t.name === options.only);
  const figures = result.figures.filter((f) => !options.only || f.name === options.only);
  const hashes = [...tables.flatMap((t) => t.rows.flatMap((r) => r.specHashes)), ...figures.flatMap((f) => f.points.map((p) => p.specHash))];
  const results = await findResults(tracker, options.experimentName, hashes);
  await mkdir(options.outDir, { recursive: true });
  const written: WrittenReport[] = [];
  for (const table of tables) {
    const report = tableReport(table, results);
    const files: string[] = [];
    for (const { ext, render } of Object.values(RENDER)) {
      const file = path.join(options.outDir, `${table.name}.${ext}`);
      await writeFile(file, render(report));
      files.push(file);
    }
    written.push({ name: table.name, files, text: RENDER[options.format].render(report), pendingRows: report.rows.filter((r) => r.pending).length });
  }
  for (const figure of figures) {
    const { series, missing } = figureSeries(figure, results);
    const [metric] = figure.y.split('.');
    const svg = lineChartSvg({
      title: figure.title ?? figure.name,
      xLabel: figure.x,
      yLabel: `${figure.y}${metric === 'dice' ? ' (%)' : ' (mm)'}`,
      series,
      markers: true,
    });
    const file = path.join(options.outDir, `${figure.name}.svg`);
    await writeFile(file, svg);
    const text = `figure ${figure.name}: ${figure.points.length - missing.length} of ${figure.points.length} points measured → ${file}\n` +
      (missing.length ? `  not run yet: ${missing.join(', ')}\n` : '');
    written.push({ name: figure.name, files: [file], text, pendingRows: missing.length });
  }
  return written;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("render a table's paper-vs-measured report (and figures) from the runs in MLflow")
    .argument('<file>', 'a spec with table / figure declarations, e.g. experiments/paper/table1.abl')
    .option('-t, --table <name>', 'only this table or figure')
    .addOption(new Option('--format <format>', 'what to print (every format is written to --out)').choices(['md', 'csv', 'latex', 'html']).default('md'))
    .option('--out <dir>', 'folder for the rendered reports', 'reports')
    .option('--tracking-uri <uri>', 'MLflow store: a folder, file:… or http(s)://… (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--mlflow-experiment <name>', 'MLflow experiment holding the runs', 'ablate')
    .action(async (file: string, options: ReportCliOptions) => {
      const result = compileFile(file);
      if (hasErrors(result.diagnostics)) {
        process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
        process.exitCode = 1;
        return;
      }
      if (result.tables.length + result.figures.length === 0) {
        process.stderr.write(`ablate report: ${file} declares no table or figure\n  = hint: tables are declared with \`table NAME "title" { rows { … } paper { … } }\`\n`);
        process.exitCode = 1;
        return;
      }
      const tracker = createTracker(options.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns');
      try {
        const written = await writeReports(result, tracker, { experimentName: options.mlflowExperiment, outDir: options.out, format: options.format, ...(options.table ? { only: options.table } : {}) });
        for (const w of written) process.stdout.write(`${w.text}\n`);
        process.stderr.write(`reports written to ${options.out}/ (${written.map((w) => w.name).join(', ')})\n`);
        const pending = written.reduce((n, w) => n + w.pendingRows, 0);
        if (pending > 0) process.stderr.write(`${pending} row(s) or point(s) have no finished run yet: \`ablate reproduce ${file}\` runs them\n`);
      } finally {
        await tracker.close();
      }
    });
}
