/**
 * `ablate check` throughput. Generates 1,000 experiment files (each importing a shared
 * datasets file and declaring one experiment that extends a base, with a small sweep
 * every tenth file) in a temporary folder, times `checkFiles` over them (median of 3,
 * files/s), then times `ablate check experiments/` as a subprocess (median of 3 wall
 * times, including Node + tsx start-up) next to `ablate --help` (start-up alone).
 *
 *   node --import tsx bench/check.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFiles } from '../compiler/compile.ts';

const FILES = 1000;
const REPEATS = 3;
const root = new URL('..', import.meta.url).pathname;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function generate(dir: string): void {
  writeFileSync(
    join(dir, 'datasets.abl'),
    `dataset phantom "Phantom" {
  source: phantom { anatomy: cardiac, size: 64 x 64 x 8, spacing: 1 x 1 x 2 mm, seed: 1 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 10 }, mri { cases: 10 } }
}
`,
  );
  writeFileSync(
    join(dir, 'base.abl'),
    `import "datasets.abl"

experiment base {
  data phantom {
    modalities: [ct, mri]
    crop: 64 x 64
    intensity { clip_top: 1%, normalize: zscore }
    split { train: 60%, val: 20%, test: 20%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 16, depths: [2, 2, 2, 2], heads: [1, 2, 4, 8], window: 4 }
    joint: v3
    eam at decoder[1..3] { heads: 2 }
  }
  loss { seg: 0.4 * ce + 0.6 * dice, aux: 0.4 * (ce + dice), mcr: 0.1, icr: 0.1 { tau: 4 } }
  train { epochs: 2, batch: 2, optimizer: adamw { lr: 1e-3 }, schedule: cosine(1) }
  eval { metrics: [dice, asd] }
}
`,
  );
  for (let i = 0; i < FILES - 2; i++) {
    const sweep = i % 10 === 0 ? `\nsweep sweep_${i} from exp_${i} {\n  loss.icr.tau in 1..4\n}\n` : '';
    writeFileSync(
      join(dir, `exp_${String(i).padStart(4, '0')}.abl`),
      `import "base.abl"

// generated experiment ${i}
experiment exp_${i} extends base {
  loss.mcr: ${(i % 5) / 10}
  train { epochs: ${1 + (i % 7)}, seed: ${i} }
  model.eam.heads: ${[1, 2, 4][i % 3]}
}
${sweep}`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ablate-bench-check-'));
try {
  generate(dir);
  const times: number[] = [];
  const cpu: number[] = [];
  let diagnostics = -1;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const result = checkFiles([dir]);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    times.push(performance.now() - start);
    diagnostics = result.diagnostics.length;
  }
  const ms = median(times);
  console.log(
    `checkFiles over ${FILES} generated files: median ${ms.toFixed(0)} ms wall, ${median(cpu).toFixed(0)} ms CPU ` +
      `(${((FILES / ms) * 1000).toFixed(0)} files/s wall, ${((FILES / median(cpu)) * 1000).toFixed(0)} files/s CPU; runs ${times.map((t) => t.toFixed(0)).join(', ')} ms; ${diagnostics} diagnostics)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function wall(args: string[]): number {
  const walls: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, [join(root, 'cli/bin.js'), ...args], { cwd: root, encoding: 'utf8' });
    walls.push(performance.now() - start);
    if (child.status !== 0 && args[0] !== '--help') console.log(`  (exit ${child.status}: ${child.stderr.trim().split('\n').at(-1)})`);
  }
  return median(walls);
}

const checkWall = wall(['check', 'experiments/']);
const startup = wall(['--help']);
const inProcess: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  const start = performance.now();
  checkFiles([join(root, 'experiments')]);
  inProcess.push(performance.now() - start);
}
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores (wall times grow with it)`);
console.log(`ablate check experiments/ (subprocess): median wall ${checkWall.toFixed(0)} ms; of which start-up (ablate --help) ${startup.toFixed(0)} ms`);
console.log(`checkFiles(experiments/) in-process: median ${median(inProcess).toFixed(0)} ms`);
