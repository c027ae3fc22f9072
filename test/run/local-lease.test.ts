/**
 * Local runs take the lease Slurm tasks take (runtime/tracking/lease.ts), in real processes
 * on a real FileStore, tiny phantom runs long enough to be met mid-training:
 * - `ablate run` holds the lease (owner host:pid) while it trains; a concurrent
 *   `ablate reproduce` of the same file leaves that run out, naming the holder, and trains nothing;
 * - the holder is killed with SIGKILL (no chance to release it): a new `ablate run` takes
 *   the run over at once — the TTL is the default 5 min, so only the dead pid explains it —
 *   marks the old run KILLED, holds the lease itself, and releases it when it ends (SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LEASE_TAGS, leaseAlive } from '../../runtime/tracking/lease.ts';
import { createTracker, type Run, type Tracker } from '../../runtime/tracking/tracker.ts';
import { tinyV3Spec } from './tiny-spec.ts';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const SPEC = `${tinyV3Spec({ stepsPerEpoch: 5000 })}table t "one row" { rows { "Ours": tiny_v3 }, columns { metrics: [dice], modalities: [ct, mri], mean: true } }
`;

interface Proc { child: ChildProcess; out: () => string; done: Promise<number> }

const { ABLATE_LEASE_TTL_S: _ttl, ...env } = process.env;

function ablate(dir: string, args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args, '--backend', 'wasm', '--workers', '1'], {
    cwd: dir,
    // Default TTL (300 s): a take-over within this test can only come from the dead pid.
    env: { ...env, ABLATE_LEASE_SETTLE_MS: '300', MLFLOW_TRACKING_URI: path.join(dir, 'mlruns') },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 1))));
  return { child, out: () => out, done };
}

async function runsOf(tracker: Tracker): Promise<Run[]> {
  const exp = await tracker.getExperimentByName('ablate');
  if (!exp) return [];
  return tracker.searchRuns({ experimentIds: [exp.experimentId], filter: "tags.`ablate.kind` = 'run'" });
}

/** Polls until `probe` gives a value (200 ms apart), or fails after `ms`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('local runs hold a lease', () => {
  it('a concurrent reproduce leaves a locally leased run out; a SIGKILLed holder\'s lease is taken over at once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-local-lease-'));
    writeFileSync(path.join(dir, 'spec.abl'), SPEC);
    const tracker = createTracker(path.join(dir, 'mlruns'));
    const host = hostname();
    await tracker.getOrCreateExperiment('ablate'); // made before the processes start: polling never meets it half-written

    const first = ablate(dir, ['run', 'spec.abl', '-e', 'tiny_v3']);
    const owner = `${host}:${first.child.pid}`;
    const held = await until('the first run to hold its lease and train', async () => {
      const [r] = await runsOf(tracker);
      return r && r.info.status === 'RUNNING' && r.data.tags[LEASE_TAGS.owner] === owner ? r : undefined;
    });
    expect(held.data.tags[LEASE_TAGS.node]).toBe(host);

    const second = ablate(dir, ['reproduce', 'spec.abl', '--quiet']);
    expect(await second.done, second.out()).toBe(0);
    expect(second.out()).toContain(`tiny_v3: already being trained by ${owner} on ${host} (its lease is alive): left out here`);
    expect(second.out()).toContain(`reproduce: 1 run(s) left out, being trained elsewhere: tiny_v3 (${owner} on ${host})`);
    // Trained once: still the one run, still the first process's.
    const during = await runsOf(tracker);
    expect(during.map((r) => [r.info.runId, r.info.status, r.data.tags[LEASE_TAGS.owner]])).toEqual([[held.info.runId, 'RUNNING', owner]]);

    first.child.kill('SIGKILL');
    expect(await first.done).toBe(137);
    const orphan = await tracker.getRun(held.info.runId);
    expect(orphan.info.status).toBe('RUNNING');
    expect(Date.now() - Number(orphan.data.tags[LEASE_TAGS.heartbeat])).toBeLessThan(300_000); // fresh by the TTL…
    expect(leaseAlive(orphan, 300_000)).toBe(false); // …but its process is gone

    const third = ablate(dir, ['run', 'spec.abl', '-e', 'tiny_v3']);
    const owner3 = `${host}:${third.child.pid}`;
    await until('the third run to take the lease over', async () => {
      const rs = await runsOf(tracker);
      return rs.some((r) => r.info.status === 'RUNNING' && r.data.tags[LEASE_TAGS.owner] === owner3) ? true : undefined;
    });
    expect(third.out()).toContain(`tiny_v3: lease of ${owner} expired (its process is gone on ${host}); run ${held.info.runId} marked KILLED, taking it over`);
    const old = await tracker.getRun(held.info.runId);
    // Without a checkpoint the old run stays KILLED (a new run trains); with one it is resumed by the new owner.
    if (old.data.tags[LEASE_TAGS.owner] !== owner3) {
      expect(old.info.status).toBe('KILLED');
      expect(old.data.tags['ablate.lease.expired']).toBe(owner);
    }
    third.child.kill('SIGTERM');
    expect(await third.done, third.out()).toBe(143);
    const after = (await runsOf(tracker)).find((r) => r.data.tags[LEASE_TAGS.owner] === owner3)!;
    expect(after.info.status).toBe('KILLED');
    expect(Number(after.data.tags[LEASE_TAGS.released])).toBeGreaterThanOrEqual(Number(after.data.tags[LEASE_TAGS.heartbeat]));
    await tracker.close();
  }, 180_000);
});
