import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { isNIFTI2, readHeader, type NIFTI2 } from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { readNifti, readNiftiInfo, writeNifti, type Volume } from '../../runtime/data/nifti.ts';

const affine = [
  [0, -0.8, 0, 12.5],
  [0.9, 0, 0, -40.25],
  [0, 0, 2.5, 7],
  [0, 0, 0, 1],
];

describe('NIfTI-2', () => {
  for (const name of ['v.nii', 'v.nii.gz']) {
    it(`round trip through a NIfTI-2 ${name}: data, dims, spacing and affine, header readable by nifti-reader-js`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ablate-nifti2-'));
      const data = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 1.5 - 7);
      const v: Volume = { data, dims: [4, 3, 2], spacing: [0.9, 0.8, 2.5], affine, datatype: 'float32' };
      const file = join(dir, name);
      await writeNifti(file, v, { format: 'nifti2', description: 'two' });
      let bytes = new Uint8Array(readFileSync(file));
      if (name.endsWith('.gz')) bytes = gunzipSync(bytes);
      const buffer = bytes.slice().buffer;
      expect(isNIFTI2(buffer)).toBe(true);
      const h = readHeader(buffer) as NIFTI2;
      expect(h.dims.slice(0, 4)).toEqual([3, 4, 3, 2]);
      expect(h.vox_offset).toBe(544);
      expect(h.description).toBe('two');
      expect(bytes.length).toBe(544 + 4 * data.length);
      const back = await readNifti(file);
      expect(back.dims).toEqual([4, 3, 2]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
      expect(back.affine).toEqual(affine);
      expect(back.spacing.map((s) => +s.toFixed(6))).toEqual([0.9, 0.8, 2.5]);
      const info = await readNiftiInfo(file);
      expect(info.dims).toEqual([4, 3, 2]);
      expect(info.affine).toEqual(affine);
    });
  }

  it('is written where NIfTI-1 cannot hold the volume (an axis over 32767 voxels)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-nifti2-'));
    const data = Uint8Array.from({ length: 40000 * 2 }, (_, i) => i % 7);
    const file = join(dir, 'long.nii.gz');
    await writeNifti(file, { data, dims: [40000, 1, 2], spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], datatype: 'uint8' });
    const raw = gunzipSync(new Uint8Array(readFileSync(file)));
    expect(new DataView(raw.buffer).getInt32(0, true)).toBe(540);
    const back = await readNifti(file);
    expect(back.dims).toEqual([40000, 1, 2]);
    expect(back.data).toEqual(data);
  });
});
