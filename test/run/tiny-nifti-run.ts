/**
 * A tiny experiment on a NIfTI dataset in a temp folder (phantom cases written as plain
 * NIfTI files, so the data are "real" files whose bytes a test can change), with a table,
 * and the RunContext the CLI would build (this ablate's version and git state). One
 * training step: what the provenance and identity tests need, in seconds on the cpu backend.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileFile, type CompileResult } from '../../compiler/compile.ts';
import { initBackend, type BackendInfo } from '../../runtime/backend/select-backend.ts';
import { generatePhantom } from '../../runtime/data/phantom/generate.ts';
import { ablateCode, sourceGit } from '../../runtime/run/code-provenance.ts';
import type { RunContext } from '../../runtime/run/execute-run.ts';
import { silentProgress } from '../../runtime/run/progress-sink.ts';
import type { Tracker } from '../../runtime/tracking/tracker.ts';

export const SPEC = `
dataset files "tiny NIfTI folder" {
  source: nifti { root: "data" }
  classes: [LVM, LAC, LVC, AA]
  modalities {
    ct { images: "ct/images", labels: "ct/labels", label_values: [1, 2, 3, 4] }
    mri { images: "mri/images", labels: "mri/labels", label_values: [1, 2, 3, 4] }
  }
}

experiment tiny {
  data files {
    modalities: [ct, mri]
    slices: 1
    crop: 16 x 16
    split { train: 50%, val: 25%, test: 25%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 8, depths: [1, 1, 1, 1], heads: [1, 1, 2, 2], window: 2 }
    joint: separate
  }
  loss { seg: 0.5 * ce + 0.5 * dice }
  train { epochs: 1, steps_per_epoch: 1, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}

table tiny_table "A tiny table" {
  rows { "Tiny": tiny }
  columns { metrics: [dice], modalities: [ct, mri], mean: true }
  tolerance { dice: 100 }
  paper { "Tiny" { ct { dice { LVM: 90.0 ± 1.0 } } } }
}
`;

export interface TinyNifti {
  dir: string;
  file: string;
  compiled: CompileResult;
  backend: BackendInfo;
  context(tracker: Tracker, overrides?: Partial<RunContext>): RunContext;
}

export async function tinyNifti(): Promise<TinyNifti> {
  const backend = await initBackend('cpu');
  const dir = await mkdtemp(path.join(tmpdir(), 'ablate-prov-'));
  await generatePhantom({
    anatomy: 'cardiac', size: [24, 24, 4], spacing: [1, 1, 2], seed: 5, classes: ['LVM', 'LAC', 'LVC', 'AA'],
    modalities: [{ name: 'ct', cases: 4, labelValues: [1, 2, 3, 4] }, { name: 'mri', cases: 4, labelValues: [1, 2, 3, 4] }],
  }, path.join(dir, 'data'));
  const file = path.join(dir, 'tiny.abl');
  await writeFile(file, SPEC);
  const compiled = compileFile(file, { cwd: dir });
  if (compiled.diagnostics.length) throw new Error(JSON.stringify(compiled.diagnostics));
  const code = ablateCode();
  return {
    dir, file, compiled, backend,
    context: (tracker, overrides = {}) => ({
      tracker, experimentName: 'ablate', backend, cwd: dir,
      cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', 'runs'),
      force: false, progress: silentProgress(), source: { file, text: SPEC },
      version: code.version, ablateGit: code.git, sourceGit: sourceGit(file), overrides: [],
      ...overrides,
    }),
  };
}

/**
 * The data hash as data-hash.ts documents it, computed here from the split and the files:
 * sha256 of the JSON list of [modality, case id, sha256(image bytes), sha256(label bytes)],
 * modalities sorted, each modality's train+val+test ids sorted.
 */
export function expectedDataHash(dataDir: string, split: { modalities: Record<string, { train: string[]; val: string[]; test: string[] }> }): string {
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  const entries: string[][] = [];
  for (const m of Object.keys(split.modalities).sort()) {
    const p = split.modalities[m]!;
    for (const id of [...p.train, ...p.val, ...p.test].sort()) {
      entries.push([m, id, sha(path.join(dataDir, m, 'images', `${id}.nii.gz`)), sha(path.join(dataDir, m, 'labels', `${id}.nii.gz`))]);
    }
  }
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}
