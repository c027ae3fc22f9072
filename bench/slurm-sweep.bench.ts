/**
 * Wall time of a 4-point tiny sweep (phantom, 2 steps per point) run two ways on this
 * machine: `ablate launch --slurm` (one 4-task array + the aggregate job, timed until both
 * left the queue) and `ablate reproduce --jobs 2`. Needs a cluster (scripts/slurm-up.sh).
 *
 *   node --import tsx bench/slurm-sweep.bench.ts [--repeats 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const env = { ...process.env, SLURM_CONF: process.env['SLURM_CONF'] ?? '/tmp/ablate-slurm/slurm.conf' };
const repeats = Number(process.argv[process.argv.indexOf('--repeats') + 1] ?? 3) || 3;

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 24 x 24 x 3, spacing: 1 x 1 x 2 mm, seed: 3 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 4, label_values: [1, 2, 3, 4] }, mri { cases: 4, label_values: [1, 2, 3, 4] } }
}
experiment tiny_v3 {
  data tiny { modalities: [ct, mri], crop: 16 x 16, split { train: 50%, val: 0%, test: 50%, seed: 0 } }
  model {
    backbone swin_unet { patch: 2, embed: 4, depths: [1, 1, 1, 1], heads: [1, 1, 1, 1], window: 1 }
    joint: v3
    eam at decoder[1..3] { heads: 1 }
  }
  loss { icr: 0.1 { tau: 4 } }
  train { epochs: 1, steps_per_epoch: 2, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}
sweep tau from tiny_v3 { loss.icr.tau in [1, 2, 3, 5] }
figure fig "tau" { sweep: tau, x: loss.icr.tau, y: dice.mean }
`;

function fresh(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ablate-bench-slurm-'));
  writeFileSync(path.join(dir, 'spec.abl'), SPEC);
  return dir;
}

function viaSlurm(): number {
  const dir = fresh();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'launch', 'spec.abl', '--slurm', '--shared-fs'], { cwd: dir, env, encoding: 'utf8' });
  const m = /array job (\d+) .*aggregate job (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`launch failed: ${r.stdout}${r.stderr}`);
  while (execFileSync('squeue', ['-h', '-j', `${m[1]},${m[2]}`, '-o', '%i'], { env, encoding: 'utf8' }).trim() !== '') spawnSync('sleep', ['0.2']);
  return (performance.now() - t0) / 1000;
}

function viaReproduce(): number {
  const dir = fresh();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'reproduce', 'spec.abl', '--jobs', '2', '--quiet'], { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`reproduce failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const slurm: number[] = [];
const local: number[] = [];
for (let i = 0; i < repeats; i++) {
  slurm.push(viaSlurm());
  local.push(viaReproduce());
}
console.log(`4-point tiny sweep, launch --slurm (array + aggregate): median ${median(slurm).toFixed(1)} s  [${slurm.map((s) => s.toFixed(1)).join(', ')}]`);
console.log(`4-point tiny sweep, reproduce --jobs 2:                 median ${median(local).toFixed(1)} s  [${local.map((s) => s.toFixed(1)).join(', ')}]`);
console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
