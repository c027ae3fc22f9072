import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti } from '../../runtime/data/nifti.ts';

/**
 * Files written by nibabel (an independent implementation) with what nibabel reads back
 * from them; see nifti-fixtures/make-fixtures.py.
 */
const dir = join(import.meta.dirname, 'nifti-fixtures');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  files: Record<string, { dims: number[]; affine: number[][]; zooms: number[]; data: number[] }>;
};

describe('reads files written by nibabel as nibabel does', () => {
  for (const [name, want] of Object.entries(expected.files)) {
    it(name, async () => {
      const v = await readNifti(join(dir, name));
      expect(v.dims).toEqual(want.dims);
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(v.affine[r]![c]!).toBeCloseTo(want.affine[r]![c]!, 5);
      for (let i = 0; i < 3; i++) expect(v.spacing[i]!).toBeCloseTo(want.zooms[i]!, 6);
      expect(v.data.length).toBe(want.data.length);
      for (let i = 0; i < want.data.length; i++) expect(v.data[i]!).toBeCloseTo(want.data[i]!, 5);
    });
  }

  it('keeps integer storage for unscaled labels and applies scaling to scaled int16', async () => {
    expect((await readNifti(join(dir, 'uint16-bigendian-labels.nii.gz'))).datatype).toBe('uint16');
    expect((await readNifti(join(dir, 'int16-scaled-sform.nii.gz'))).datatype).toBe('float32');
  });
});
