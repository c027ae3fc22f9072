/**
 * `ablate reproduce <table.abl> [--jobs N] [run options]`: runs every run the file's tables
 * and figures need that has no finished run with the same spec hash, then prints the
 * paper-vs-measured report (`ablate report`). The runs are nested under one MLflow parent
 * run that also holds the rendered reports. Rows run one after another by default;
 * `--jobs N` runs N declarations at once in separate processes (each with its own tfjs
 * backend: wasm is single-threaded, so the processes use the machine's cores).
 */
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CompileResult } from '../../compiler/compile.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { describeError } from '../describe-error.ts';
import type { ReportFormat } from '../report-writer.ts';
import { addRunOptions, type RunCliOptions } from './run.ts';
import { toleranceTestOf, toleranceVerdict, type ToleranceCliOptions } from '../tolerance-options.ts';

interface ReproduceCliOptions extends RunCliOptions, ToleranceCliOptions {
  jobs: string;
  table?: string;
  out: string;
  format: ReportFormat;
}

/** Runs named by the tables and figures, in declaration order, each once. */
export function runsNeeded(result: CompileResult, only?: string): RunIR[] {
  const names = new Set<string>();
  for (const t of result.tables) if (!only || t.name === only) for (const r of t.rows) for (const n of r.runs) names.add(n);
  for (const f of result.figures) if (!only || f.name === only) for (const p of f.points) names.add(p.run);
  return result.runs.filter((r) => names.has(r.name));
}

