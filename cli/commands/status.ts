/**
 * `ablate status <file> [-e NAME] [--format text|json]`: one line per concrete run of a spec —
 * finished / running (job, node, step, ETA) / stale (lease expired: its owner died) /
 * killed (resumable) / failed (error, log) / queued (Slurm task pending) / not started —
 * read from the tracking store, the launches' job folders and `squeue`.
 */
import { Command, Option } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { renderDiagnostics } from '../render-diagnostic.ts';
import { describeError } from '../describe-error.ts';

interface StatusCliOptions {
  experiment?: string;
  set: string[];
  format: 'text' | 'json';
  trackingUri?: string;
  mlflowExperiment: string;
  jobRoot: string;
}

export type RunState = 'finished' | 'running' | 'stale' | 'killed' | 'failed' | 'queued' | 'not started';

export interface RunStatusLine {
  run: string;
  irHash: string;
  state: RunState;
  runId?: string;
  job?: string;
  node?: string;
  step?: number;
  totalSteps?: number;
  /** seconds */
  eta?: number;
  error?: string;
  log?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('where each run of a spec stands: finished, running (job, node, step, ETA), queued, failed or not started')
    .argument('<file>', 'experiment or table spec')
    .option('-e, --experiment <name>', 'only this declaration')
    .option('-s, --set <key=value>', 'override a value, as given to run / launch (repeatable)', collect, [])
    .addOption(new Option('--format <format>', 'text, or json for scripts').choices(['text', 'json']).default('text'))
    .option('--tracking-uri <uri>', 'MLflow store (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--mlflow-experiment <name>', 'MLflow experiment', 'ablate')
    .option('--job-root <dir>', 'where `ablate launch` made its job folders', '.ablate-jobs')
    .action(async (file: string, options: StatusCliOptions) => {
      try {
        const lines = await status(file, options);
        if (!lines) return;
        if (options.format === 'json') process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
        else for (const l of lines) process.stdout.write(`${renderLine(l)}\n`);
      } catch (error) {
        process.stderr.write(`${describeError(error)}\n`);
        process.exitCode = 1;
      }
    });
}

function renderLine(l: RunStatusLine): string {
  const where = [l.job && `job ${l.job}`, l.node && `on ${l.node}`].filter(Boolean).join(' ');
  switch (l.state) {
    case 'running':
      return `running      ${l.run}  ${where}, step ${l.step}/${l.totalSteps}${l.eta !== undefined ? `, ETA ${Math.round(l.eta)} s` : ''}`;
    case 'failed':
      return `failed       ${l.run}  ${l.error ?? ''}${l.log ? `  (log: ${l.log})` : ''}`;
    case 'stale':
      return `stale        ${l.run}  lease of ${where} expired: its process is gone; launch again to take it over`;
    case 'killed':
      return `killed       ${l.run}  ${where ? `${where}, ` : ''}resumes from its checkpoint when launched again`;
    case 'queued':
      return `queued       ${l.run}  job ${l.job}`;
    default:
      return `${l.state.padEnd(12)} ${l.run}${l.runId ? `  (run ${l.runId})` : ''}`;
  }
}

async function status(file: string, options: StatusCliOptions): Promise<RunStatusLine[] | undefined> {
  const { compileFile } = await import('../../compiler/compile.ts');
  const { hasErrors } = await import('../../compiler/diagnostics.ts');
  const result = compileFile(file, { overrides: options.set, ...(options.experiment ? { only: options.experiment } : {}) });
  if (hasErrors(result.diagnostics)) {
    process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
    process.exitCode = 1;
    return undefined;
  }
  const { createTracker } = await import('../../runtime/tracking/tracker.ts');
  const { runFilter } = await import('../../runtime/tracking/run-search.ts');
  const { ABLATE_TAGS } = await import('../../runtime/tracking/run-tags.ts');
  const { leaseAlive, leaseEta, leaseStale, readLease } = await import('../../runtime/tracking/lease.ts');
  const { readPlan } = await import('../../runtime/cluster/job-plan.ts');
  const { squeue } = await import('../../runtime/cluster/slurm.ts');

  // Pending Slurm tasks by IR hash, from the job folders of earlier launches.
  const pending = new Map<string, string>();
  if (existsSync(options.jobRoot)) {
    const plans = readdirSync(options.jobRoot).flatMap((d) => {
      try {
        return [readPlan(path.join(options.jobRoot, d))];
      } catch {
        return [];
      }
    }).filter((p) => p.arrayJobId);
    const queued = squeue(plans.map((p) => p.arrayJobId!));
    for (const p of plans) {
      p.tasks.forEach((t, i) => {
        const q = queued.find((x) => x.id === `${p.arrayJobId}_${i}` || (x.id.startsWith(`${p.arrayJobId}_[`) && x.state === 'PENDING'));
        if (q && q.state === 'PENDING') pending.set(t.irHash, `${p.arrayJobId}_${i}`);
      });
    }
  }

  const tracker = createTracker(options.trackingUri);
  const ttlMs = 1000 * Number(process.env['ABLATE_LEASE_TTL_S'] ?? 300);
  try {
    const experiment = await tracker.getExperimentByName(options.mlflowExperiment);
    const lines: RunStatusLine[] = [];
    for (const ir of result.runs) {
      const base = { run: ir.name, irHash: ir.specHash };
      const runs = experiment
        ? await tracker.searchRuns({ experimentIds: [experiment.experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.irHash]: ir.specHash } }), orderBy: ['attributes.start_time DESC'] })
        : [];
      const finished = runs.find((r) => r.info.status === 'FINISHED');
      const live = runs.find((r) => leaseAlive(r, ttlMs));
      const latest = runs[0];
      if (finished) {
        lines.push({ ...base, state: 'finished', runId: finished.info.runId });
      } else if (live) {
        const l = readLease(live)!;
        const eta = leaseEta(l);
        lines.push({
          ...base, state: 'running', runId: live.info.runId, job: l.slurmJob ?? l.owner, node: l.node, step: l.step, totalSteps: l.totalSteps,
          ...(eta !== undefined ? { eta } : {}),
          ...(l.log ? { log: l.log } : {}),
        });
      } else if (pending.has(ir.specHash)) {
        lines.push({ ...base, state: 'queued', job: pending.get(ir.specHash)! });
      } else if (latest && leaseStale(latest, ttlMs)) {
        const l = readLease(latest)!;
        lines.push({ ...base, state: 'stale', runId: latest.info.runId, job: l.slurmJob ?? l.owner, node: l.node, step: l.step, totalSteps: l.totalSteps });
      } else if (latest && (latest.info.status === 'FAILED' || latest.info.status === 'KILLED')) {
        const l = readLease(latest);
        lines.push({
          ...base, state: latest.info.status === 'FAILED' ? 'failed' : 'killed', runId: latest.info.runId,
          ...(l ? { job: l.slurmJob ?? l.owner, node: l.node, step: l.step, totalSteps: l.totalSteps } : {}),
          ...(latest.data.tags[ABLATE_TAGS.error] ? { error: latest.data.tags[ABLATE_TAGS.error] } : {}),
          ...(latest.data.tags['ablate.lease.log'] ? { log: latest.data.tags['ablate.lease.log'] } : {}),
          ...(!l && latest.data.tags['ablate.slurm.job'] ? { job: latest.data.tags['ablate.slurm.job'] } : {}),
        });
      } else {
        lines.push({ ...base, state: 'not started' });
      }
    }
    return lines;
  } finally {
    await tracker.close();
  }
}
