/**
 * `ablate report <table.abl> [-t NAME] [--format md|csv|latex|html] [--out DIR]`: reads the
 * runs of every table (and figure) in the file from MLflow (file store or server) and
 * renders the paper's layout with the paper's numbers beside the measured ones, the
 * difference and whether it is within the table's tolerance. Figures become SVG plots.
 * Rows whose runs have not finished are shown as "not run"; `ablate reproduce` runs them.
 */
import { Command, Option } from 'commander';
import type { ReportFormat } from '../report-writer.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { addToleranceOptions, toleranceTestOf, toleranceVerdict, type ToleranceCliOptions } from '../tolerance-options.ts';

export interface ReportCliOptions extends ToleranceCliOptions {
  table?: string;
  format: ReportFormat;
  out: string;
  trackingUri?: string;
  mlflowExperiment: string;
  set: string[];
  strict?: boolean;
}


export function registerReportCommand(program: Command): void {
  const command = program
    .command('report')
    .description("render a table's paper-vs-measured report (and figures) from the runs in MLflow")
    .argument('<file>', 'a spec with table / figure declarations, e.g. experiments/paper/table1.abl')
    .option('-t, --table <name>', 'only this table or figure')
    .addOption(new Option('--format <format>', 'what to print (every format is written to --out)').choices(['md', 'csv', 'latex', 'html']).default('md'))
    .option('--out <dir>', 'folder for the rendered reports', 'reports')
    .option('--tracking-uri <uri>', 'MLflow store: a folder, file:… or http(s)://… (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--mlflow-experiment <name>', 'MLflow experiment holding the runs', 'ablate')
    .option('-s, --set <key=value>', 'the overrides the runs were made with (as given to reproduce; repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--strict', 'exit with status 1 when a compared cell is out of tolerance (for CI)');
  addToleranceOptions(command);
  command
    .action(async (file: string, options: ReportCliOptions) => {
      const { compileFile } = await import('../../compiler/compile.ts');
      const { hasErrors } = await import('../../compiler/diagnostics.ts');
      const { createTracker } = await import('../../runtime/tracking/tracker.ts');
      const { writeReports } = await import('../report-writer.ts');
      const { test, error } = toleranceTestOf(options);
      if (error) {
        process.stderr.write(`ablate report: ${error}\n`);
        process.exitCode = 1;
        return;
      }
      const result = compileFile(file, { overrides: options.set });
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
      const tracker = createTracker(options.trackingUri);
      try {
        const written = await writeReports(result, tracker, { experimentName: options.mlflowExperiment, outDir: options.out, format: options.format, overrides: options.set, ...(options.table ? { only: options.table } : {}), ...(test ? { test } : {}) });
        for (const w of written) process.stdout.write(`${w.text}\n`);
        process.stderr.write(`reports written to ${options.out}/ (${written.map((w) => w.name).join(', ')})\n`);
        const pending = written.reduce((n, w) => n + w.pendingRows, 0);
        if (pending > 0) process.stderr.write(`${pending} row(s) or point(s) have no finished run yet: \`ablate reproduce ${file}\` runs them\n`);
        const verdict = toleranceVerdict(written);
        process.stderr.write(`${verdict.line}\n`);
        if (options.strict && verdict.failed) process.exitCode = 1;
      } finally {
        await tracker.close();
      }
    });
}
