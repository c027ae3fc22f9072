import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModality } from '../../runtime/data/check-dataset.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { listModalityCases, loadCase } from '../../runtime/data/dataset.ts';
import { writeNifti, type Volume } from '../../runtime/data/nifti.ts';

const grid = { dims: [3, 2, 2] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] };

describe('NaN / Inf image voxels are an error naming the case and file (not replaced as padding)', () => {
  it('loadCase refuses them; data check lists them with the other cases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-nan-'));
    mkdirSync(join(dir, 'images'));
    mkdirSync(join(dir, 'labels'));
    const image = (bad: number[]): Volume => {
      const data = new Float32Array(12).fill(3);
      for (const i of bad) data[i] = i % 2 ? -Infinity : NaN;
      return { ...grid, data, datatype: 'float32' };
    };
    await writeNifti(join(dir, 'images', 'a.nii.gz'), image([]));
    await writeNifti(join(dir, 'images', 'b.nii.gz'), image([4, 7]));
    for (const id of ['a', 'b']) await writeNifti(join(dir, 'labels', `${id}.nii.gz`), { ...grid, data: new Uint8Array(12), datatype: 'uint8' });
    const source = { modality: 'mri', imagesDir: join(dir, 'images'), labelsDir: join(dir, 'labels'), classes: ['liver'], labelValues: [1], spacing: null };
    const [, b] = await listModalityCases(source);
    const error = await loadCase(b!, source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('non-finite-voxel');
    expect((error as DataError).message).toBe(`mri case b: ${join(dir, 'images', 'b.nii.gz')}: holds 2 NaN or infinite voxel(s), the first at (1, 1, 0) (value NaN) (hint: the image is damaged or was exported with an invalid scaling; fix or remove the case)`);
    const report = await checkModality(source);
    expect(report.cases.map((c) => c.id)).toEqual(['a']);
    expect(report.errors.map((e) => e.code)).toEqual(['non-finite-voxel']);
  });
});
