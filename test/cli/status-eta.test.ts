/**
 * `ablate status`: a running run shows where it runs, its step and an ETA from its own step
 * rate (runtime/tracking/lease.ts `leaseEta`): checked by hand-worked values, and end to end
 * on a FileStore holding a RUNNING run with a lease (no Slurm needed: no job folder, no squeue).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { leaseEta, LEASE_TAGS, type LeaseState } from '../../runtime/tracking/lease.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { tinyV3Spec } from '../run/tiny-spec.ts';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

const lease = (over: Partial<LeaseState>): LeaseState => ({ owner: 'slurm:12_0:7', node: 'node3', heartbeat: 0, acquired: 0, startStep: 0, step: 0, totalSteps: 0, ...over });

describe('leaseEta', () => {
  it('from the step rate since the lease was taken: 20 steps in 40 s leave 100 steps → 200 s', () => {
    // Resumed at step 10, now at 30 of 130: 40 s / 20 steps = 2 s per step, 100 steps to go.
    expect(leaseEta(lease({ acquired: 1_000_000, startStep: 10, step: 30, totalSteps: 130 }), 1_040_000)).toBe(200);
    expect(leaseEta(lease({ acquired: 1_000_000, startStep: 0, step: 4, totalSteps: 10 }), 1_001_000)).toBe(1.5); // 0.25 s/step × 6
  });

  it('no ETA before the first step, without a step count, or when done', () => {
    expect(leaseEta(lease({ acquired: 1_000_000, startStep: 10, step: 10, totalSteps: 130 }), 1_040_000)).toBeUndefined();
    expect(leaseEta(lease({ acquired: 1_000_000, startStep: 0, step: 5, totalSteps: 0 }), 1_040_000)).toBeUndefined();
    expect(leaseEta(lease({ acquired: 1_000_000, startStep: 0, step: 130, totalSteps: 130 }), 1_040_000)).toBe(0);
  });
});

const SPEC = tinyV3Spec({ stepsPerEpoch: 130 });

describe('ablate status on a running run', () => {
  it('shows job, node, step/total and the ETA from the step rate (json and text)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-status-eta-'));
    writeFileSync(path.join(dir, 'spec.abl'), SPEC);
    const [ir] = compileFile(path.join(dir, 'spec.abl'), { cwd: dir }).runs;
    const tracker = createTracker(path.join(dir, 'mlruns'));
    const exp = await tracker.getOrCreateExperiment('ablate');
    const acquired = Date.now() - 40_000;
    const run = await tracker.createRun({ experimentId: exp.experimentId, tags: { 'ablate.irHash': ir!.specHash, 'ablate.kind': 'run', 'ablate.run': 'tiny_v3' } });
    await tracker.setTags(run.runId, {
      [LEASE_TAGS.owner]: 'slurm:12_0:7', [LEASE_TAGS.node]: 'node3', [LEASE_TAGS.slurmJob]: '12_0',
      [LEASE_TAGS.acquired]: String(acquired), [LEASE_TAGS.heartbeat]: String(Date.now() + 120_000),
      [LEASE_TAGS.startStep]: '10', [LEASE_TAGS.step]: '30', [LEASE_TAGS.totalSteps]: '130',
    });
    const env = { ...process.env, MLFLOW_TRACKING_URI: path.join(dir, 'mlruns') };
    // The ETA depends on when status reads the clock: bound it by the rate before and after the call.
    const bounds = (before: number, after: number) => [((before - acquired) / 20) * 100 / 1000, ((after - acquired) / 20) * 100 / 1000];
    const t0 = Date.now();
    const json = spawnSync(process.execPath, [BIN, 'status', 'spec.abl', '--format', 'json'], { cwd: dir, env, encoding: 'utf8' });
    const [lo, hi] = bounds(t0, Date.now());
    expect(json.status, json.stderr).toBe(0);
    const [line] = JSON.parse(json.stdout) as Array<{ state: string; job: string; node: string; step: number; totalSteps: number; eta: number }>;
    expect(line).toMatchObject({ state: 'running', job: '12_0', node: 'node3', step: 30, totalSteps: 130 });
    expect(line!.eta).toBeGreaterThanOrEqual(lo!);
    expect(line!.eta).toBeLessThanOrEqual(hi!);

    const t1 = Date.now();
    const text = spawnSync(process.execPath, [BIN, 'status', 'spec.abl'], { cwd: dir, env, encoding: 'utf8' });
    const [lo2, hi2] = bounds(t1, Date.now());
    const m = /^running +tiny_v3 +job 12_0 on node3, step 30\/130, ETA (\d+) s$/m.exec(text.stdout);
    expect(m, text.stdout + text.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(Math.round(lo2!));
    expect(Number(m![1])).toBeLessThanOrEqual(Math.round(hi2!));
  });
});
