/**
 * Leases in the tracking store (runtime/tracking/lease.ts) on a FileStore, without Slurm:
 * concurrent claims on one run and on two runs of one spec hash have exactly one winner;
 * a stale lease is reaped to KILLED, a live one is not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimRun, leaseAlive, LEASE_TAGS, reapStale, type LeaseOptions } from '../../runtime/tracking/lease.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';

const lease = (owner: string): LeaseOptions => ({ owner, node: 'n', ttlMs: 10_000, settleMs: 200 });

async function store() {
  const tracker = createTracker(mkdtempSync(path.join(tmpdir(), 'ablate-lease-')));
  const exp = await tracker.getOrCreateExperiment('ablate');
  const newRun = () => tracker.createRun({ experimentId: exp.experimentId, tags: { 'ablate.specHash': 'h1' } });
  return { tracker, newRun };
}

describe('leases', () => {
  it('two owners claiming one run at once: exactly one holds it, and it is the owner the tag names', async () => {
    const { tracker, newRun } = await store();
    const run = await newRun();
    const won = await Promise.all(['a', 'b', 'c'].map((o) => claimRun(tracker, run.runId, 'h1', 0, lease(o))));
    expect(won.filter(Boolean)).toHaveLength(1);
    const owner = (await tracker.getRun(run.runId)).data.tags[LEASE_TAGS.owner];
    expect(['a', 'b', 'c'][won.indexOf(true)]).toBe(owner);
  });

  it('two new runs of one spec hash claimed at once: only the smallest run id wins', async () => {
    const { tracker, newRun } = await store();
    const [r1, r2] = [await newRun(), await newRun()];
    const won = await Promise.all([claimRun(tracker, r1.runId, 'h1', 0, lease('a')), claimRun(tracker, r2.runId, 'h1', 0, lease('b'))]);
    expect(won).toEqual([r1.runId < r2.runId, r2.runId < r1.runId]);
  });

  it('a heartbeat older than the TTL is stale: the run is marked KILLED; a fresh one is left alone', async () => {
    const { tracker, newRun } = await store();
    const [old, fresh] = [await newRun(), await newRun()];
    await tracker.setTags(old.runId, { [LEASE_TAGS.owner]: 'dead', [LEASE_TAGS.heartbeat]: String(Date.now() - 11_000) });
    await tracker.setTags(fresh.runId, { [LEASE_TAGS.owner]: 'alive', [LEASE_TAGS.heartbeat]: String(Date.now() - 9_000) });
    const [o, f] = [await tracker.getRun(old.runId), await tracker.getRun(fresh.runId)];
    expect([leaseAlive(o, 10_000), leaseAlive(f, 10_000)]).toEqual([false, true]);
    expect(await reapStale(tracker, o, 10_000)).toBe(true);
    expect(await reapStale(tracker, f, 10_000)).toBe(false);
    expect((await tracker.getRun(old.runId)).info.status).toBe('KILLED');
    expect((await tracker.getRun(old.runId)).data.tags['ablate.lease.expired']).toBe('dead');
    expect((await tracker.getRun(fresh.runId)).info.status).toBe('RUNNING');
  });
});
