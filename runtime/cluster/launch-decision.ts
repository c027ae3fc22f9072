/**
 * Whether `ablate launch` submits a run, and why: by the same identity `ablate run` /
 * `reproduce` reuse runs by (Run IR spec hash + split hash + data content hash,
 * runtime/run/run-identity.ts), so a relaunch submits exactly what `reproduce` would train.
 *
 *   finished      a FINISHED run with this identity, made by this ablate: left out
 *   stale         a FINISHED run made by another ablate version / commit: left out (reused,
 *                 marked stale in reports) unless `--rerun-stale`, then submitted
 *   leased        a RUNNING run whose lease is alive (trained elsewhere): left out
 *   interrupted   a KILLED / FAILED run, or RUNNING with an expired lease: submitted (resumes
 *                 from its checkpoint when one is left)
 *   data changed  no run with this identity, but a FINISHED one of the same Run IR read other
 *                 data (or predates data hashes): submitted
 *   unreadable    the data could not be listed or hashed here: submitted, the task reports why
 *   not started   nothing of this Run IR yet: submitted
 */
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { identifyData } from '../data/prepare-data.ts';
import type { CodeProvenance } from '../run/code-provenance.ts';
import { runSpecHash } from '../run/run-identity.ts';
import { leaseAlive, readLease } from '../tracking/lease.ts';
import { staleReason } from '../tracking/provenance-tags.ts';
import { ABLATE_TAGS } from '../tracking/run-tags.ts';
import { runFilter } from '../tracking/run-search.ts';
import type { Tracker } from '../tracking/tracker.ts';

export type LaunchReason = 'finished' | 'stale' | 'leased' | 'interrupted' | 'data changed' | 'unreadable' | 'not started';

export interface LaunchDecision {
  ir: RunIR;
  /** The run's identity (`ablate.specHash`); undefined when its data could not be read here. */
  identity?: string;
  submit: boolean;
  reason: LaunchReason;
  /** The reason in words, for the table `launch` prints. */
  detail: string;
}

export interface DecideOptions {
  tracker: Tracker;
  experimentId: string;
  code: Pick<CodeProvenance, 'version' | 'git'>;
  rerunStale: boolean;
  ttlMs: number;
  cwd: string;
  cacheRoot: string;
}

const short = (h: string | undefined) => (h ? h.slice(0, 12) : 'none recorded');

export async function decideLaunch(ir: RunIR, o: DecideOptions): Promise<LaunchDecision> {
  let identity: string;
  let dataHash: string;
  try {
    const data = await identifyData(ir.dataset, ir.data, { cwd: o.cwd, cacheRoot: o.cacheRoot });
    dataHash = data.fingerprint.hash;
    identity = runSpecHash(ir.specHash, data.splitHash, dataHash);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ir, submit: true, reason: 'unreadable', detail: `its data could not be read here (${message}); the task reports it` };
  }
  const search = (tags: Record<string, string>) =>
    o.tracker.searchRuns({ experimentIds: [o.experimentId], filter: runFilter({ tags }), orderBy: ['attributes.start_time DESC'] });
  const runs = await search({ [ABLATE_TAGS.specHash]: identity });
  const finished = runs.find((r) => r.info.status === 'FINISHED');
  const stale = finished ? staleReason(finished.data.tags, o.code) : null;
  if (finished && !stale) return { ir, identity, submit: false, reason: 'finished', detail: `finished (run ${finished.info.runId})` };
  const live = runs.find((r) => leaseAlive(r, o.ttlMs));
  if (live) {
    const lease = readLease(live)!;
    return { ir, identity, submit: false, reason: 'leased', detail: `leased by ${lease.owner} on ${lease.node} (run ${live.info.runId}, step ${lease.step})` };
  }
  if (finished) {
    return o.rerunStale
      ? { ir, identity, submit: true, reason: 'stale', detail: `stale: ${stale}; --rerun-stale retrains it (run ${finished.info.runId})` }
      : { ir, identity, submit: false, reason: 'stale', detail: `stale: ${stale}; reused (run ${finished.info.runId}; --rerun-stale retrains it)` };
  }
  const unfinished = runs[0];
  if (unfinished) {
    const lease = readLease(unfinished);
    const how = unfinished.info.status === 'RUNNING' ? `RUNNING, lease of ${lease?.owner ?? 'nobody'} expired` : unfinished.info.status;
    return { ir, identity, submit: true, reason: 'interrupted', detail: `interrupted (run ${unfinished.info.runId}, ${how}): resumes from its checkpoint if one is left` };
  }
  const [older] = (await search({ [ABLATE_TAGS.irHash]: ir.specHash })).filter((r) => r.info.status === 'FINISHED');
  if (older) {
    const was = older.data.tags[ABLATE_TAGS.dataHash];
    return { ir, identity, submit: true, reason: 'data changed', detail: `data changed: finished run ${older.info.runId} read data ${short(was)}, now ${short(dataHash)}` };
  }
  return { ir, identity, submit: true, reason: 'not started', detail: 'not started' };
}
