/**
 * Slurm from ablate's side: the batch script of a launch (one array task per concrete run,
 * `exec`ing `ablate` so that Slurm's SIGTERM reaches the training process itself), and
 * `sbatch` / `squeue` / `scontrol` as child processes. No slurmdbd is assumed: finished
 * tasks are read from the tracking store, queued and running ones from `squeue`.
 */
import { execFileSync } from 'node:child_process';

export interface SlurmResources {
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  mem?: string;
  /** At most this many array tasks at once (`--array=…%K`). */
  arrayParallelism?: number;
  /** More `#SBATCH` arguments, verbatim. */
  extra: string[];
}

export class SlurmError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'SlurmError';
  }
}

function sbatchLines(r: SlurmResources): string[] {
  const lines: string[] = [];
  if (r.partition) lines.push(`--partition=${r.partition}`);
  if (r.time) lines.push(`--time=${r.time}`);
  if (r.gpusPerTask) lines.push(`--gpus-per-task=${r.gpusPerTask}`, '--ntasks=1');
  if (r.cpusPerTask) lines.push(`--cpus-per-task=${r.cpusPerTask}`);
  if (r.mem) lines.push(`--mem=${r.mem}`);
  lines.push(...r.extra);
  return lines;
}

/** The array job's script: task i runs the i-th run of the job folder's plan. */
export function arrayScript(o: { jobName: string; tasks: number; jobDir: string; cwd: string; command: string[]; resources: SlurmResources }): string {
  const k = o.resources.arrayParallelism;
  const directives = [
    `--job-name=${o.jobName}`,
    `--array=0-${o.tasks - 1}${k ? `%${k}` : ''}`,
    `--output=${o.jobDir}/logs/%A_%a.log`,
    `--chdir=${o.cwd}`,
    ...sbatchLines(o.resources),
  ];
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    '# One concrete run per task; the run is named by the index into the plan, its IR is in the job folder.',
    `export ABLATE_TASK_LOG="${o.jobDir}/logs/\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}.log"`,
    // exec: ablate itself is the batch step, so scancel / the time limit's SIGTERM reaches it (checkpoint, KILLED, 143).
    `exec ${o.command.map(shellQuote).join(' ')} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

/** The aggregate job's script: runs after every array task ended, however it ended. */
export function aggregateScript(o: { jobName: string; jobDir: string; cwd: string; command: string[]; partition?: string }): string {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --output=${o.jobDir}/logs/aggregate_%j.log`,
    `#SBATCH --chdir=${o.cwd}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    `exec ${o.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function slurmCommand(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new SlurmError(`${cmd} not found: Slurm's client commands are not installed here`, 'run ablate launch on a login node of the cluster (where sbatch works)');
    throw new SlurmError(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`, 'is the cluster up (`sinfo`), and SLURM_CONF set?');
  }
}

/** Submits a script on stdin; returns the job id. */
export function sbatch(script: string, args: string[] = []): string {
  return slurmCommand('sbatch', ['--parsable', ...args], script).trim().split(';')[0]!;
}

export interface QueuedTask {
  /** `123_4` for an array task, `123` otherwise. */
  id: string;
  state: string;
  node: string;
  reason: string;
}

/** Jobs still known to the controller (pending, running, completing), by id. */
export function squeue(jobIds: readonly string[]): QueuedTask[] {
  if (jobIds.length === 0) return [];
  let out: string;
  try {
    out = slurmCommand('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T|%N|%r']);
  } catch {
    return []; // jobs purged from the controller: nothing queued
  }
  return out.split('\n').filter(Boolean).map((line) => {
    const [id, state, node, reason] = line.split('|');
    return { id: id!, state: state!, node: node ?? '', reason: reason ?? '' };
  });
}
