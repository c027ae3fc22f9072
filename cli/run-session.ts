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
import { leaseFromEnv, RunLeased, settleGroupParent } from '../runtime/tracking/lease.ts';
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
  const tracker = createTracker(options.trackingUri);
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
    // The lease a Slurm task takes, taken locally too (owner host:pid): a local run and a launch never train one run twice.
    lease: leaseFromEnv(),
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

/** Runs grouped as they share a parent: one group per sweep / repeat, one per lone run; in first-seen order. */
export function groupRuns(runs: readonly RunIR[]): RunIR[][] {
  const groups = new Map<string, RunIR[]>();
  for (const ir of runs) {
    const key = ir.origin.group ? `${ir.origin.group.kind}:${ir.origin.group.name}` : `run:${ir.name}`;
    groups.set(key, [...(groups.get(key) ?? []), ir]);
  }
  return [...groups.values()];
}

/**
 * The parent MLflow run of a sweep or repeat, found by its group hash (so running it again,
 * or running its points in other processes, nests under the same parent) or started.
 */
export async function openGroupParent(members: readonly RunIR[], ctx: RunContext, settle?: { ms: number }): Promise<RunLogger> {
  const group = members[0]!.origin.group!;
  const hash = groupHash(group.name, members.map((m) => m.specHash));
  const experiment = await ctx.tracker.getOrCreateExperiment(ctx.experimentName);
  const [existing] = await ctx.tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.groupHash]: hash } }) });
  if (existing) return RunLogger.resume(ctx.tracker, existing.info.runId);
  const tags = runTags({
    specHash: hash,
    sourceFile: runSourceFile(members[0]!, ctx),
    kind: group.kind,
    extra: {
      [ABLATE_TAGS.group]: group.name, [ABLATE_TAGS.groupHash]: hash,
      ...provenanceTags({ code: contextCode(ctx), backend: ctx.backend.name, overrides: ctx.overrides ?? [], ...(ctx.sourceGit ? { sourceGit: ctx.sourceGit } : {}) }),
    },
  });
  const started = ctx.parent
    ? await ctx.parent.startChild({ runName: group.name, tags })
    : await RunLogger.start(ctx.tracker, { experimentName: ctx.experimentName, runName: group.name, tags });
  if (!settle) return started;
  // Another process may have started one at the same moment: keep one (runtime/tracking/lease.ts).
  const kept = await settleGroupParent(ctx.tracker, experiment.experimentId, hash, started.runId, settle.ms);
  return kept === started.runId ? started : RunLogger.attach(ctx.tracker, kept);
}

/**
 * Finishes a sweep / repeat parent once every member ran (`results[i]` of `members[i]`): a
 * repeat with `pool` logs its pooled results per point (aggregation counts distinct volumes).
 */
export async function finishGroup(parent: RunLogger, members: readonly RunIR[], results: readonly RunResults[]): Promise<void> {
  const first = members[0]!;
  const group = first.origin.group!;
  if (first.repeat?.pool) {
    const hash = groupHash(group.name, members.map((m) => m.specHash));
    const byPoint = new Map<string, RunResults[]>();
    members.forEach((m, i) => {
      const label = Object.entries(m.origin.point).map(([k, v]) => `${k}=${String(v)}`).join(',');
      byPoint.set(label, [...(byPoint.get(label) ?? []), results[i]!]);
    });
    for (const [label, pointResults] of byPoint) {
      const pooled: RunResults = { ...pointResults[0]!, run: label ? `${group.name}[${label}]` : group.name, specHash: hash, cases: pointResults.flatMap((r) => r.cases) };
      await parent.logText(resultsToJson(pooled), label ? `results/${label}.json` : 'results.json');
      if (label) continue; // one metric per point would need x as an MLflow step; the figure shows them
      const { overall } = aggregateResults(pointResults, pooled.modalities, pooled.classes, pooled.metrics);
      const final: Record<string, number> = {};
      for (const [metric, v] of Object.entries(overall)) if (Number.isFinite(v)) final[`test.${metric}.overall`] = v;
      parent.logMetrics(final, 0);
    }
  }
  await parent.finish();
}

export interface ExecuteOptions {
  /**
   * A run another process holds a live lease on (a Slurm task training it) is left out,
   * said so, and returned in `leased`, instead of failing everything (`reproduce`). A sweep or
   * repeat with such a member stays unfinished (KILLED), to be finished by a later run.
   */
  skipLeased?: boolean;
  leased?: RunLeased[];
}

/**
 * Points of sweeps / repeats run one by one directly under `ctx.parent` (their group's parent,
 * opened and finished by the process that split the group: `reproduce --jobs`).
 */
export async function executeMembers(runs: readonly RunIR[], ctx: RunContext, options: ExecuteOptions = {}): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  for (const ir of runs) {
    const outcome = await runOrSkip(ir, ctx, options);
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}

async function runOrSkip(ir: RunIR, ctx: RunContext, options: ExecuteOptions): Promise<RunOutcome | undefined> {
  try {
    return await executeRun(ir, ctx);
  } catch (error) {
    if (!(options.skipLeased && error instanceof RunLeased)) throw error;
    ctx.progress.note(`${error.message}: left out here; run again once it finished`);
    options.leased?.push(error);
    return undefined;
  }
}

/**
 * Runs IRs in order; runs of one sweep or repeat share a parent MLflow run. A repeat with
 * `pool` also logs the pooled results on its parent.
 */
export async function executeRuns(runs: readonly RunIR[], ctx: RunContext, options: ExecuteOptions = {}): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  const one = (ir: RunIR, c: RunContext) => runOrSkip(ir, c, options);
  for (const members of groupRuns(runs)) {
    if (!members[0]!.origin.group) {
      const outcome = await one(members[0]!, ctx);
      if (outcome) outcomes.push(outcome);
      continue;
    }
    const parent = await openGroupParent(members, ctx);
    const children: Array<RunOutcome | undefined> = [];
    try {
      for (const ir of members) children.push(await one(ir, { ...ctx, parent }));
      if (children.every((c) => c !== undefined)) await finishGroup(parent, members, children.map((c) => c!.results));
      else await parent.kill();
    } catch (error) {
      if (ctx.signal?.aborted) await parent.kill();
      else await parent.fail(error);
      throw error;
    }
    outcomes.push(...children.filter((c) => c !== undefined));
  }
  return outcomes;
}
