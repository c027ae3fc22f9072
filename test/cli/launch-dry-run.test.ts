/**
 * What `ablate launch --slurm` submits, and why, without a cluster (`--dry-run`, and the
 * hidden `slurm-task` a batch script runs, on a job folder written here), on a tiny NIfTI
 * dataset and a real FileStore:
 * - runs trained by `executeRuns` (what `run` / `reproduce` do) are recognised by the same
 *   identity: finished → left out; made by another ablate version → left out as stale, or
 *   submitted with `--rerun-stale`; leased (a Slurm task on node7) → left out, naming it;
 *   never run → submitted. After one voxel of a case file changes, the finished run is
 *   submitted again, "data changed", with the old and new data hashes (the new one computed
 *   here from the files' bytes);
 * - a task's run is tagged with the plan's `-s` overrides.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { executeRuns } from '../../cli/run-session.ts';
import type { JobPlan } from '../../runtime/cluster/job-plan.ts';
import { readNifti, writeNifti } from '../../runtime/data/nifti.ts';
import { LEASE_TAGS } from '../../runtime/tracking/lease.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { expectedDataHash, SPEC, tinyNifti } from '../run/tiny-nifti-run.ts';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

// The tiny dataset and experiment, and three more runs of it.
const LAUNCH_SPEC = `${SPEC.slice(0, SPEC.indexOf('table tiny_table'))}
experiment old extends tiny { train.seed: 8 }
experiment busy extends tiny { train.seed: 9 }
experiment fresh extends tiny { train.seed: 10 }
`;

function ablate(dir: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_URI: path.join(dir, 'mlruns'), ABLATE_LEASE_SETTLE_MS: '100' },
  });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

const dryRun = (dir: string, extra: string[] = []) => ablate(dir, ['launch', 'launch.abl', '--slurm', '--shared-fs', '--dry-run', '--cache', 'cache', ...extra]);
/** The `task → run` table of a dry run: run names in task order. */
const tasks = (out: string) => [...out.slice(out.indexOf('# task → run')).matchAll(/^\s+\d+ {2}(\w+) {2}[0-9a-f]{12}$/gm)].map((m) => m[1]);

describe('launch decides by run identity', () => {
  it('dry run: finished, stale (--rerun-stale submits it), leased, not started; after a voxel changes, data changed', async () => {
    const t = await tinyNifti();
    const file = path.join(t.dir, 'launch.abl');
    writeFileSync(file, LAUNCH_SPEC);
    const compiled = compileFile(file, { cwd: t.dir });
    expect(compiled.diagnostics).toEqual([]);
    const tracker = createTracker(path.join(t.dir, 'mlruns'));
    const byName = (n: string) => compiled.runs.find((r) => r.name === n)!;
    const [done, old, busy] = await executeRuns([byName('tiny'), byName('old'), byName('busy')], t.context(tracker));
    await tracker.setTags(old!.runId, { 'ablate.version': '0.0.1-old' });
    // A Slurm task on node7 is training `busy` now.
    await tracker.updateRun(busy!.runId, { status: 'RUNNING', endTime: null });
    await tracker.setTags(busy!.runId, { [LEASE_TAGS.owner]: 'slurm:5_0:1', [LEASE_TAGS.node]: 'node7', [LEASE_TAGS.heartbeat]: String(Date.now() + 60_000), [LEASE_TAGS.step]: '3' });

    const dry = dryRun(t.dir);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(`  leave out  tiny: finished (run ${done!.runId})\n`);
    expect(dry.out).toContain(`  leave out  old: stale: made by ablate 0.0.1-old (this is ${VERSION}); reused (run ${old!.runId}; --rerun-stale retrains it)\n`);
    expect(dry.out).toContain(`  leave out  busy: leased by slurm:5_0:1 on node7 (run ${busy!.runId}, step 3)\n`);
    expect(dry.out).toContain('  submit     fresh: not started\n');
    expect(tasks(dry.out)).toEqual(['fresh']);
    expect(dry.out).toContain('#SBATCH --array=0-0');

    const rerun = dryRun(t.dir, ['--rerun-stale']);
    expect(rerun.out).toContain(`  submit     old: stale: made by ablate 0.0.1-old (this is ${VERSION}); --rerun-stale retrains it (run ${old!.runId})\n`);
    expect(tasks(rerun.out)).toEqual(['old', 'fresh']);

    // One voxel of a test case's image, rewritten in place (size kept, mtime moves).
    const split = JSON.parse(Buffer.from(await tracker.readArtifact(done!.runId, 'split.json')).toString('utf8')) as Parameters<typeof expectedDataHash>[1];
    const image = path.join(t.dir, 'data', 'ct', 'images', `${split.modalities['ct']!.test[0]}.nii.gz`);
    const volume = await readNifti(image);
    volume.data[0] = Number(volume.data[0]) + 1;
    await writeNifti(image, volume);
    const before = (await tracker.getRun(done!.runId)).data.tags['ablate.data.hash']!;
    const now = expectedDataHash(path.join(t.dir, 'data'), split);
    expect(now).not.toBe(before);
    const changed = dryRun(t.dir);
    expect(changed.out).toContain(`  submit     tiny: data changed: finished run ${done!.runId} read data ${before.slice(0, 12)}, now ${now.slice(0, 12)}\n`);
    expect(tasks(changed.out)).toEqual(['tiny', 'old', 'busy', 'fresh']);
    await tracker.close();
  }, 240_000);

  it('a task tags its run with the -s overrides the plan was compiled with', async () => {
    const t = await tinyNifti();
    const overrides = ['train.seed=11'];
    const compiled = compileFile(t.file, { cwd: t.dir, overrides, only: 'tiny' });
    const ir = compiled.runs.find((r) => r.name === 'tiny')!;
    expect(ir.train.seed).toBe(11);
    // A job folder as `launch` writes it (runtime/cluster/job-plan.ts).
    const jobDir = path.join(t.dir, '.ablate-jobs', 'job');
    mkdirSync(path.join(jobDir, 'runs'), { recursive: true });
    mkdirSync(path.join(jobDir, 'sources'), { recursive: true });
    writeFileSync(path.join(jobDir, 'runs', '0.json'), JSON.stringify(ir));
    writeFileSync(path.join(jobDir, 'sources', 'tiny.abl'), SPEC);
    const plan: JobPlan = {
      format: 'ablate-job', version: 1, file: 'tiny.abl', cwd: t.dir, trackingUri: path.join(t.dir, 'mlruns'), experimentName: 'ablate',
      cache: path.join(t.dir, 'cache'), outDir: path.join(t.dir, 'reports'), backend: 'cpu', overrides, rerunStale: false,
      launchRunId: '', tasks: [{ name: 'tiny', irHash: ir.specHash, irFile: 'runs/0.json' }], groups: [], tables: [], figures: [],
    };
    writeFileSync(path.join(jobDir, 'plan.json'), JSON.stringify(plan));
    const r = ablate(t.dir, ['slurm-task', jobDir, '0']);
    expect(r.code, r.out).toBe(0);
    const tracker = createTracker(path.join(t.dir, 'mlruns'));
    const exp = (await tracker.getExperimentByName('ablate'))!;
    const [run] = await tracker.searchRuns({ experimentIds: [exp.experimentId], filter: `tags.\`ablate.irHash\` = '${ir.specHash}'` });
    expect(run!.info.status).toBe('FINISHED');
    expect(JSON.parse(run!.data.tags['ablate.overrides']!)).toEqual(overrides);
    expect(run!.data.params['train.seed']).toBe('11');
    await tracker.close();
  }, 240_000);
});
