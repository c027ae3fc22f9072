import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModality } from '../../runtime/data/check-dataset.ts';
import { writeNifti, type Volume } from '../../runtime/data/nifti.ts';

const vol = (data: Uint8Array | Int16Array, dims: [number, number, number] = [3, 2, 2]): Volume => ({
  data,
  dims,
  spacing: [1, 1, 2],
  affine: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 2, 0],
    [0, 0, 0, 1],
  ],
  datatype: data instanceof Uint8Array ? 'uint8' : 'int16',
});

async function folder(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ablate-check-')), 'ct_train');
  mkdirSync(dir, { recursive: true });
  const img = vol(new Int16Array(12).fill(7));
  await writeNifti(join(dir, 'a_image.nii.gz'), img);
  await writeNifti(join(dir, 'a_label.nii.gz'), vol(Int16Array.from([0, 205, 205, 500, 0, 0, 0, 0, 0, 0, 0, 0])));
  await writeNifti(join(dir, 'b_image.nii.gz'), img);
  await writeNifti(join(dir, 'b_label.nii.gz'), vol(Int16Array.from([0, 205, 550, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
  await writeNifti(join(dir, 'c_image.nii'), img);
  writeFileSync(join(dir, 'c_image.nii'), readFileSync(join(dir, 'c_image.nii')).subarray(0, 360));
  await writeNifti(join(dir, 'c_label.nii.gz'), vol(new Uint8Array(12)));
  await writeNifti(join(dir, 'd_image.nii.gz'), img);
  await writeNifti(join(dir, 'd_label.nii.gz'), vol(new Uint8Array(6), [3, 2, 1]));
  return dir;
}

describe('dataset check', () => {
  it('collects every per-case problem, each naming its file', async () => {
    const dir = await folder();
    const r = await checkModality({ modality: 'ct', imagesDir: dir, labelsDir: dir, classes: ['LVM', 'LVC'], labelValues: [205, 500], spacing: null });
    expect(r.cases).toEqual([{ id: 'a', dims: [3, 2, 2], spacing: [1, 1, 2], classVoxels: [9, 2, 1] }]);
    expect(r.errors.map((e) => [e.code, e.message.split(':')[0]])).toEqual([
      ['undeclared-label', join(dir, 'b_label.nii.gz')],
      ['truncated', join(dir, 'c_image.nii')],
      ['grid-mismatch', join(dir, 'd_label.nii.gz')],
    ]);
    const lenient = await checkModality({ modality: 'ct', imagesDir: dir, labelsDir: dir, classes: ['LVM', 'LVC'], labelValues: [205, 500], spacing: null }, { backgroundValues: [550] });
    expect(lenient.cases.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('stops at a folder-level problem', async () => {
    const r = await checkModality({ modality: 'ct', imagesDir: '/nonexistent/images', labelsDir: '/nonexistent/labels', classes: ['A'], labelValues: [1], spacing: null });
    expect(r.cases).toEqual([]);
    expect(r.errors.map((e) => e.code)).toEqual(['missing-folder']);
  });

  it('ablate data check prints the report and exits 1 on problems', async () => {
    const dir = await folder();
    const bin = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
    const r = spawnSync(process.execPath, [bin, 'data', 'check', '--images', dir, '--values', '205,500', '--classes', 'LVM,LVC', '--background', '550'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('ok   a  3×2×2 @ 1×1×2 mm  LVM=2 LVC=1');
    expect(r.stdout).toContain(`FAIL ${join(dir, 'c_image.nii')}: has`);
    expect(r.stdout).toContain('2 case(s) readable, 2 problem(s)');
  });
});
