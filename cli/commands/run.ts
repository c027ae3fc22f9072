/**
 * `ablate run <file> [-e NAME] [-s key=value]... [--backend B] [--force] [--quiet]`:
 * compile, train, evaluate without EAMs, log to MLflow, print the results.
 *
 * Sweeps and repeats become a parent MLflow run with nested children. Ctrl-C or SIGTERM
 * writes a checkpoint and marks the run KILLED; the same command resumes it. A finished
 * run with the same spec hash is reused unless `--force`.
 */
import { Command, Option } from 'commander';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { describeError } from '../describe-error.ts';

export interface RunCliOptions {
  experiment?: string;
  /** Only these concrete runs (by Run IR name); used by `reproduce --jobs`. */
  run?: string[];
  /** Nest the runs under this MLflow run (used by `reproduce --jobs`). */
  parentRunId?: string;
  /** The runs are points of a sweep / repeat whose parent is `parentRunId` (`reproduce --jobs` finishes it). */
  member?: boolean;
  /** Leave out a run another process holds a live lease on, instead of failing (`reproduce`). */
  skipLeased?: boolean;
  set: string[];
  backend?: string;
  /** `auto` or a positive integer (see `trainingWorkers`). */
  workers: string;
  force: boolean;
  /** Retrain finished runs made by another ablate version or commit (reused and marked stale otherwise). */
  rerunStale?: boolean;
  quiet: boolean;
  trackingUri?: string;
  mlflowExperiment: string;
  cache: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addRunOptions(command: Command): Command {
  return command
    .option('-s, --set <key=value>', 'override a value, checked like the file (repeatable): -s loss.icr.tau=2', collect, [])
    .addOption(new Option('--backend <name>', 'tfjs backend (default: node-gpu → node → wasm → cpu, first that starts)').choices(['node-gpu', 'node', 'wasm', 'cpu']))
    .option('--workers <n>', "threads training a run, one modality each ('auto': one per modality, up to the cores, on wasm and cpu; 1: train in this thread)", 'auto')
    .option('--force', 'retrain even when a finished run with the same spec hash exists', false)
    .option('--rerun-stale', 'retrain finished runs made by another ablate version or commit (otherwise reused and marked stale)', false)
    .option('-q, --quiet', 'one line per epoch instead of a progress bar (CI logs)', false)
    .option('--tracking-uri <uri>', 'MLflow store: a folder, file:… or http(s)://… (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--mlflow-experiment <name>', 'MLflow experiment the runs are logged to', 'ablate')
    .option('--cache <dir>', 'folder for phantoms, preprocessed volumes and checkpoints', '.ablate-cache');
}

export function registerRunCommand(program: Command): void {
  addRunOptions(
    program
      .command('run')
      .description('compile, train, evaluate and log the runs of an experiment file to MLflow')
      .argument('<file>', 'experiment file (.abl, .yaml)')
      .option('-e, --experiment <name>', 'only this declaration (experiment, sweep or repeat)')
      .addOption(new Option('--run <name...>', 'only these concrete runs (by name)').hideHelp())
      .addOption(new Option('--parent-run-id <id>', 'nest the runs under this MLflow run').hideHelp())
      .addOption(new Option('--member', 'the runs are points of the sweep / repeat whose parent is --parent-run-id').hideHelp())
      .addOption(new Option('--skip-leased', 'leave out runs another process is training (live lease)').hideHelp()),
  ).action(async (file: string, options: RunCliOptions) => {
    const { compileFile } = await import('../../compiler/compile.ts');
    const { hasErrors } = await import('../../compiler/diagnostics.ts');
    const compiled = compileFile(file, { overrides: options.set, ...(options.experiment ? { only: options.experiment } : {}) });
    const result = options.run ? { ...compiled, runs: compiled.runs.filter((r) => options.run!.includes(r.name)) } : compiled;
    if (hasErrors(result.diagnostics)) {
      process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
      process.exitCode = 1;
      return;
    }
    if (result.runs.length === 0) {
      process.stderr.write(`ablate run: ${file} declares no experiment to run${options.experiment ? ` named '${options.experiment}'` : ''}\n`);
      process.exitCode = 1;
      return;
    }
    const { createRunContext, executeMembers, executeRuns, interruptSignal, sourceLocator } = await import('../run-session.ts');
    const { resultsLocation } = await import('../../runtime/tracking/rest-tracker.ts');
    const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
    const { renderRunSummary } = await import('../../runtime/reports/render-run-summary.ts');
    const interrupt = interruptSignal();
    const started = performance.now();
    try {
      const { ctx, tracker } = await createRunContext(file, options, interrupt.signal);
      ctx.locate = sourceLocator(compiled);
      let count: number;
      try {
        if (options.parentRunId) ctx.parent = await RunLogger.attach(tracker, options.parentRunId);
        const outcomes = options.member
          ? await executeMembers(result.runs, ctx, { skipLeased: options.skipLeased ?? false })
          : await executeRuns(result.runs, ctx, { skipLeased: options.skipLeased ?? false });
        for (const o of outcomes) {
          process.stdout.write(`\n${renderRunSummary(`${o.name} — ${o.status} (MLflow run ${o.runId})`, o.results, o.provenance)}`);
        }
        count = outcomes.length;
      } finally {
        await tracker.close();
      }
      // After close(): only then is it known whether the server took everything.
      process.stdout.write(`\n${count} run(s) in ${((performance.now() - started) / 1000).toFixed(1)} s; ${resultsLocation(tracker)}\n`);
    } catch (error) {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = error instanceof Error && error.name === 'TrainingInterrupted' ? interrupt.exitCode() : 1;
    } finally {
      interrupt.dispose();
    }
  });
}
