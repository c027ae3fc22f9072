/**
 * Leases in the tracking store (runtime/tracking/lease.ts) on a FileStore, without Slurm:
 * concurrent claims on one run and on two runs of one spec hash have exactly one winner;
 * a stale lease is reaped to KILLED, a live one is not; two processes starting the same
 * sweep parent at once keep one. And `ablate reproduce` meeting a lease: a live one (a
 * heartbeat in the future) leaves the run out and says so, an expired one (a heartbeat in the
 * past) is taken over.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { claimRun, leaseAlive, LEASE_TAGS, reapStale, settleGroupParent, type LeaseOptions } from '../../runtime/tracking/lease.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { tinyV3Spec } from '../run/tiny-spec.ts';

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

describe('a sweep parent started twice at once', () => {
  it('both contenders keep the smaller run id; the other is deleted', async () => {
    const { tracker } = await store();
    const exp = await tracker.getOrCreateExperiment('ablate');
    const parent = () => tracker.createRun({ experimentId: exp.experimentId, tags: { 'ablate.groupHash': 'g1', 'ablate.kind': 'sweep' } });
    const [p1, p2] = [await parent(), await parent()];
    const kept = await Promise.all([settleGroupParent(tracker, exp.experimentId, 'g1', p1.runId, 200), settleGroupParent(tracker, exp.experimentId, 'g1', p2.runId, 200)]);
    const smaller = [p1.runId, p2.runId].sort()[0]!;
    expect(kept).toEqual([smaller, smaller]);
    const left = await tracker.searchRuns({ experimentIds: [exp.experimentId], filter: "tags.`ablate.groupHash` = 'g1'" });
    expect(left.map((r) => r.info.runId)).toEqual([smaller]);
  });
});

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const SPEC = `${tinyV3Spec()}table t "one row" { rows { "Ours": tiny_v3 }, columns { metrics: [dice], modalities: [ct, mri], mean: true } }
`;

function reproduce(dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'reproduce', 'spec.abl', '--backend', 'wasm', '--workers', '1', '--quiet'], {
      cwd: dir,
      env: { ...process.env, ABLATE_LEASE_TTL_S: '10', MLFLOW_TRACKING_URI: path.join(dir, 'mlruns') },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('reproduce meets a lease', () => {
  it('a live lease (heartbeat ahead): the run is left out and named; an expired one (60 s old, TTL 10 s): marked KILLED and trained again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-reproduce-lease-'));
    writeFileSync(path.join(dir, 'spec.abl'), SPEC);
    const first = await reproduce(dir);
    expect(first.code, first.out).toBe(0);
    const tracker = createTracker(path.join(dir, 'mlruns'));
    const exp = (await tracker.getExperimentByName('ablate'))!;
    const [run] = await tracker.searchRuns({ experimentIds: [exp.experimentId], filter: "tags.`ablate.kind` = 'run'" });
    // A Slurm task is training it now: RUNNING, heartbeat 60 s ahead (clock skew between nodes counts as alive).
    await tracker.updateRun(run!.info.runId, { status: 'RUNNING', endTime: null });
    await tracker.setTags(run!.info.runId, { [LEASE_TAGS.owner]: 'slurm:99_0:1', [LEASE_TAGS.node]: 'node7', [LEASE_TAGS.heartbeat]: String(Date.now() + 60_000) });
    const live = await reproduce(dir);
    expect(live.code, live.out).toBe(0);
    expect(live.out).toContain('tiny_v3: already being trained by slurm:99_0:1 on node7 (its lease is alive): left out here');
    expect(live.out).toContain('reproduce: 1 run(s) left out, being trained elsewhere: tiny_v3 (slurm:99_0:1 on node7)');
    expect(live.out).toMatch(/\| Ours \|[^\n]*\n?[^\n]*not run/);
    expect((await tracker.getRun(run!.info.runId)).info.status).toBe('RUNNING'); // left alone

    // The task's node died a minute ago: the lease expired.
    await tracker.setTags(run!.info.runId, { [LEASE_TAGS.heartbeat]: String(Date.now() - 60_000) });
    const expired = await reproduce(dir);
    expect(expired.code, expired.out).toBe(0);
    expect(expired.out).toMatch(/tiny_v3: lease of slurm:99_0:1 expired \(no heartbeat for 6\d s\); run \w+ marked KILLED, taking it over/);
    const old = await tracker.getRun(run!.info.runId);
    expect(old.info.status).toBe('KILLED');
    expect(old.data.tags['ablate.lease.expired']).toBe('slurm:99_0:1');
    const finished = await tracker.searchRuns({ experimentIds: [exp.experimentId], filter: "tags.`ablate.kind` = 'run' AND attributes.status = 'FINISHED'" });
    expect(finished).toHaveLength(1);
    expect(finished[0]!.info.runId).not.toBe(run!.info.runId);
  });
});
