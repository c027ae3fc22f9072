import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { DataIR, DatasetIR } from '../../schemas/run-ir.schema.ts';
import { registerDataCommand } from '../../cli/commands/data.ts';
import { readNifti } from '../../runtime/data/nifti.ts';
import { prepareData } from '../../runtime/data/prepare-data.ts';
import { splitHash } from '../../runtime/data/split.ts';

const DATASET: DatasetIR = {
  name: 'mini_heart',
  title: null,
  source: { kind: 'phantom', anatomy: 'cardiac', size: [32, 32, 6], spacing: [3, 3, 8], seed: 4 },
  classes: ['LVM', 'LAC', 'LVC', 'AA'],
  modalities: {
    ct: { images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 5 },
    mri: { images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 5 },
  },
};
const DATA: DataIR = {
  modalities: ['ct', 'mri'],
  dims: 2,
  sliceAxis: 'axial',
  slices: 3,
  crop: [24, 24],
  cropAt: 'label',
  spacing: [4, 4, 8],
  intensity: { clipTop: 0.02, normalize: 'zscore' },
  split: { train: 0.6, val: 0.2, test: 0.2, seed: 0, annotated: { mri: 1 } },
  sample: null,
};

describe('prepareData', () => {
  it('generates the phantom, splits, preprocesses once and reads the cache the second time', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ablate-prepare-'));
    const runDir = mkdtempSync(join(tmpdir(), 'ablate-run-'));
    const seen: string[] = [];
    const first = await prepareData(DATASET, DATA, { cwd, runDir, onCase: (m, id) => seen.push(`${m}/${id}`) });
    // 5 cases: test 1, val 1, train 3; MRI few-shot keeps 1 training case.
    expect(first.split.modalities.ct!.train.length).toBe(3);
    expect(first.split.modalities.mri!.train.length).toBe(1);
    expect(first.modalities.mri!.train.length).toBe(1);
    expect(first.preprocessed).toBe(8);
    expect(first.cached).toBe(0);
    expect(seen.length).toBe(8);
    expect(first.splitHash).toBe(splitHash(first.split));
    expect(JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8'))).toEqual(first.split);
    const c = first.modalities.ct!.test[0]!;
    expect(c.dims.slice(0, 2)).toEqual([24, 24]);
    expect(c.label.some((v) => v > 0)).toBe(true);
    expect(readdirSync(join(cwd, '.ablate-cache')).sort()).toEqual(['phantom', 'preprocessed']);

    const second = await prepareData(DATASET, DATA, { cwd });
    expect(second.preprocessed).toBe(0);
    expect(second.cached).toBe(8);
    expect(second.modalities.ct!.test[0]).toEqual(c);
  });

  it("reads a dataset's background_values as background, and refuses the same label value without them", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ablate-prepare-'));
    await prepareData(DATASET, { ...DATA, modalities: ['ct'], split: { ...DATA.split, annotated: {} } }, { cwd });
    const [hash] = readdirSync(join(cwd, '.ablate-cache', 'phantom')).filter((d) => !d.startsWith('.'));
    // The same files as a NIfTI dataset that segments three classes; label 4 (AA) is not one of them.
    const threeClasses = (backgroundValues: number[]): DatasetIR => ({
      name: 'three', title: null,
      source: { kind: 'nifti', root: join('.ablate-cache', 'phantom', hash!) },
      classes: ['LVM', 'LAC', 'LVC'],
      modalities: { ct: { images: 'ct/images', labels: 'ct/labels', labelValues: [1, 2, 3], backgroundValues, spacing: null, cases: null } },
    });
    const data: DataIR = { ...DATA, modalities: ['ct'], split: { ...DATA.split, annotated: {} } };
    await expect(prepareData(threeClasses([]), data, { cwd })).rejects.toThrow(/label value 4/);
    const ok = await prepareData(threeClasses([4]), data, { cwd });
    const labels = ok.modalities.ct!.train.flatMap((c) => [...new Set(c.label)]);
    expect(Math.max(...labels)).toBe(3);
  });

  it('reports an unknown case in a given split and an untrained modality before loading anything', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ablate-prepare-'));
    const split = { version: 1 as const, seed: 0, sampleSeed: null, shuffleSeed: 'given', modalities: { ct: { train: ['case_000', 'case_007'], val: ['case_001'], test: ['case_002'], notAnnotated: [], notSampled: [] } } };
    await expect(prepareData(DATASET, { ...DATA, modalities: ['ct'], split: { ...DATA.split, annotated: {} } }, { cwd, split })).rejects.toThrowError(/^ct\/case_007: is listed in the train split but the dataset has no such case/);
    expect(existsSync(join(cwd, '.ablate-cache', 'preprocessed'))).toBe(false);
    await expect(prepareData(DATASET, { ...DATA, modalities: ['ct', 'pet'] }, { cwd })).rejects.toThrowError(/modality pet: is trained but dataset mini_heart does not declare it/);
  });
});

describe('ablate data phantom', () => {
  it('writes images, labels and a manifest', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ablate-cli-')), 'heart');
    const program = new Command('ablate').exitOverride();
    registerDataCommand(program);
    await program.parseAsync(['data', 'phantom', '--anatomy', 'abdominal', '--cases', '2', '--size', '24x20x4', '--modalities', 'ct,t2', '--seed', '3', '--out', out, '--quiet'], { from: 'user' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.classes).toEqual(['liver', 'R_kidney', 'L_kidney', 'spleen']);
    expect(Object.keys(manifest.modalities)).toEqual(['ct', 't2']);
    expect(manifest.modalities.t2.appearance).toBe('mri');
    expect(readdirSync(join(out, 't2', 'labels')).sort()).toEqual(['case_000.nii.gz', 'case_001.nii.gz']);
    const img = await readNifti(join(out, 'ct', 'images', 'case_001.nii.gz'));
    expect(img.dims).toEqual([24, 20, 4]);
    expect(img.datatype).toBe('int16');
  });

  it('rejects a malformed size', async () => {
    const program = new Command('ablate').exitOverride().configureOutput({ writeErr: () => {} });
    registerDataCommand(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }).commands.forEach((d) => d.exitOverride().configureOutput({ writeErr: () => {} })));
    await expect(program.parseAsync(['data', 'phantom', '--anatomy', 'cardiac', '--size', '3x3', '--out', 'x'], { from: 'user' })).rejects.toThrowError(/--size must be three positive integers like 96x96x24/);
  });
});
