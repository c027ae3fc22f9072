/**
 * `ablate launch <file> --slurm [-e NAME] [-s k=v…] [--dry-run] [--partition P] [--time T]
 * [--gpus-per-task N] [--cpus-per-task N] [--mem M] [--array-parallelism K] [--sbatch-arg A…]
 * [--shared-fs]`: the runs of a spec as ONE Slurm array job, one concrete run (sweep point,
 * repeat draw, table row) per task, then a dependent aggregate job (`afterany`) that
 * finishes the sweep / repeat parents (pooled results) and writes the table reports.
 *
 * What is submitted is decided by the identity `run` / `reproduce` reuse runs by (Run IR +
 * split + data content hash; runtime/cluster/launch-decision.ts): finished runs, stale ones
 * (another ablate version, unless `--rerun-stale`) and runs whose lease is alive (training
 * elsewhere) are left out; a relaunch therefore submits only what is missing. The `-s`
 * overrides and `--rerun-stale` travel in the plan to every task.
 * The Run IRs and sources are copied into the job folder first (runtime/cluster/job-plan.ts).
 * The hidden `slurm-task` and `slurm-aggregate` commands are what the batch scripts run.
 */
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { arrayScript, aggregateScript, sbatch, SlurmError, type SlurmResources } from '../../runtime/cluster/slurm.ts';
import { PLAN_FILE, readPlan, readTaskIr, type JobPlan, type PlannedGroup, type PlannedTask } from '../../runtime/cluster/job-plan.ts';
import type { LaunchSettings } from '../../compiler/check/launch-settings.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { describeError } from '../describe-error.ts';

interface LaunchCliOptions {
  experiment?: string;
  set: string[];
  slurm: boolean;
  dryRun: boolean;
  partition?: string;
  time?: string;
  gpusPerTask?: string;
  cpusPerTask?: string;
  mem?: string;
  arrayParallelism?: string;
  sbatchArg: string[];
  sharedFs: boolean;
  trackingUri?: string;
  mlflowExperiment: string;
  cache: string;
  out: string;
  jobRoot: string;
  backend?: string;
  rerunStale: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

class LaunchError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'LaunchError';
  }
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new LaunchError(`${flag} must be a positive integer, got '${value}'`, `e.g. ${flag} 2`);
  return Number(value);
}

/** `2h` → `0-02:00:00`, `16GB` → `16G` (compiler/check/launch-settings.ts, loaded with the compiler); undefined when not whole. */
interface Units {
  minutes(m: number): string | undefined;
  megabytes(mb: number): string | undefined;
}

/** One resource as launched: its value and where it came from (a flag, or `file:line:col` of the launch block). */
interface Setting {
  key: string;
  value: string;
  from: string;
}

/**
 * The resources of the batch script: the file's `launch slurm { … }` block (merged over its
 * imports by the compiler), each key overridden by its flag; `--sbatch-arg`s come after the
 * block's `sbatch_args`. Also the list shown by `--dry-run`, with where each value came from.
 */
