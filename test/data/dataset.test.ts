import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { NiftiError, writeNifti, type Volume } from '../../runtime/data/nifti.ts';
import { labelValuesToClasses, listCases, listModalityCases, loadCase, resolveDataset, type ModalitySource } from '../../runtime/data/dataset.ts';

const root = mkdtempSync(join(tmpdir(), 'ablate-dataset-'));

function vol(data: Int16Array | Uint8Array | Float32Array, dims: [number, number, number], spacing: [number, number, number] = [1, 1, 2], origin: [number, number, number] = [0, 0, 0]): Volume {
  return {
    data,
    dims,
    spacing,
    affine: [
      [spacing[0], 0, 0, origin[0]],
      [0, spacing[1], 0, origin[1]],
      [0, 0, spacing[2], origin[2]],
      [0, 0, 0, 1],
    ],
    datatype: data instanceof Int16Array ? 'int16' : data instanceof Uint8Array ? 'uint8' : 'float32',
  };
}

const DIMS: [number, number, number] = [4, 3, 2];
const image = () => vol(Int16Array.from({ length: 24 }, (_, i) => i * 10 - 50), DIMS);
/** MM-WHS label values: 205 LVM, 420 LAC, 500 LVC, 820 AA. */
const label = (values: number[] = [0, 205, 420, 500, 820]) => vol(Int16Array.from({ length: 24 }, (_, i) => values[i % values.length]!), DIMS);

