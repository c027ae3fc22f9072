import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { decodePreprocessed, encodePreprocessed, loadPreprocessed } from '../../runtime/data/cache.ts';
import { listModalityCases, type ModalitySource } from '../../runtime/data/dataset.ts';
import { writeNifti, type Volume } from '../../runtime/data/nifti.ts';
import type { PreprocessSettings } from '../../runtime/data/preprocess.ts';

const root = mkdtempSync(join(tmpdir(), 'ablate-cache-'));
const DIMS: [number, number, number] = [6, 5, 3];
const affine = [
  [1.2, 0, 0, 0],
  [0, 1.2, 0, 0],
  [0, 0, 2.5, 0],
  [0, 0, 0, 1],
];
const vol = (data: Float32Array | Uint8Array): Volume => ({ data, dims: DIMS, spacing: [1.2, 1.2, 2.5], affine, datatype: data instanceof Uint8Array ? 'uint8' : 'float32' });
const SETTINGS: PreprocessSettings = { spacing: [1, 1, 2], crop: [4, 4], minSize: null, clipTop: 0.02, normalize: 'zscore', cropAt: 'label' };

async function dataset(name: string, labelValue = 1): Promise<ModalitySource> {
  const dir = join(root, name);
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'labels'), { recursive: true });
  const lab = new Uint8Array(90);
  lab[40] = labelValue;
  lab[41] = labelValue;
  await writeNifti(join(dir, 'images', 'a.nii.gz'), vol(new Float32Array(90).map((_, i) => Math.sin(i) * 100)));
  await writeNifti(join(dir, 'labels', 'a.nii.gz'), vol(lab));
  return { modality: 'mri', imagesDir: join(dir, 'images'), labelsDir: join(dir, 'labels'), classes: ['A'], labelValues: [1], spacing: null };
}

describe('preprocessed-case cache', () => {
  it('preprocesses on the first call and reads the entry on the second', async () => {
    const src = await dataset('hit');
    const cacheRoot = join(root, 'cache-hit');
    const [ref] = await listModalityCases(src);
    const first = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    expect(first.fromCache).toBe(false);
    const stamp = statSync(first.file).mtimeMs;
    const second = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    expect(second.fromCache).toBe(true);
    expect(second.file).toBe(first.file);
    expect(statSync(second.file).mtimeMs).toBe(stamp);
    expect(second.data).toEqual(first.data);
    expect(readdirSync(join(cacheRoot, 'preprocessed'))).toEqual([first.file.split('/').pop()]);
  });

  it('misses when a setting or a source file changes', async () => {
    const src = await dataset('miss');
    const cacheRoot = join(root, 'cache-miss');
    const [ref] = await listModalityCases(src);
    const a = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    const b = await loadPreprocessed(ref!, src, { ...SETTINGS, clipTop: 0.05 }, { cacheRoot });
    expect(b.fromCache).toBe(false);
    expect(b.file).not.toBe(a.file);
    utimesSync(ref!.image, new Date(), new Date(Date.now() + 5000));
    const c = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    expect(c.fromCache).toBe(false);
    expect(c.file).not.toBe(a.file);
    expect((await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot })).fromCache).toBe(true);
  });

  it('leaves nothing in the cache when a case fails', async () => {
    const src = await dataset('fail', 7); // label value 7 is not declared
    const cacheRoot = join(root, 'cache-fail');
    const [ref] = await listModalityCases(src);
    await expect(loadPreprocessed(ref!, src, SETTINGS, { cacheRoot })).rejects.toThrow(DataError);
    expect(existsSync(join(cacheRoot, 'preprocessed')) ? readdirSync(join(cacheRoot, 'preprocessed')) : []).toEqual([]);
  });

  it('rebuilds a damaged entry', async () => {
    const src = await dataset('damaged');
    const cacheRoot = join(root, 'cache-damaged');
    const [ref] = await listModalityCases(src);
    const first = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    writeFileSync(first.file, 'ABLPRE01 but cut');
    const again = await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot });
    expect(again.fromCache).toBe(false);
    expect(again.data).toEqual(first.data);
    expect((await loadPreprocessed(ref!, src, SETTINGS, { cacheRoot })).fromCache).toBe(true);
  });

  it('encodes and decodes a case exactly, and names a damaged entry', () => {
    const c = {
      modality: 'ct',
      id: 'x',
      dims: [3, 2, 1] as [number, number, number],
      spacing: [1, 1, 2] as [number, number, number],
      affine,
      image: Float32Array.from([0.5, -1, 3.25, NaN, 1e-8, 7]),
      label: Uint8Array.from([0, 1, 2, 3, 4, 5]),
      geometry: { orientation: { perm: [2, 0, 1] as [number, number, number], flip: [true, false, false] as [boolean, boolean, boolean] }, storedDims: [1, 3, 2] as [number, number, number], originalDims: [3, 2, 1] as [number, number, number], originalSpacing: [1, 1, 2] as [number, number, number], originalAffine: affine, resampledDims: [3, 2, 1] as [number, number, number], step: [1, 1, 1] as [number, number, number], offset: [0, 0, 0] as [number, number, number], droppedForeground: 0, centredOn: 'label' as const },
    };
    expect(decodePreprocessed(encodePreprocessed(c), 'e.bin')).toEqual(c);
    const bytes = encodePreprocessed(c);
    expect(() => decodePreprocessed(bytes.subarray(0, bytes.length - 1), 'e.bin')).toThrowError(/e\.bin: holds \d+ bytes, expected/);
  });
});