function resources(o: LaunchCliOptions, file: LaunchSettings | undefined, units: Units): { res: SlurmResources; sharedFs: boolean; shown: Setting[] } {
  // Slurm's own time formats (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS), or a duration as in the launch block.
  const duration = o.time === undefined ? undefined : /^(\d+(?:\.\d+)?)(s|min|h|d)$/.exec(o.time);
  const time = duration ? units.minutes(Number(duration[1]) * { s: 1 / 60, min: 1, h: 60, d: 1440 }[duration[2] as 's' | 'min' | 'h' | 'd']) : o.time;
  if (o.time !== undefined && (time === undefined || !/^(\d+-)?\d+(:\d+){0,2}$/.test(time))) {
    throw new LaunchError(`--time '${o.time}' is not a Slurm time`, 'use a duration (30min, 2h, 2d, whole minutes), minutes (90), HH:MM:SS (01:30:00) or D-HH:MM:SS (2-00:00:00)');
  }
  const size = o.mem === undefined ? undefined : /^(\d+(?:\.\d+)?)(MB|GB|TB)$/.exec(o.mem);
  const memory = size ? units.megabytes(Number(size[1]) * { MB: 1, GB: 1024, TB: 1024 * 1024 }[size[2] as 'MB' | 'GB' | 'TB']) : o.mem;
  if (memory === undefined && o.mem !== undefined) throw new LaunchError(`--mem '${o.mem}' is not a whole number of megabytes`, 'e.g. --mem 512MB or --mem 16GB');
  const shown: Setting[] = [];
  const at = (key: string) => {
    const span = file?.origins[key];
    return span ? `${span.file}:${span.start.line + 1}:${span.start.column + 1}` : 'launch block';
  };
  const pick = <T>(key: string, flag: string, fromFlag: T | undefined, fromFile: T | undefined): T | undefined => {
    const value = fromFlag ?? fromFile;
    if (value !== undefined) shown.push({ key, value: String(value), from: fromFlag !== undefined ? flag : at(key) });
    return value;
  };
  const partition = pick('partition', '--partition', o.partition, file?.partition);
  const limit = pick('time', '--time', time, file?.time);
  const gpus = pick('gpus_per_task', '--gpus-per-task', positive('--gpus-per-task', o.gpusPerTask), file?.gpusPerTask);
  const cpus = pick('cpus_per_task', '--cpus-per-task', positive('--cpus-per-task', o.cpusPerTask), file?.cpusPerTask);
  const mem = pick('mem', '--mem', memory, file?.mem);
  const k = pick('array_parallelism', '--array-parallelism', positive('--array-parallelism', o.arrayParallelism), file?.arrayParallelism);
  for (const a of file?.sbatchArgs ?? []) shown.push({ key: 'sbatch_args', value: a, from: at('sbatch_args') });
  for (const a of o.sbatchArg) shown.push({ key: 'sbatch_args', value: a, from: '--sbatch-arg' });
  const sharedFs = o.sharedFs || file?.sharedFs === true;
  if (sharedFs) shown.push({ key: 'shared_fs', value: 'true', from: o.sharedFs ? '--shared-fs' : at('shared_fs') });
  const res: SlurmResources = {
    ...(partition ? { partition } : {}),
    ...(limit ? { time: limit } : {}),
    ...(gpus ? { gpusPerTask: gpus } : {}),
    ...(cpus ? { cpusPerTask: cpus } : {}),
    ...(mem ? { mem } : {}),
    ...(k ? { arrayParallelism: k } : {}),
    extra: [...(file?.sbatchArgs ?? []), ...o.sbatchArg],
  };
  return { res, sharedFs, shown };
}

