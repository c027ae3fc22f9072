/** Done-means of issue 13: a CHAOS download (phantom, real DICOM + PNG) imported with the CLI, then trained on with `ablate run`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
const SPEC = `
dataset chaos "CHAOS T2-SPIR (imported)" {
  source: nifti { root: "data/chaos" }
  classes: [Liver, Spleen, RKdy, LKdy]
  modalities { mri { images: "mri/images", labels: "mri/labels", label_values: [63, 252, 126, 189] } }
}
experiment tiny_abdominal {
  data chaos {
    modalities: [mri]
    crop: 16 x 16
    split { train: 60%, val: 0%, test: 40%, seed: 0 }
  }
  model { backbone swin_unet { patch: 2, embed: 4, depths: [1, 1, 1, 1], heads: [1, 1, 1, 1], window: 1 } }
  train { epochs: 1, steps_per_epoch: 1, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}
`;

const ablate = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

describe('ablate data import chaos, then ablate run; and the download as a dataset source (end to end, tiny, cpu)', () => {
  it('imports the DICOM + PNG download and trains and evaluates on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-chaos-e2e-'));
    expect(ablate(dir, 'data', 'phantom', '--layout', 'chaos', '--cases', '5', '--size', '32x32x4', '--out', 'download', '--quiet').status).toBe(0);
    const imported = ablate(dir, 'data', 'import', 'chaos', 'download', '--out', 'data/chaos');
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/imported CHAOS 2019 T2-SPIR MRI \(Kavur et al\., 2021\) \(mri: 5 cases/);
    const manifest = JSON.parse(readFileSync(join(dir, 'data', 'chaos', 'manifest.json'), 'utf8'));
    expect(manifest.modalities.mri.cases.map((c: { id: string }) => c.id)).toEqual(['1', '3', '5', '7', '9']);
    const check = ablate(dir, 'data', 'check', 'data/chaos');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('5 case(s) readable, 0 problem(s)');
    writeFileSync(join(dir, 'tiny.abl'), SPEC);
    const run = ablate(dir, 'run', 'tiny.abl', '--backend', 'cpu', '--workers', '1', '--quiet');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain('tiny_abdominal: preprocessed 5 case(s)');
    expect(run.stdout).toMatch(/\| MRI \| Dice \(%\) \|.*\| 2 \|/);
    // The download as a dataset source: imported into the cache on first use, the same data.
    writeFileSync(join(dir, 'source.abl'), SPEC.replace('source: nifti { root: "data/chaos" }', 'source: chaos { root: "download" }').replace('mri { images: "mri/images", labels: "mri/labels", label_values', 'mri { label_values').replace('experiment tiny_abdominal', 'experiment from_source'));
    const fromSource = ablate(dir, 'run', 'source.abl', '--backend', 'cpu', '--workers', '1', '--quiet');
    expect(fromSource.status, fromSource.stderr).toBe(0);
    const row = (out: string) => out.split('\n').find((l) => l.startsWith('| MRI | Dice'));
    expect(row(fromSource.stdout)).toBe(row(run.stdout));
  }, 150_000);
});