/** Work units for `--jobs`: a repeat or sweep stays in one process (it shares a parent run). */
function units(runs: readonly RunIR[]): string[][] {
  const byGroup = new Map<string, string[]>();
  for (const r of runs) {
    const key = r.origin.group ? `${r.origin.group.kind}:${r.origin.group.name}` : `run:${r.name}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), r.name]);
  }
  return [...byGroup.values()];
}

function childArgs(file: string, names: string[], options: ReproduceCliOptions, parentRunId: string): string[] {
  const args = [fileURLToPath(new URL('../bin.js', import.meta.url)), 'run', file, '--quiet', '--run', ...names, '--parent-run-id', parentRunId];
  for (const s of options.set) args.push('-s', s);
  if (options.backend) args.push('--backend', options.backend);
  args.push('--workers', childWorkers(options));
  if (options.force) args.push('--force');
  if (options.rerunStale) args.push('--rerun-stale');
  if (options.trackingUri) args.push('--tracking-uri', options.trackingUri);
  args.push('--mlflow-experiment', options.mlflowExperiment, '--cache', options.cache);
  return args;
}

/** `--workers` for each child: 'auto' shares the cores among the `--jobs` processes. */
function childWorkers(options: ReproduceCliOptions): string {
  if (options.workers !== 'auto') return options.workers;
  return String(Math.max(1, Math.floor(availableParallelism() / Number(options.jobs))));
}

async function runInProcesses(file: string, work: string[][], jobs: number, options: ReproduceCliOptions, parentRunId: string, signal: AbortSignal): Promise<number> {
  let failures = 0;
  const queue = [...work];
  const worker = async () => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (signal.aborted) return;
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, childArgs(file, unit!, options, parentRunId), { stdio: ['ignore', 'inherit', 'inherit'] });
        // A SIGTERM to this process (scancel, kill) reaches only it, not its children: pass it on so
        // that each child checkpoints and exits instead of training on as an orphan.
        const forward = () => child.kill('SIGTERM');
        signal.addEventListener('abort', forward, { once: true });
        child.on('close', (c) => {
          signal.removeEventListener('abort', forward);
          resolve(c ?? 1);
        });
      });
      if (code !== 0) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, work.length) }, worker));
  return failures;
}

export function registerReproduceCommand(program: Command): void {
  addRunOptions(
    program
      .command('reproduce')
      .description('run what a table spec needs (reusing finished runs), then print paper vs measured')
      .argument('<file>', 'a spec with table / figure declarations, e.g. experiments/paper/table1.abl')
      .option('-t, --table <name>', 'only this table or figure')
      .option('-j, --jobs <n>', 'runs at once (separate processes)', '1')
      .option('--out <dir>', 'folder for the rendered reports', 'reports')
      .option('--format <format>', 'report format printed: md, csv, latex or html', 'md')
      .option('--welch <alpha>', "also judge each cell by Welch's t-test at this two-sided level (e.g. 0.05), from the paper's ± and n and ours")
      .option('--paper-n <n>', "test volumes behind each of the paper's ± (with --welch)"),
  ).action(async (file: string, options: ReproduceCliOptions) => {
    const { compileFile } = await import('../../compiler/compile.ts');
    const { hasErrors } = await import('../../compiler/diagnostics.ts');
    const result = compileFile(file, { overrides: options.set });
    if (hasErrors(result.diagnostics)) {
      process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
      process.exitCode = 1;
      return;
    }
    const jobs = Number(options.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) {
      process.stderr.write(`ablate reproduce: --jobs must be a positive integer, got '${options.jobs}'\n`);
      process.exitCode = 1;
      return;
    }
    const { test, error: toleranceError } = toleranceTestOf(options);
    if (toleranceError) {
      process.stderr.write(`ablate reproduce: ${toleranceError}\n`);
      process.exitCode = 1;
      return;
    }
    const runs = runsNeeded(result, options.table);
    if (runs.length === 0 && result.tables.length + result.figures.length === 0) {
      process.stderr.write(`ablate reproduce: ${file} declares no table or figure\n`);
      process.exitCode = 1;
      return;
    }
    const { createRunContext, executeRuns, interruptSignal, sourceLocator } = await import('../run-session.ts');
    const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
    const { writeReports } = await import('../report-writer.ts');
    const { provenanceTags } = await import('../../runtime/tracking/provenance-tags.ts');
    const { contextCode } = await import('../../runtime/run/execute-run.ts');
    const interrupt = interruptSignal();
    try {
      const { ctx, tracker } = await createRunContext(file, options, interrupt.signal);
      ctx.locate = sourceLocator(result);
      const parent = await RunLogger.start(tracker, {
        experimentName: options.mlflowExperiment,
        runName: `reproduce ${file}`,
        tags: {
          'ablate.kind': 'reproduce', 'ablate.sourceFile': file,
          ...provenanceTags({ code: contextCode(ctx), backend: ctx.backend.name, overrides: options.set, ...(ctx.sourceGit ? { sourceGit: ctx.sourceGit } : {}) }),
        },
      });
      try {
        ctx.progress.note(`${file}: ${runs.length} run(s) needed by ${result.tables.length} table(s) and ${result.figures.length} figure(s)`);
        if (jobs === 1) {
          await executeRuns(runs, { ...ctx, parent });
        } else {
          const failures = await runInProcesses(file, units(runs), jobs, options, parent.runId, interrupt.signal);
          if (failures > 0) throw new Error(`${failures} run group(s) failed; see their errors above (each run is marked FAILED in MLflow)`);
        }
        const written = await writeReports(result, tracker, {
          experimentName: options.mlflowExperiment, outDir: options.out, format: options.format, overrides: options.set,
          ...(options.table ? { only: options.table } : {}), ...(test ? { test } : {}),
        });
        for (const w of written) {
          process.stdout.write(`${w.text}\n`);
          for (const f of w.files) await parent.logArtifact(f, 'reports');
        }
        await parent.finish();
        // Reproducing is a claim about the paper's numbers: a cell out of tolerance fails it (for CI).
        const verdict = toleranceVerdict(written);
        process.stderr.write(`${verdict.line}\n`);
        if (verdict.failed) process.exitCode = 1;
      } catch (error) {
        if (interrupt.signal.aborted) await parent.kill();
        else await parent.fail(error);
        throw error;
      } finally {
        await tracker.close();
      }
    } catch (error) {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = 1;
    } finally {
      interrupt.dispose();
    }
  });
}