/** The tracking store as the tasks on other nodes will see it: a server, or an absolute folder on a shared filesystem. */
function clusterTrackingUri(o: LaunchCliOptions, sharedFs: boolean): string {
  const uri = o.trackingUri ?? process.env['MLFLOW_TRACKING_URI'] ?? './mlruns';
  if (/^https?:\/\//i.test(uri)) return uri;
  if (!sharedFs) {
    throw new LaunchError(
      `the tracking store '${uri}' is a local folder: tasks on other nodes would log to their own disks and never see each other's runs`,
      'set MLFLOW_TRACKING_URI=http://<server>:5000 (a shared MLflow server), or pass --shared-fs (or `shared_fs: true` in the launch block) if this folder is on a filesystem every node mounts',
    );
  }
  return path.resolve(uri.replace(/^file:(\/\/)?/i, ''));
}

function groupKey(ir: RunIR): string | undefined {
  return ir.origin.group ? `${ir.origin.group.kind}:${ir.origin.group.name}` : undefined;
}

export function registerLaunchCommand(program: Command): void {
  program
    .command('launch')
    .description('submit the runs of a spec to Slurm: one array task per run, then an aggregate job for parents and reports')
    .argument('<file>', 'experiment or table spec (.abl, .yaml)')
    .option('-e, --experiment <name>', 'only this declaration (experiment, sweep, repeat, table or figure)')
    .option('-s, --set <key=value>', 'override a value, checked like the file (repeatable)', collect, [])
    .option('--slurm', 'submit to Slurm with sbatch (the scheduler ablate launches on)', false)
    .option('--dry-run', 'print the batch script and the task → run table; submit nothing', false)
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'time limit per task: 2h, 30min, 2d or Slurm format (2-00:00:00); SIGTERM at the limit checkpoints the run')
    .option('--gpus-per-task <n>', 'GPUs per task (the run picks tfjs-node-gpu when it is installed)')
    .option('--cpus-per-task <n>', 'CPUs per task')
    .option('--mem <size>', 'memory per task: 16GB, 512MB or Slurm format (16G)')
    .option('--array-parallelism <k>', 'at most k tasks at once (--array=…%k)')
    .option('--sbatch-arg <arg>', 'another sbatch argument, verbatim (repeatable): --sbatch-arg=--account=lab', collect, [])
    .option('--rerun-stale', 'also submit finished runs made by another ablate version or commit (otherwise reused and marked stale)', false)
    .option('--shared-fs', 'the tracking folder and --cache are on a filesystem every node mounts', false)
    .option('--tracking-uri <uri>', 'MLflow store the tasks log to (default: $MLFLOW_TRACKING_URI, else ./mlruns with --shared-fs)')
    .option('--mlflow-experiment <name>', 'MLflow experiment', 'ablate')
    .option('--cache <dir>', 'phantoms, preprocessed volumes and checkpoints (shared by the tasks)', '.ablate-cache')
    .option('--out <dir>', 'folder the aggregate job writes the reports to', 'reports')
    .option('--job-root <dir>', 'where job folders are made', '.ablate-jobs')
    .addOption(new Option('--backend <name>', 'tfjs backend of every task').choices(['node-gpu', 'node', 'wasm', 'cpu']))
    .action(async (file: string, options: LaunchCliOptions) => {
      try {
        await launch(file, options);
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('slurm-task', { hidden: true })
    .argument('<jobDir>')
    .argument('<index>')
    .action(async (jobDir: string, index: string) => {
      process.exitCode = await runTask(jobDir, Number(index));
    });

  program
    .command('slurm-aggregate', { hidden: true })
    .argument('<jobDir>')
    .action(async (jobDir: string) => {
      try {
        await aggregate(jobDir);
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });
}

async function launch(file: string, options: LaunchCliOptions): Promise<void> {
  if (!options.slurm) throw new LaunchError('ablate launch needs a scheduler', 'add --slurm (the only scheduler ablate launches on today)');
  const { compileFile } = await import('../../compiler/compile.ts');
  const { hasErrors } = await import('../../compiler/diagnostics.ts');
  const { runsNeeded } = await import('./reproduce.ts');
  const result = compileFile(file, { overrides: options.set, ...(options.experiment ? { only: options.experiment } : {}) });
  if (hasErrors(result.diagnostics)) {
    process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
    process.exitCode = 1;
    return;
  }
  const { slurmTime, slurmMemory } = await import('../../compiler/check/launch-settings.ts');
  const whole = (n: number) => Math.abs(n - Math.round(n)) < 1e-9 && Math.round(n) >= 1;
  const units: Units = {
    minutes: (m) => (whole(m) ? slurmTime(Math.round(m)) : undefined),
    megabytes: (mb) => (whole(mb) ? slurmMemory(Math.round(mb)) : undefined),
  };
  const { res, sharedFs, shown } = resources(options, result.launch, units);
  const wanted = !options.experiment && result.tables.length + result.figures.length > 0 ? runsNeeded(result) : result.runs;
  if (wanted.length === 0) throw new LaunchError(`${file} declares no run${options.experiment ? ` named '${options.experiment}'` : ''}`, 'declare an experiment, sweep, repeat or table');
  const trackingUri = clusterTrackingUri(options, sharedFs);

  const { createTracker } = await import('../../runtime/tracking/tracker.ts');
  const { runFilter } = await import('../../runtime/tracking/run-search.ts');
  const { ABLATE_TAGS, runTags } = await import('../../runtime/tracking/run-tags.ts');
  const { settleGroupParent } = await import('../../runtime/tracking/lease.ts');
  const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
  const { groupHash } = await import('../../runtime/run/run-identity.ts');
  const { ablateCode } = await import('../../runtime/run/code-provenance.ts');
  const { decideLaunch } = await import('../../runtime/cluster/launch-decision.ts');
  const tracker = createTracker(trackingUri);
  const ttlMs = 1000 * Number(process.env['ABLATE_LEASE_TTL_S'] ?? 300);
  try {
    const experiment = await tracker.getOrCreateExperiment(options.mlflowExperiment);
    const todo: RunIR[] = [];
    const identities: string[] = [];
    const decide = { tracker, experimentId: experiment.experimentId, code: ablateCode(), rerunStale: options.rerunStale, ttlMs, cwd: process.cwd(), cacheRoot: path.resolve(options.cache) };
    process.stdout.write('# run → submitted?\n');
    for (const ir of wanted) {
      const d = await decideLaunch(ir, decide);
      const twin = d.identity === undefined ? -1 : identities.indexOf(d.identity);
      if (d.submit && twin >= 0) process.stdout.write(`  same run   ${ir.name}: trained once, by the task of ${todo[twin]!.name}\n`);
      else if (d.submit) {
        todo.push(ir);
        identities.push(d.identity ?? '');
        process.stdout.write(`  submit     ${ir.name}: ${d.detail}\n`);
      } else process.stdout.write(`  leave out  ${ir.name}: ${d.detail}\n`);
    }
    if (todo.length === 0) {
      process.stdout.write(`nothing to submit: all ${wanted.length} run(s) of ${file} are finished or running\n`);
      return;
    }

    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const jobDir = path.resolve(options.jobRoot, `${stamp}-${path.basename(file).replace(/\.[^.]*$/, '')}-${process.pid}`);
    const cwd = process.cwd();
    const jobName = `ablate-${path.basename(file).replace(/\.[^.]*$/, '')}`;
    const batch = arrayScript({ jobName, tasks: todo.length, jobDir, cwd, command: [process.execPath, BIN, 'slurm-task', jobDir], resources: res });
    if (options.dryRun) {
      process.stdout.write('# launch settings (a flag overrides the launch block)\n');
      if (shown.length === 0) process.stdout.write('#   none: Slurm\'s defaults\n');
      for (const s of shown) process.stdout.write(`#   ${s.key.padEnd(18)} ${s.value.padEnd(14)} ${s.from}\n`);
      process.stdout.write(`# batch script (${todo.length} task(s); job folder ${jobDir})\n${batch}\n# task → run\n`);
      todo.forEach((ir, i) => process.stdout.write(`${String(i).padStart(4)}  ${ir.name}  ${ir.specHash.slice(0, 12)}\n`));
      process.stdout.write('dry run: nothing submitted\n');
      return;
    }

    // The job folder: IRs and sources as compiled now.
    mkdirSync(path.join(jobDir, 'runs'), { recursive: true });
    mkdirSync(path.join(jobDir, 'logs'), { recursive: true });
    for (const [f, text] of result.sources) {
      if (f.startsWith('<')) continue;
      const dest = path.join(jobDir, 'sources', path.relative(cwd, path.resolve(f)).replace(/^(\.\.[/\\])+/, ''));
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, text);
    }
    const launchRun = await RunLogger.start(tracker, {
      experimentName: options.mlflowExperiment,
      runName: `launch ${file}`,
      tags: runTags({ specHash: '', sourceFile: file, extra: { [ABLATE_TAGS.kind]: 'launch', 'ablate.jobDir': jobDir } }),
    });
    // Sweep / repeat parents, found by the same group hash `ablate run` uses (so a relaunch nests under the same parent).
    const groups: PlannedGroup[] = [];
    const parentOf = new Map<string, string>();
    for (const ir of todo) {
      const key = groupKey(ir);
      if (!key || parentOf.has(key)) continue;
      const members = result.runs.filter((r) => groupKey(r) === key);
      const group = ir.origin.group!;
      const hash = groupHash(group.name, members.map((m) => m.specHash));
      const [existing] = await tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.groupHash]: hash } }) });
      const tags = runTags({ specHash: hash, sourceFile: ir.origin.file, kind: group.kind, extra: { [ABLATE_TAGS.group]: group.name, [ABLATE_TAGS.groupHash]: hash } });
      // Two launches of one file at once may both start a parent: the settle keeps one, so every child nests under it.
      const parentId = existing
        ? (await RunLogger.resume(tracker, existing.info.runId)).runId
        : await settleGroupParent(tracker, experiment.experimentId, hash, (await launchRun.startChild({ runName: group.name, tags })).runId, Number(process.env['ABLATE_LEASE_SETTLE_MS'] ?? 2000));
      parentOf.set(key, parentId);
      groups.push({ name: group.name, kind: group.kind as 'sweep' | 'repeat', pool: Boolean(members[0]!.repeat?.pool), parentRunId: parentId, irHashes: members.map((m) => m.specHash) });
    }
    const tasks: PlannedTask[] = todo.map((ir, i) => {
      const irFile = `runs/${i}.json`;
      writeFileSync(path.join(jobDir, irFile), `${JSON.stringify(ir, null, 2)}\n`);
      const parent = parentOf.get(groupKey(ir) ?? '');
      return { name: ir.name, irHash: ir.specHash, ...(identities[i] ? { identity: identities[i] } : {}), irFile, ...(parent ? { parentRunId: parent } : {}) };
    });
    const plan: JobPlan = {
      format: 'ablate-job', version: 1, file, cwd, trackingUri, experimentName: options.mlflowExperiment,
      cache: path.resolve(options.cache), outDir: path.resolve(options.out), ...(options.backend ? { backend: options.backend } : {}),
      overrides: options.set, rerunStale: options.rerunStale,
      launchRunId: launchRun.runId, tasks, groups, tables: result.tables, figures: result.figures,
    };
    writeFileSync(path.join(jobDir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
    writeFileSync(path.join(jobDir, 'batch.sh'), batch);
    const agg = aggregateScript({ jobName: `${jobName}-aggregate`, jobDir, cwd, command: [process.execPath, BIN, 'slurm-aggregate', jobDir], ...(res.partition ? { partition: res.partition } : {}) });
    writeFileSync(path.join(jobDir, 'aggregate.sh'), agg);

    plan.arrayJobId = sbatch(batch);
    plan.aggregateJobId = sbatch(agg, [`--dependency=afterany:${plan.arrayJobId}`]);
    writeFileSync(path.join(jobDir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
    await launchRun.setTags({ 'ablate.slurm.arrayJob': plan.arrayJobId, 'ablate.slurm.aggregateJob': plan.aggregateJobId });
    await launchRun.logArtifact(path.join(jobDir, PLAN_FILE), 'job');
    await launchRun.logArtifact(path.join(jobDir, 'batch.sh'), 'job');
    todo.forEach((ir, i) => process.stdout.write(`  submitted ${ir.name} → ${plan.arrayJobId}_${i}\n`));
    process.stdout.write(`array job ${plan.arrayJobId} (${todo.length} task(s)), aggregate job ${plan.aggregateJobId} after it; job folder ${jobDir}\n`);
  } finally {
    await tracker.close();
  }
}

/** One array task: the run of plan.tasks[index], under a lease. Returns the exit code. */
async function runTask(jobDir: string, index: number): Promise<number> {
  const plan = readPlan(jobDir);
  const task = plan.tasks[index];
  if (!task) {
    process.stderr.write(`ablate slurm-task: ${jobDir} has no task ${index} (${plan.tasks.length} planned)\n`);
    return 1;
  }
  const ir = readTaskIr(jobDir, task);
  const { createRunContext, interruptSignal } = await import('../run-session.ts');
  const { executeRun } = await import('../../runtime/run/execute-run.ts');
  const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
  const { leaseFromEnv, RunLeased } = await import('../../runtime/tracking/lease.ts');
  const interrupt = interruptSignal();
  const source = path.join(jobDir, 'sources', path.relative(plan.cwd, path.resolve(plan.cwd, plan.file)).replace(/^(\.\.[/\\])+/, ''));
  try {
    const { ctx, tracker } = await createRunContext(source, {
      set: plan.overrides ?? [], rerunStale: plan.rerunStale ?? false, workers: 'auto', force: false, quiet: true, trackingUri: plan.trackingUri,
      mlflowExperiment: plan.experimentName, cache: plan.cache, ...(plan.backend ? { backend: plan.backend } : {}),
    }, interrupt.signal);
    ctx.source = { file: plan.file, text: ctx.source!.text };
    ctx.lease = leaseFromEnv();
    ctx.progress.note(`task ${index}: ${task.name} on ${ctx.lease.node} as ${ctx.lease.owner}`);
    try {
      if (task.parentRunId) ctx.parent = await RunLogger.attach(tracker, task.parentRunId);
      const started = Date.now();
      try {
        const outcome = await executeRun(ir, ctx);
        process.stdout.write(`${task.name}: ${outcome.status} (MLflow run ${outcome.runId})\n`);
        return 0;
      } catch (error) {
        if (!(error instanceof RunLeased) && !(error instanceof Error && error.name === 'TrainingInterrupted')) await recordEarlyFailure(tracker, plan, task, ir, ctx, started, error);
        throw error;
      }
    } finally {
      await tracker.close();
    }
  } catch (error) {
    if (error instanceof RunLeased) {
      process.stdout.write(`${error.message}; this task leaves it alone\n`);
      return 0;
    }
    process.stderr.write(`${describeError(error)}\n`);
    return error instanceof Error && error.name === 'TrainingInterrupted' ? interrupt.exitCode() : 1;
  } finally {
    interrupt.dispose();
  }
}

/**
 * A run that failed before it had an MLflow run (bad data found while preparing it) still gets
 * one, FAILED with the error and the task's log, so that `status` and the reports can say why.
 */
async function recordEarlyFailure(
  tracker: import('../../runtime/tracking/tracker.ts').Tracker, plan: JobPlan, task: PlannedTask, ir: RunIR,
  ctx: import('../../runtime/run/execute-run.ts').RunContext, since: number, error: unknown,
): Promise<void> {
  const { runFilter } = await import('../../runtime/tracking/run-search.ts');
  const { ABLATE_TAGS, runTags } = await import('../../runtime/tracking/run-tags.ts');
  const { LEASE_TAGS } = await import('../../runtime/tracking/lease.ts');
  const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
  const experiment = await tracker.getOrCreateExperiment(plan.experimentName);
  const runs = await tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.irHash]: ir.specHash } }) });
  if (runs.some((r) => r.info.startTime >= since)) return; // executeRun made one and marked it already
  const tags = runTags({
    specHash: '', sourceFile: ir.origin.file, experiment: ir.experiment, backend: ctx.backend.name,
    extra: {
      [ABLATE_TAGS.irHash]: ir.specHash, [ABLATE_TAGS.run]: ir.name,
      ...(ctx.lease?.log ? { [LEASE_TAGS.log]: ctx.lease.log } : {}),
      ...(ctx.lease?.slurmJob ? { [LEASE_TAGS.slurmJob]: ctx.lease.slurmJob } : {}),
    },
  });
  const logger = ctx.parent
    ? await ctx.parent.startChild({ runName: task.name, tags })
    : await RunLogger.start(tracker, { experimentName: plan.experimentName, runName: task.name, tags });
  await logger.fail(error);
}