async function makeDataset(name: string, files: { images: Record<string, Volume | Uint8Array>; labels: Record<string, Volume | Uint8Array> }): Promise<ModalitySource> {
  const dir = join(root, name);
  for (const role of ['images', 'labels'] as const) {
    mkdirSync(join(dir, role), { recursive: true });
    for (const [file, v] of Object.entries(files[role])) {
      if (v instanceof Uint8Array) writeFileSync(join(dir, role, file), v);
      else await writeNifti(join(dir, role, file), v);
    }
  }
  return { modality: 'ct', imagesDir: join(dir, 'images'), labelsDir: join(dir, 'labels'), classes: ['LVM', 'LAC', 'LVC', 'AA'], labelValues: [205, 420, 500, 820], spacing: null };
}

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('listing cases', () => {
  it('pairs images and labels by name (.nii and .nii.gz), sorted, ignoring other files', async () => {
    const src = await makeDataset('pairs', {
      images: { 'b.nii.gz': image(), 'a.nii': image(), 'notes.txt': new Uint8Array([1]) },
      labels: { 'a.nii.gz': label(), 'b.nii': label() },
    });
    const cases = await listModalityCases(src);
    expect(cases.map((c) => [c.id, c.image.split('/').slice(-1)[0], c.label.split('/').slice(-1)[0]])).toEqual([
      ['a', 'a.nii', 'a.nii.gz'],
      ['b', 'b.nii.gz', 'b.nii'],
    ]);
  });

  it('drops the usual _image / _label suffixes (MM-WHS naming)', async () => {
    const src = await makeDataset('mmwhs', {
      images: { 'ct_train_1001_image.nii.gz': image(), 'ct_train_1002_image.nii.gz': image() },
      labels: { 'ct_train_1001_label.nii.gz': label(), 'ct_train_1002_label.nii.gz': label() },
    });
    expect((await listModalityCases(src)).map((c) => c.id)).toEqual(['ct_train_1001', 'ct_train_1002']);
  });

  it('splits one shared folder into images and labels by suffix (MM-WHS layout)', async () => {
    const dir = join(root, 'shared', 'ct_train');
    mkdirSync(dir, { recursive: true });
    await writeNifti(join(dir, 'ct_train_1001_image.nii.gz'), image());
    await writeNifti(join(dir, 'ct_train_1001_label.nii.gz'), label());
    await writeNifti(join(dir, 'ct_train_1002_image.nii.gz'), image());
    const src: ModalitySource = { modality: 'ct', imagesDir: dir, labelsDir: dir, classes: ['LVM', 'LAC', 'LVC', 'AA'], labelValues: [205, 420, 500, 820], spacing: null };
    const e = (await thrown(listModalityCases(src))) as DataError;
    expect(e.code).toBe('unpaired-file');
    expect(e.subject).toBe(join(dir, 'ct_train_1002_image.nii.gz'));
    await writeNifti(join(dir, 'ct_train_1002_label.nii.gz'), label());
    const cases = await listModalityCases(src);
    expect(cases.map((c) => [c.id, c.image.endsWith('_image.nii.gz'), c.label.endsWith('_label.nii.gz')])).toEqual([
      ['ct_train_1001', true, true],
      ['ct_train_1002', true, true],
    ]);
  });

  it('names a missing folder, an empty folder and an unpaired file', async () => {
    const missing = await thrown(listModalityCases({ ...(await makeDataset('ok', { images: { 'a.nii': image() }, labels: { 'a.nii': label() } })), imagesDir: join(root, 'nowhere') }));
    expect(missing).toBeInstanceOf(DataError);
    expect((missing as DataError).code).toBe('missing-folder');
    expect(missing.message).toContain(join(root, 'nowhere'));
    expect(missing.message).toMatch(/hint:/);
    // Roots in an .abl file are relative to that file (compiler/emit-ir.ts), and the hint says so.
    expect(missing.message).toContain('a relative root is resolved against the folder of the file declaring the dataset, not the working directory');

    const empty = await makeDataset('empty', { images: { 'readme.md': new Uint8Array([35]) }, labels: {} });
    const e2 = (await thrown(listModalityCases(empty))) as DataError;
    expect(e2.code).toBe('empty-folder');
    expect(e2.subject).toBe(empty.imagesDir);
    expect(e2.message).toMatch(/holds no \.nii or \.nii\.gz file.*convert them to NIfTI/);

    const unpaired = await makeDataset('unpaired', { images: { 'a.nii': image(), 'b.nii': image() }, labels: { 'a.nii': label() } });
    const e3 = (await thrown(listModalityCases(unpaired))) as DataError;
    expect(e3.code).toBe('unpaired-file');
    expect(e3.subject).toBe(join(unpaired.imagesDir, 'b.nii'));
  });

  it('resolves a NIfTI dataset relative to the working directory', async () => {
    await makeDataset('rel/ct', { images: { 'x.nii': image() }, labels: { 'x.nii': label() } });
    const dataset: DatasetIR = {
      name: 'rel',
      title: null,
      source: { kind: 'nifti', root: 'rel' },
      classes: ['LVM', 'LAC', 'LVC', 'AA'],
      modalities: { ct: { images: 'ct/images', labels: 'ct/labels', labelValues: [205, 420, 500, 820], backgroundValues: [], spacing: null, cases: null } },
    };
    const sources = await resolveDataset(dataset, { cwd: root });
    expect(sources[0]!.imagesDir).toBe(join(root, 'rel', 'ct', 'images'));
    const cases = await listCases(dataset, { cwd: root });
    expect(Object.keys(cases)).toEqual(['ct']);
    expect(cases.ct!.map((c) => c.id)).toEqual(['x']);
  });
});

