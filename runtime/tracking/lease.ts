/**
 * Leases: which process trains a run, kept in the tracking store itself so that they work
 * the same on a shared FileStore and on an MLflow server. A lease is a set of tags on the
 * run: the owner (Slurm job_task, else host:pid), the node, a heartbeat time renewed while
 * it trains, and the step reached. A RUNNING run whose heartbeat is older than the TTL
 * belongs to a dead process (node died, kill -9): it may be marked KILLED and taken over,
 * resuming from its last checkpoint. A lease held by a process on this host that is gone
 * (its pid no longer exists: kill -9, a crash) is dead at once, without waiting for the TTL.
 * Local `ablate run` / `reproduce` take the same lease (owner host:pid) as Slurm tasks, so a
 * local run and a launch of the same file never train one run twice.
 *
 * Taking a lease uses only "write tag" and "read tags", so there is no compare-and-swap;
 * it is Fischer's timed mutual exclusion: write your claim, wait `settleMs` (longer than a
 * write takes), read back, and hold the lease only if your claim is still the one there
 * (the last writer wins, and every contender reads the same last write). Two new runs
 * created at once for the same spec hash are settled the same way: after the wait, the
 * contender with the smallest run id wins and the other deletes its run.
 */
import { hostname } from 'node:os';
import { ABLATE_TAGS } from './run-tags.ts';
import { runFilter } from './run-search.ts';
import type { Run, Tracker } from './tracker.ts';

export const LEASE_TAGS = {
  owner: 'ablate.lease.owner',
  node: 'ablate.lease.node',
  /** ms since the epoch, renewed while training. */
  heartbeat: 'ablate.lease.heartbeat',
  /** ms when this owner took the lease, and the step it started from (for an ETA). */
  acquired: 'ablate.lease.acquired',
  startStep: 'ablate.lease.startStep',
  step: 'ablate.lease.step',
  totalSteps: 'ablate.lease.totalSteps',
  /** Where the owner's stdout/stderr go (a Slurm task's log file). */
  log: 'ablate.lease.log',
  slurmJob: 'ablate.slurm.job',
  /** ms when the owner let the lease go (its run ended); a later claim's heartbeat supersedes it. */
  released: 'ablate.lease.released',
} as const;

export interface LeaseOptions {
  /** Who takes it: `slurm:<job>_<task>` or `<host>:<pid>`. */
  owner: string;
  node: string;
  /** A heartbeat older than this means the owner is gone. Default 5 min ($ABLATE_LEASE_TTL_S). */
  ttlMs: number;
  /** Wait between writing a claim and reading it back. Default 2 s ($ABLATE_LEASE_SETTLE_MS). */
  settleMs: number;
  log?: string;
  slurmJob?: string;
}

/** Lease options from the environment (Slurm's variables when inside a job). */
export function leaseFromEnv(env: NodeJS.ProcessEnv = process.env): LeaseOptions {
  const job = env['SLURM_ARRAY_JOB_ID'] ?? env['SLURM_JOB_ID'];
  const task = env['SLURM_ARRAY_TASK_ID'];
  const slurmJob = job ? (task !== undefined ? `${job}_${task}` : job) : undefined;
  const node = env['SLURMD_NODENAME'] ?? hostname();
  return {
    owner: slurmJob ? `slurm:${slurmJob}:${process.pid}` : `${node}:${process.pid}`,
    node,
    ttlMs: 1000 * Number(env['ABLATE_LEASE_TTL_S'] ?? 300),
    settleMs: Number(env['ABLATE_LEASE_SETTLE_MS'] ?? 2000),
    ...(slurmJob ? { slurmJob } : {}),
    ...(env['ABLATE_TASK_LOG'] ? { log: env['ABLATE_TASK_LOG'] } : {}),
  };
}

