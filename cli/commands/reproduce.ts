/**
 * `ablate reproduce <table.abl> [--jobs N] [run options]`: runs every run the file's tables
 * and figures need that has no finished run with the same spec hash, then prints the
 * paper-vs-measured report (`ablate report`). The runs are nested under one MLflow parent
 * run that also holds the rendered reports. Rows run one after another by default;
 * `--jobs N` runs N runs at once in separate processes (each with its own tfjs backend:
 * wasm is single-threaded, so the processes use the machine's cores) — every sweep point and
 * repeat draw its own process; this process opens their sweep / repeat parents first and
 * finishes them (pooled results) once the points ran, as one process would.
 * A run another process holds a live lease on (a Slurm task) is left out, and said so.
 */
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CompileResult } from '../../compiler/compile.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import type { RunLeased } from '../../runtime/tracking/lease.ts';
import type { RunLogger } from '../../runtime/tracking/run-logger.ts';
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

/** Runs named by the tables and figures (points and reference lines), in declaration order, each once. */
export function runsNeeded(result: CompileResult, only?: string): RunIR[] {
  const names = new Set<string>();
  for (const t of result.tables) if (!only || t.name === only) for (const r of t.rows) for (const n of r.runs) names.add(n);
  for (const f of result.figures) {
    if (only && f.name !== only) continue;
    for (const p of f.points) names.add(p.run);
    // a figure's dashed reference lines are measured too (e.g. Fig. 5's Joint V3)
    for (const ref of f.references) for (const n of ref.runs) names.add(n);
  }
  return result.runs.filter((r) => names.has(r.name));
}

/** One process of `--jobs`: one concrete run, nested under its sweep / repeat parent (`member`) or the reproduce run. */
interface WorkUnit {
  name: string;
  parentRunId: string;
  member: boolean;
}

function childArgs(file: string, unit: WorkUnit, options: ReproduceCliOptions): string[] {
  const args = [fileURLToPath(new URL('../bin.js', import.meta.url)), 'run', file, '--quiet', '--run', unit.name, '--parent-run-id', unit.parentRunId, '--skip-leased'];
  if (unit.member) args.push('--member');
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

async function runInProcesses(file: string, work: WorkUnit[], jobs: number, options: ReproduceCliOptions, signal: AbortSignal): Promise<number> {
  let failures = 0;
  const queue = [...work];
  const worker = async () => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (signal.aborted) return;
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, childArgs(file, unit!, options), { stdio: ['ignore', 'inherit', 'inherit'] });
        process.stderr.write(`reproduce: process ${child.pid} runs ${unit!.name}\n`);
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
    const { createRunContext, executeRuns, finishGroup, groupRuns, interruptSignal, openGroupParent, sourceLocator } = await import('../run-session.ts');
    const { findResults } = await import('../../runtime/reports/collect-results.ts');
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
        const leased: RunLeased[] = [];
        if (jobs === 1) {
          await executeRuns(runs, { ...ctx, parent }, { skipLeased: true, leased });
        } else {
          // Parents first (found by group hash, or started and settled against a concurrent start), then one process per run.
          const groups = groupRuns(runs).filter((members) => members[0]!.origin.group);
          const settle = { ms: Number(process.env['ABLATE_LEASE_SETTLE_MS'] ?? 2000) };
          const parents = new Map<string, RunLogger>();
          for (const members of groups) parents.set(members[0]!.origin.group!.name, await openGroupParent(members, { ...ctx, parent }, settle));
          const work: WorkUnit[] = runs.map((ir) => {
            const groupParent = ir.origin.group ? parents.get(ir.origin.group.name) : undefined;
            return { name: ir.name, parentRunId: groupParent?.runId ?? parent.runId, member: groupParent !== undefined };
          });
          const failures = await runInProcesses(file, work, jobs, options, interrupt.signal);
          // Finish each sweep / repeat parent from its points' results, as `executeRuns` does in one process.
          const found = await findResults(tracker, options.mlflowExperiment, runs.map((r) => r.specHash));
          for (const members of groups) {
            const groupParent = parents.get(members[0]!.origin.group!.name)!;
            const results = members.map((m) => found.get(m.specHash));
            if (results.every((r) => r !== undefined)) await finishGroup(groupParent, members, results.map((r) => r!));
            else if (interrupt.signal.aborted || failures === 0) await groupParent.kill(); // resumes when run again
            else await groupParent.fail(new Error(`${results.filter((r) => r === undefined).length} of ${members.length} run(s) did not finish`));
          }
          if (failures > 0) throw new Error(`${failures} run(s) failed; see their errors above (each run is marked FAILED in MLflow)`);
        }
        if (leased.length > 0) {
          process.stderr.write(`reproduce: ${leased.length} run(s) left out, being trained elsewhere: ${leased.map((l) => `${l.run} (${l.holder})`).join(', ')}; the report shows them as not run until they finish\n`);
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