/** After the array: finish sweep / repeat parents (pooled results) and write the reports. */
async function aggregate(jobDir: string): Promise<void> {
  const plan = readPlan(jobDir);
  const { createTracker } = await import('../../runtime/tracking/tracker.ts');
  const { RunLogger } = await import('../../runtime/tracking/run-logger.ts');
  const { findResults } = await import('../../runtime/reports/collect-results.ts');
  const { aggregateResults, resultsToJson } = await import('../../runtime/reports/run-results.ts');
  const { writeReports } = await import('../report-writer.ts');
  const tracker = createTracker(plan.trackingUri);
  try {
    const results = await findResults(tracker, plan.experimentName, plan.tasks.map((t) => t.irHash).concat(plan.groups.flatMap((g) => g.irHashes)));
    let missingRuns = 0;
    for (const g of plan.groups) {
      const parent = await RunLogger.attach(tracker, g.parentRunId);
      const found = g.irHashes.map((h) => results.get(h));
      const missing = found.filter((r) => r === undefined).length;
      // A repeat pools its draws (as `ablate run` does); a sweep parent gets the same pooled summary over its points.
      if (missing < found.length) {
        const done = found.filter((r) => r !== undefined);
        const pooled = { ...done[0]!, run: g.name, cases: done.flatMap((r) => r.cases) };
        await parent.logText(resultsToJson(pooled), 'results.json');
        const { overall } = aggregateResults(done, pooled.modalities, pooled.classes, pooled.metrics);
        const final: Record<string, number> = {};
        for (const [metric, v] of Object.entries(overall)) if (Number.isFinite(v)) final[`test.${metric}.overall`] = v;
        parent.logMetrics(final, 0);
      }
      if (missing === 0) await parent.finish();
      else {
        missingRuns += missing;
        await parent.fail(new Error(`${missing} of ${found.length} run(s) of ${g.kind} ${g.name} did not finish; relaunch to run them`));
      }
      process.stdout.write(`${g.kind} ${g.name}: ${found.length - missing} of ${found.length} run(s) finished\n`);
    }
    const launchRun = await RunLogger.attach(tracker, plan.launchRunId);
    const written = await writeReports({ tables: plan.tables, figures: plan.figures }, tracker, { experimentName: plan.experimentName, outDir: plan.outDir, format: 'md' });
    for (const w of written) {
      process.stdout.write(`${w.text}\n`);
      for (const f of w.files) await launchRun.logArtifact(f, 'reports');
    }
    const taskMissing = plan.tasks.filter((t) => !results.has(t.irHash)).map((t) => t.name);
    if (taskMissing.length === 0 && missingRuns === 0) await launchRun.finish();
    else await launchRun.fail(new Error(`not finished: ${taskMissing.join(', ')}; \`ablate status ${plan.file}\` says why, \`ablate launch\` again resubmits them`));
  } finally {
    await tracker.close();
  }
}

export { SlurmError };