/** A run's lease as read from its tags, or undefined when it has none. */
export interface LeaseState {
  owner: string;
  node: string;
  heartbeat: number;
  acquired: number;
  startStep: number;
  step: number;
  totalSteps: number;
  log?: string;
  slurmJob?: string;
}

export function readLease(run: Run): LeaseState | undefined {
  const t = run.data.tags;
  const owner = t[LEASE_TAGS.owner];
  if (!owner) return undefined;
  const num = (k: string) => Number(t[k] ?? 0);
  return {
    owner,
    node: t[LEASE_TAGS.node] ?? '?',
    heartbeat: num(LEASE_TAGS.heartbeat),
    acquired: num(LEASE_TAGS.acquired),
    startStep: num(LEASE_TAGS.startStep),
    step: num(LEASE_TAGS.step),
    totalSteps: num(LEASE_TAGS.totalSteps),
    ...(t[LEASE_TAGS.log] ? { log: t[LEASE_TAGS.log] } : {}),
    ...(t[LEASE_TAGS.slurmJob] ? { slurmJob: t[LEASE_TAGS.slurmJob] } : {}),
  };
}

/**
 * Seconds left for a leased run, from its owner's own step rate: the time since it took the
 * lease over the steps it trained since then, times the steps still to go. Undefined before
 * its first step (no rate yet) or without a step count.
 */
export function leaseEta(lease: LeaseState, now = Date.now()): number | undefined {
  const done = lease.step - lease.startStep;
  if (done <= 0 || lease.totalSteps <= 0 || lease.acquired <= 0) return undefined;
  const msPerStep = (now - lease.acquired) / done;
  return (msPerStep * Math.max(0, lease.totalSteps - lease.step)) / 1000;
}

/**
 * Whether the lease's owner is a process of this host that no longer exists. Owners end in
 * `:<pid>` (leaseFromEnv); only a lease whose node is this host's name is checked, since a
 * pid means nothing elsewhere. A pid reused by another process counts as alive (the TTL then decides).
 */
export function ownerGone(lease: Pick<LeaseState, 'owner' | 'node'>, host = hostname()): boolean {
  const pid = /:(\d+)$/.exec(lease.owner)?.[1];
  if (lease.node !== host || pid === undefined || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, another user's
  }
}

/** A RUNNING run whose owner sent a heartbeat within the TTL, did not release it, and is not a dead process of this host. */
export function leaseAlive(run: Run, ttlMs: number, now = Date.now()): boolean {
  const lease = readLease(run);
  if (run.info.status !== 'RUNNING' || lease === undefined || now - lease.heartbeat > ttlMs) return false;
  if (Number(run.data.tags[LEASE_TAGS.released] ?? 0) >= lease.heartbeat) return false;
  return !ownerGone(lease);
}

/** The owner lets its lease go (the run ended); best effort, as a missed heartbeat. */
export async function releaseLease(tracker: Tracker, runId: string): Promise<void> {
  await tracker.setTags(runId, { [LEASE_TAGS.released]: String(Date.now()) }).catch(() => undefined);
}

/** A RUNNING run with a lease whose heartbeat stopped: its owner is gone. */
export function leaseStale(run: Run, ttlMs: number, now = Date.now()): boolean {
  return run.info.status === 'RUNNING' && readLease(run) !== undefined && !leaseAlive(run, ttlMs, now);
}