describe('loading a case', () => {
  it('maps declared label values to class indices and keeps the image as float32', async () => {
    const src = await makeDataset('load', { images: { 'a.nii.gz': image() }, labels: { 'a.nii.gz': label() } });
    const [ref] = await listModalityCases(src);
    const c = await loadCase(ref!, src);
    expect(c.image.data).toBeInstanceOf(Float32Array);
    expect(Array.from(c.image.data)).toEqual(Array.from({ length: 24 }, (_, i) => i * 10 - 50));
    expect(Array.from(c.label.data)).toEqual(Array.from({ length: 24 }, (_, i) => i % 5));
    expect(c.label.spacing).toEqual([1, 1, 2]);
  });

  it('applies a spacing override to both volumes, keeping the origin', async () => {
    const src = await makeDataset('override', { images: { 'a.nii': vol(new Float32Array(24), DIMS, [1, 1, 2], [5, 6, 7]) }, labels: { 'a.nii': vol(new Uint8Array(24), DIMS, [1, 1, 2], [5, 6, 7]) } });
    const [ref] = await listModalityCases(src);
    const c = await loadCase(ref!, { ...src, spacing: [0.5, 0.5, 3] });
    expect(c.image.spacing).toEqual([0.5, 0.5, 3]);
    expect(c.label.affine).toEqual([
      [0.5, 0, 0, 5],
      [0, 0.5, 0, 6],
      [0, 0, 3, 7],
      [0, 0, 0, 1],
    ]);
  });

  it('names the file and value of an undeclared label, unless it is declared as background', async () => {
    const src = await makeDataset('undeclared', { images: { 'a.nii': image() }, labels: { 'a.nii': label([0, 205, 550]) } });
    const [ref] = await listModalityCases(src);
    const e = (await thrown(loadCase(ref!, src))) as DataError;
    expect(e).toBeInstanceOf(DataError);
    expect(e.code).toBe('undeclared-label');
    expect(e.subject).toBe(ref!.label);
    expect(e.message).toContain('label value 550 at voxel (2, 0, 0)');
    expect(e.message).toContain('205 (LVM)');
    const ok = await loadCase(ref!, src, { backgroundValues: [550] });
    expect(Array.from(ok.label.data.slice(0, 6))).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('refuses non-integer label values', () => {
    expect(() => labelValuesToClasses([0, 1.5], [2, 1, 1], [1], 'lab.nii')).toThrowError(/lab\.nii: holds label value 1\.5/);
    expect(Array.from(labelValuesToClasses([0, 1.0000001, 2], [3, 1, 1], [2, 1], 'lab.nii'))).toEqual([0, 2, 1]);
  });

  it('names both files on a shape or affine mismatch', async () => {
    const shape = await makeDataset('shape', { images: { 'a.nii': image() }, labels: { 'a.nii': vol(new Uint8Array(24), [4, 2, 3]) } });
    const [r1] = await listModalityCases(shape);
    const e1 = (await thrown(loadCase(r1!, shape))) as NiftiError;
    expect(e1).toBeInstanceOf(NiftiError);
    expect(e1.code).toBe('grid-mismatch');
    expect(e1.message).toContain(r1!.label);
    expect(e1.message).toContain(r1!.image);
    expect(e1.message).toContain('shape 4×2×3 differs from 4×3×2');

    const affine = await makeDataset('affine', { images: { 'a.nii': image() }, labels: { 'a.nii': vol(new Uint8Array(24), DIMS, [1, 1, 2], [0, 0, 10]) } });
    const [r2] = await listModalityCases(affine);
    const e2 = (await thrown(loadCase(r2!, affine))) as NiftiError;
    expect(e2.code).toBe('grid-mismatch');
    expect(e2.message).toContain(r2!.label);
    expect(e2.message).toContain(r2!.image);
    expect(e2.message).toMatch(/affine/);
  });

  it('names a truncated NIfTI file', async () => {
    const src = await makeDataset('truncated', { images: { 'a.nii': image() }, labels: { 'a.nii': label() } });
    const full = readFileSync(join(src.imagesDir, 'a.nii'));
    writeFileSync(join(src.imagesDir, 'a.nii'), full.subarray(0, full.length - 10));
    const [ref] = await listModalityCases(src);
    const e = (await thrown(loadCase(ref!, src))) as NiftiError;
    expect(e).toBeInstanceOf(NiftiError);
    expect(e.code).toBe('truncated');
    expect(e.file).toBe(ref!.image);
  });
});
