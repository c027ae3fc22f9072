/**
 * `ablate reproduce --jobs 2` splits a sweep (repeated once, pooled) point by point: each of
 * its 3 runs trains in a process of its own, under the one repeat parent this process opened,
 * and the parent is finished with the pooled results afterwards — with the same metrics and
 * the same pooled results as `--jobs 1`, which runs everything in one process. Tiny phantom
 * runs (2 steps), wasm with one thread per process, separate tracking stores.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { tinyV3Spec } from './tiny-spec.ts';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

const SPEC = `${tinyV3Spec()}sweep pts from tiny_v3 { train.seed in [1, 2, 3] }
repeat pts_r from pts { times: 1, pool: true }
figure fig "seed" { sweep: pts_r, x: train.seed, y: dice.mean }
`;

function reproduce(jobs: number): Promise<{ dir: string; code: number; out: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), `ablate-jobs${jobs}-`));
  writeFileSync(path.join(dir, 'spec.abl'), SPEC);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'reproduce', 'spec.abl', '--jobs', String(jobs), '--backend', 'wasm', '--workers', '1', '--quiet'], { cwd: dir });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ dir, code: code ?? 1, out }));
  });
}

/** The repeat parent, its children by name with their test metrics, and its pooled artifacts. */
async function store(dir: string) {
  const tracker = createTracker(path.join(dir, 'mlruns'));
  const exp = (await tracker.getExperimentByName('ablate'))!;
  const runs = await tracker.searchRuns({ experimentIds: [exp.experimentId] });
  const reproduceRun = runs.find((r) => r.data.tags['ablate.kind'] === 'reproduce')!;
  const parents = runs.filter((r) => r.data.tags['ablate.kind'] === 'repeat');
  const parent = parents[0]!;
  const children = runs.filter((r) => r.data.tags['mlflow.parentRunId'] === parent.info.runId);
  const metrics = Object.fromEntries(
    children.map((c) => [c.data.tags['ablate.run'], Object.fromEntries(c.data.metrics.filter((m) => m.key.startsWith('test.')).map((m) => [m.key, m.value]))]),
  );
  const pooled: Record<string, unknown> = {};
  for (const label of ['train.seed=1', 'train.seed=2', 'train.seed=3']) {
    const json = JSON.parse(new TextDecoder().decode(await tracker.readArtifact(parent.info.runId, `results/${label}.json`))) as { cases: unknown[] };
    pooled[label] = json.cases;
  }
  return { reproduceRun, parents, parent, children, metrics, pooled };
}

describe('reproduce --jobs splits sweeps and repeats point by point', () => {
  it('3 points: 3 processes, one parent finished after them with the pooled results; the same metrics as --jobs 1', async () => {
    const [one, two] = [await reproduce(1), await reproduce(2)];
    expect(one.code, one.out).toBe(0);
    expect(two.code, two.out).toBe(0);
    const pids = [...two.out.matchAll(/reproduce: process (\d+) runs (\S+)/g)].map((m) => [m[1], m[2]]);
    expect(pids.map((p) => p[1]).sort()).toEqual(['pts_r[train.seed=1]#0', 'pts_r[train.seed=2]#0', 'pts_r[train.seed=3]#0']);
    expect(new Set(pids.map((p) => p[0])).size).toBe(3);
    expect(one.out).not.toContain('reproduce: process');

    const [a, b] = [await store(one.dir), await store(two.dir)];
    for (const s of [a, b]) {
      expect(s.parents).toHaveLength(1); // one parent, not one per process
      expect(s.parent.info.status).toBe('FINISHED');
      expect(s.parent.data.tags['mlflow.parentRunId']).toBe(s.reproduceRun.info.runId);
      expect(s.children.map((c) => c.info.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
    }
    expect(Object.keys(b.metrics).sort()).toEqual(['pts_r[train.seed=1]#0', 'pts_r[train.seed=2]#0', 'pts_r[train.seed=3]#0']);
    expect(Object.keys(b.metrics['pts_r[train.seed=1]#0']!)).toContain('test.dice.overall');
    expect(b.metrics).toEqual(a.metrics);
    expect(b.pooled).toEqual(a.pooled);
  });
});