/** Thrown when another live process holds the run. */
export class RunLeased extends Error {
  readonly hint = 'It is training elsewhere; `ablate status <file>` shows where. Nothing to do here.';
  constructor(readonly run: string, readonly holder: string) {
    super(`${run}: already being trained by ${holder} (its lease is alive)`);
    this.name = 'RunLeased';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Marks a RUNNING run whose lease expired KILLED (its owner died); returns whether it did. */
export async function reapStale(tracker: Tracker, run: Run, ttlMs: number): Promise<boolean> {
  if (!leaseStale(run, ttlMs)) return false;
  await tracker.setTags(run.info.runId, { 'ablate.lease.expired': readLease(run)!.owner, [LEASE_TAGS.released]: String(Date.now()) });
  await tracker.setTerminated(run.info.runId, 'KILLED');
  return true;
}

/**
 * Claims `runId` (found or just created for `specHash`) for `lease.owner`. Resolves true when
 * this process holds the lease after the settle wait, false when another contender won.
 */
export async function claimRun(tracker: Tracker, runId: string, specHash: string, startStep: number, lease: LeaseOptions): Promise<boolean> {
  const now = Date.now();
  await tracker.setTags(runId, {
    [LEASE_TAGS.owner]: lease.owner,
    [LEASE_TAGS.node]: lease.node,
    [LEASE_TAGS.heartbeat]: String(now),
    [LEASE_TAGS.acquired]: String(now),
    [LEASE_TAGS.startStep]: String(startStep),
    [LEASE_TAGS.step]: String(startStep),
    ...(lease.log ? { [LEASE_TAGS.log]: lease.log } : {}),
    ...(lease.slurmJob ? { [LEASE_TAGS.slurmJob]: lease.slurmJob } : {}),
  });
  await sleep(lease.settleMs);
  const mine = await tracker.getRun(runId);
  if (mine.data.tags[LEASE_TAGS.owner] !== lease.owner) return false;
  // Another run of the same spec created meanwhile by another process: smallest run id wins.
  const rivals = await tracker.searchRuns({
    experimentIds: [mine.info.experimentId],
    filter: runFilter({ tags: { [ABLATE_TAGS.specHash]: specHash }, status: 'RUNNING' }),
  });
  const contenders = rivals.filter((r) => leaseAlive(r, lease.ttlMs)).map((r) => r.info.runId).sort();
  return contenders.length === 0 || contenders[0] === runId;
}

/** Renews the lease while the run trains: on each step (at most every `everyMs`) and on a timer. */
export class Heartbeat {
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private step = 0;
  private total = 0;
  constructor(private readonly tracker: Tracker, private readonly runId: string, private readonly everyMs: number) {}

  start(): void {
    this.timer = setInterval(() => void this.send(), this.everyMs);
    this.timer.unref();
  }

  beat(step: number, total: number): void {
    [this.step, this.total] = [step, total];
    if (Date.now() - this.last >= this.everyMs) void this.send();
  }

  private inflight: Promise<void> = Promise.resolve();

  private send(): Promise<void> {
    this.last = Date.now();
    this.inflight = this.inflight.then(() => this.write());
    return this.inflight;
  }

  private async write(): Promise<void> {
    await this.tracker.setTags(this.runId, {
      [LEASE_TAGS.heartbeat]: String(this.last),
      [LEASE_TAGS.step]: String(this.step),
      [LEASE_TAGS.totalSteps]: String(this.total),
    }).catch(() => undefined); // a missed beat only shortens the lease's life
  }

  /** Stops beating; resolves once a beat under way was written (so a release written after it is the last word). */
  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    return this.inflight;
  }
}

/**
 * Two processes that found no parent run for a sweep / repeat (group hash `groupHash`) and
 * each started one: after `settleMs` (longer than a write takes), every contender sees the
 * same set, the smallest run id is kept, and the others delete theirs. Returns the run id
 * to nest under (the one kept). Same timed scheme as `claimRun`.
 */
export async function settleGroupParent(tracker: Tracker, experimentId: string, groupHash: string, mine: string, settleMs: number): Promise<string> {
  await sleep(settleMs);
  const rivals = await tracker.searchRuns({ experimentIds: [experimentId], filter: runFilter({ tags: { [ABLATE_TAGS.groupHash]: groupHash } }) });
  const ids = rivals.map((r) => r.info.runId).sort();
  const kept = ids[0] ?? mine;
  if (kept !== mine) await tracker.deleteRun(mine);
  return kept;
}
