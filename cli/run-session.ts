/**
 * What `ablate run` and `ablate reproduce` do once their arguments are checked: start the
 * backend and the tracker, handle Ctrl-C / SIGTERM, execute runs (sweeps and repeats under a
 * parent run). Loaded only when one of those commands runs, so that `ablate check` and
 * `ablate --help` never load TensorFlow.js.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { CompileResult } from '../compiler/compile.ts';
import type { RunIR } from '../schemas/run-ir.schema.ts';
import { initBackend } from '../runtime/backend/select-backend.ts';
import { parseBackendName } from '../runtime/backend/backend-name.ts';
import { contextCode, executeRun, runSourceFile, type RunContext, type RunOutcome } from '../runtime/run/execute-run.ts';
import { ablateCode, sourceGit } from '../runtime/run/code-provenance.ts';
import { provenanceTags } from '../runtime/tracking/provenance-tags.ts';
import { groupHash } from '../runtime/run/run-identity.ts';
import { ABLATE_TAGS, runTags } from '../runtime/tracking/run-tags.ts';
import { aggregateResults, resultsToJson, type RunResults } from '../runtime/reports/run-results.ts';
import { RunLogger } from '../runtime/tracking/run-logger.ts';
import { runFilter } from '../runtime/tracking/run-search.ts';
import { createTracker, type Tracker } from '../runtime/tracking/tracker.ts';
import { RestTracker } from '../runtime/tracking/rest-tracker.ts';
import { describeSyncOutcome } from '../runtime/tracking/spool-delivery.ts';
import type { RunCliOptions } from './commands/run.ts';
import { createProgress } from './progress.ts';
import { trainingWorkers } from './training-workers.ts';

/** Shared by `run` and `reproduce`: everything a run needs besides its IR. */
export async function createRunContext(file: string, options: RunCliOptions, signal: AbortSignal): Promise<{ ctx: RunContext; tracker: Tracker }> {
  const backendName = options.backend ? parseBackendName(options.backend) : undefined;
  const backend = await initBackend(backendName);
  const workers = trainingWorkers(options.workers, backend.name, availableParallelism());
  const tracker = createTracker(options.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns');
  const cwd = process.cwd();
  const code = ablateCode();
  const progress = createProgress({ quiet: options.quiet });
  const source = sourceGit(file);
  const ctx: RunContext = {
    tracker,
    experimentName: options.mlflowExperiment,
    backend,
    workers,
    cwd,
    cacheRoot: path.resolve(cwd, options.cache),
    workRoot: path.resolve(cwd, options.cache, 'runs'),
    force: options.force,
    signal,
    progress,
    source: { file, text: readFileSync(file, 'utf8') },
    version: code.version,
    ablateGit: code.git,
    sourceGit: source,
    overrides: options.set,
    rerunStale: options.rerunStale ?? false,
    ...(source.commit ? { gitCommit: source.commit } : {}),
  };
  progress.note(`backend: ${backend.note}`);
  progress.note(`tracking: ${tracker.uri} (experiment '${options.mlflowExperiment}')`);
  // What an earlier run could not deliver to this server goes first (see `ablate sync`).
  if (tracker instanceof RestTracker) for (const o of await tracker.deliverSpool()) progress.note(`spool: ${describeSyncOutcome(o)}`);
  return { ctx, tracker };
}

/** `file:line:col` (1-based) of the DSL entry that set a run's IR value, for run-time errors. */
export function sourceLocator(result: CompileResult): NonNullable<RunContext['locate']> {
  return (run, irPath) => {
    const span = result.locate(run, irPath);
    return span ? `${span.file}:${span.start.line + 1}:${span.start.column + 1}` : undefined;
  };
}

/** Ctrl-C / SIGTERM abort the current run gracefully; a second one exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void; exitCode(): number } {
  const controller = new AbortController();
  let received = 'SIGINT';
  const onSignal = (name: string) => () => {
    // 128 + signal number, as a shell reports it: Slurm (time limit, scancel) sends SIGTERM → 143; Ctrl-C → 130.
    if (controller.signal.aborted) process.exit(name === 'SIGTERM' ? 143 : 130);
    received = name;
    process.stderr.write(`\n${name}: finishing the current step and writing a checkpoint (again to quit at once)\n`);
    controller.abort();
  };
  const int = onSignal('SIGINT');
  const term = onSignal('SIGTERM');
  process.on('SIGINT', int);
  process.on('SIGTERM', term);
  // `npx ablate …` runs ablate under `npm exec` → `sh -c`: a SIGTERM to npm kills the shell
  // but never reaches this process, which would train on as an orphan. A parent that went
  // away (we were re-parented) counts as that SIGTERM: checkpoint, KILLED, exit 143.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent && !controller.signal.aborted) term();
  }, 1000);
  orphanWatch.unref();
  return {
    signal: controller.signal,
    exitCode: () => (received === 'SIGTERM' ? 143 : 130),
    dispose() {
      clearInterval(orphanWatch);
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
    const [existing] = await ctx.tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.groupHash]: hash } }) });
    const tags = runTags({
      specHash: hash,
      sourceFile: runSourceFile(members[0]!, ctx),
      kind: group.kind,
      extra: {
        [ABLATE_TAGS.group]: group.name, [ABLATE_TAGS.groupHash]: hash,
        ...provenanceTags({ code: contextCode(ctx), backend: ctx.backend.name, overrides: ctx.overrides ?? [], ...(ctx.sourceGit ? { sourceGit: ctx.sourceGit } : {}) }),
      },
    });
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
        // Pooled per sweep point (a plain repeat has one point, `{}`); aggregation counts distinct volumes.
        const byPoint = new Map<string, RunResults[]>();
        members.forEach((m, i) => {
          const label = Object.entries(m.origin.point).map(([k, v]) => `${k}=${String(v)}`).join(',');
          byPoint.set(label, [...(byPoint.get(label) ?? []), children[i]!.results]);
        });
        for (const [label, results] of byPoint) {
          const pooled: RunResults = { ...results[0]!, run: label ? `${group.name}[${label}]` : group.name, specHash: hash, cases: results.flatMap((r) => r.cases) };
          await parent.logText(resultsToJson(pooled), label ? `results/${label}.json` : 'results.json');
          if (label) continue; // one metric per point would need x as an MLflow step; the figure shows them
          const { overall } = aggregateResults(results, pooled.modalities, pooled.classes, pooled.metrics);
          const final: Record<string, number> = {};
          for (const [metric, v] of Object.entries(overall)) if (Number.isFinite(v)) final[`test.${metric}.overall`] = v;
          parent.logMetrics(final, 0);
        }
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

