/**
 * `ablate run <file> [-e NAME] [-s key=value]... [--backend B] [--force] [--quiet]`:
 * compile, train, evaluate without EAMs, log to MLflow, print the results.
 *
 * Sweeps and repeats become a parent MLflow run with nested children. Ctrl-C or SIGTERM
 * writes a checkpoint and marks the run KILLED; the same command resumes it. A finished
 * run with the same spec hash is reused unless `--force`.
 */
import { Command, Option } from 'commander';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileFile } from '../../compiler/compile.ts';
import { hasErrors } from '../../compiler/diagnostics.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { parseBackendName } from '../../runtime/backend/backend-name.ts';
import { executeRun, type RunContext, type RunOutcome } from '../../runtime/run/execute-run.ts';
import { groupHash, TAGS } from '../../runtime/run/run-identity.ts';
import { renderRunSummary } from '../../runtime/reports/render-run-summary.ts';
import { aggregateResults, resultsToJson, type RunResults } from '../../runtime/reports/run-results.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { runFilter } from '../../runtime/tracking/run-search.ts';
import { createTracker, type Tracker } from '../../runtime/tracking/tracker.ts';
import { createProgress } from '../progress.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { describeError } from '../describe-error.ts';

export interface RunCliOptions {
  experiment?: string;
  /** Only these concrete runs (by Run IR name); used by `reproduce --jobs`. */
  run?: string[];
  /** Nest the runs under this MLflow run (used by `reproduce --jobs`). */
  parentRunId?: string;
  set: string[];
  backend?: string;
  force: boolean;
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
    .option('--force', 'retrain even when a finished run with the same spec hash exists', false)
    .option('-q, --quiet', 'one line per epoch instead of a progress bar (CI logs)', false)
    .option('--tracking-uri <uri>', 'MLflow store: a folder, file:… or http(s)://… (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--mlflow-experiment <name>', 'MLflow experiment the runs are logged to', 'ablate')
    .option('--cache <dir>', 'folder for phantoms, preprocessed volumes and checkpoints', '.ablate-cache');
}

function gitCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Shared by `run` and `reproduce`: everything a run needs besides its IR. */
export async function createRunContext(file: string, options: RunCliOptions, signal: AbortSignal): Promise<{ ctx: RunContext; tracker: Tracker }> {
  const backendName = options.backend ? parseBackendName(options.backend) : undefined;
  const backend = await initBackend(backendName);
  const tracker = createTracker(options.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns');
  const cwd = process.cwd();
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const progress = createProgress({ quiet: options.quiet });
  const gc = gitCommit(cwd);
  const ctx: RunContext = {
    tracker,
    experimentName: options.mlflowExperiment,
    backend,
    cwd,
    cacheRoot: path.resolve(cwd, options.cache),
    workRoot: path.resolve(cwd, options.cache, 'runs'),
    force: options.force,
    signal,
    progress,
    source: { file, text: readFileSync(file, 'utf8') },
    version: pkg.version,
    ...(gc ? { gitCommit: gc } : {}),
  };
  progress.note(`backend: ${backend.note}`);
  progress.note(`tracking: ${tracker.uri} (experiment '${options.mlflowExperiment}')`);
  return { ctx, tracker };
}

/** Ctrl-C / SIGTERM abort the current run gracefully; a second one exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: string) => () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${name}: finishing the current step and writing a checkpoint (again to quit at once)\n`);
    controller.abort();
  };
  const int = onSignal('SIGINT');
  const term = onSignal('SIGTERM');
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    },
  };
}

/**
 * Runs IRs in order; runs of one sweep or repeat share a parent MLflow run. A repeat with
 * `pool` also logs the pooled results on its parent.
 */
export async function executeRuns(runs: readonly RunIR[], ctx: RunContext): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  const groups = new Map<string, RunIR[]>();
  for (const ir of runs) {
    const key = ir.origin.group ? `${ir.origin.group.kind}:${ir.origin.group.name}` : `run:${ir.name}`;
    groups.set(key, [...(groups.get(key) ?? []), ir]);
  }
  for (const members of groups.values()) {
    const group = members[0]!.origin.group;
    if (!group) {
      outcomes.push(await executeRun(members[0]!, ctx));
      continue;
    }
    const hash = groupHash(group.name, members.map((m) => m.specHash));
    const experiment = await ctx.tracker.getOrCreateExperiment(ctx.experimentName);
    const [existing] = await ctx.tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [TAGS.groupHash]: hash } }) });
    const tags = { [TAGS.group]: group.name, [TAGS.groupKind]: group.kind, [TAGS.groupHash]: hash, [TAGS.source]: members[0]!.origin.file };
    const parent = existing
      ? await RunLogger.resume(ctx.tracker, existing.info.runId)
      : ctx.parent
        ? await ctx.parent.startChild({ runName: group.name, tags })
        : await RunLogger.start(ctx.tracker, { experimentName: ctx.experimentName, runName: group.name, tags });
    const children: RunOutcome[] = [];
    try {
      for (const ir of members) children.push(await executeRun(ir, { ...ctx, parent }));
      const first = members[0]!;
      if (first.repeat?.pool) {
        const results = children.map((c) => c.results);
        const pooled: RunResults = { ...results[0]!, run: group.name, specHash: hash, cases: results.flatMap((r) => r.cases) };
        await parent.logText(resultsToJson(pooled), 'results.json');
        const { overall } = aggregateResults(results, pooled.modalities, pooled.classes, pooled.metrics);
        const final: Record<string, number> = {};
        for (const [metric, v] of Object.entries(overall)) if (Number.isFinite(v)) final[`test.${metric}.overall`] = v;
        parent.logMetrics(final, 0);
      }
      await parent.finish();
    } catch (error) {
      if (ctx.signal?.aborted) await parent.kill();
      else await parent.fail(error);
      throw error;
    }
    outcomes.push(...children);
  }
  return outcomes;
}

export function registerRunCommand(program: Command): void {
  addRunOptions(
    program
      .command('run')
      .description('compile, train, evaluate and log the runs of an experiment file to MLflow')
      .argument('<file>', 'experiment file (.abl, .yaml)')
      .option('-e, --experiment <name>', 'only this declaration (experiment, sweep or repeat)')
      .addOption(new Option('--run <name...>', 'only these concrete runs (by name)').hideHelp())
      .addOption(new Option('--parent-run-id <id>', 'nest the runs under this MLflow run').hideHelp()),
  ).action(async (file: string, options: RunCliOptions) => {
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
    const interrupt = interruptSignal();
    const started = performance.now();
    try {
      const { ctx, tracker } = await createRunContext(file, options, interrupt.signal);
      try {
        if (options.parentRunId) ctx.parent = await RunLogger.attach(tracker, options.parentRunId);
        const outcomes = await executeRuns(result.runs, ctx);
        for (const o of outcomes) {
          process.stdout.write(`\n${renderRunSummary(`${o.name} — ${o.status} (MLflow run ${o.runId})`, o.results)}`);
        }
        process.stdout.write(`\n${outcomes.length} run(s) in ${((performance.now() - started) / 1000).toFixed(1)} s; results in ${tracker.uri}\n`);
      } finally {
        await tracker.close();
      }
    } catch (error) {
      process.stderr.write(`${describeError(error)}\n`);
      process.exitCode = error instanceof Error && error.name === 'TrainingInterrupted' ? 130 : 1;
    } finally {
      interrupt.dispose();
    }
  });
}
