/**
 * The data content hash (runtime/data/data-hash.ts): computed from the split's files'
 * bytes, read once and then taken from the size+mtime cache; a touched file with the same
 * bytes is read again and hashes the same; a moved dataset keeps its hash; phantoms hash
 * their generator parameters.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { dataFingerprint } from '../../runtime/data/data-hash.ts';
import type { CaseRef } from '../../runtime/data/dataset.ts';
import type { SplitManifest } from '../../runtime/data/split.ts';
import { writeFiles } from '../compiler/fixtures.ts';

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

function layout(root: string): { cases: Record<string, CaseRef[]>; split: SplitManifest } {
  const ref = (id: string): CaseRef => ({ modality: 'ct', id, image: join(root, `${id}_img.nii`), label: join(root, `${id}_seg.nii`) });
  return {
    cases: { ct: [ref('a'), ref('b'), ref('c')] },
    // c is not in the split: its bytes do not matter.
    split: { version: 1, seed: 0, sampleSeed: null, shuffleSeed: 'x', modalities: { ct: { train: ['b'], val: [], test: ['a'], notAnnotated: [], notSampled: ['c'] } } },
  };
}

const nifti = { name: 'd', source: { kind: 'nifti', root: '.' } } as unknown as DatasetIR;

describe('data content hash', () => {
  it('hashes the split cases\' bytes, caches by size and mtime, ignores where the folder is', async () => {
    const dir = writeFiles({ 'data/a_img.nii': 'A-image', 'data/a_seg.nii': 'A-label', 'data/b_img.nii': 'B-image', 'data/b_seg.nii': 'B-label', 'data/c_img.nii': 'C', 'data/c_seg.nii': 'C' });
    const { cases, split } = layout(join(dir, 'data'));
    const cacheRoot = join(dir, 'cache');
    const expected = sha(JSON.stringify([['ct', 'a', sha('A-image'), sha('A-label')], ['ct', 'b', sha('B-image'), sha('B-label')]]));

    const first = await dataFingerprint(nifti, split, cases, { cacheRoot });
    expect(first).toEqual({ hash: expected, kind: 'real', files: 4, read: 4 });
    const second = await dataFingerprint(nifti, split, cases, { cacheRoot });
    expect(second).toEqual({ hash: expected, kind: 'real', files: 4, read: 0 });
    expect(Object.keys((JSON.parse(readFileSync(join(cacheRoot, 'file-hashes.json'), 'utf8')) as { files: object }).files)).toHaveLength(4);

    // Touched, same bytes: read again, same hash. A file outside the split changes nothing.
    utimesSync(join(dir, 'data', 'a_img.nii'), new Date(), new Date(Date.now() + 5000));
    writeFileSync(join(dir, 'data', 'c_img.nii'), 'C changed');
    const touched = await dataFingerprint(nifti, split, cases, { cacheRoot });
    expect([touched.hash, touched.read]).toEqual([expected, 1]);

    // Other bytes: another hash.
    writeFileSync(join(dir, 'data', 'b_seg.nii'), 'B-label2');
    const changed = await dataFingerprint(nifti, split, cases, { cacheRoot });
    expect(changed.hash).toBe(sha(JSON.stringify([['ct', 'a', sha('A-image'), sha('A-label')], ['ct', 'b', sha('B-image'), sha('B-label2')]])));

    // The same files elsewhere: the same hash (paths do not enter it).
    cpSync(join(dir, 'data'), join(dir, 'moved'), { recursive: true });
    const moved = layout(join(dir, 'moved'));
    expect((await dataFingerprint(nifti, moved.split, moved.cases, { cacheRoot })).hash).toBe(changed.hash);
  });

  it('a phantom hashes its generator parameters, without reading files', async () => {
    const phantom = (seed: number) => ({
      name: 'p', classes: ['LVM'], source: { kind: 'phantom', anatomy: 'cardiac', size: [8, 8, 2], spacing: [1, 1, 1], seed },
      modalities: { ct: { cases: 2, labelValues: [1], images: '', labels: '', spacing: null, backgroundValues: [] } },
    }) as unknown as DatasetIR;
    const empty = { version: 1, seed: 0, sampleSeed: null, shuffleSeed: 'x', modalities: {} } as SplitManifest;
    const a = await dataFingerprint(phantom(1), empty, {}, { cacheRoot: '/nonexistent' });
    expect(a).toMatchObject({ kind: 'phantom', files: 0, read: 0 });
    expect((await dataFingerprint(phantom(1), empty, {}, { cacheRoot: '/nonexistent' })).hash).toBe(a.hash);
    expect((await dataFingerprint(phantom(2), empty, {}, { cacheRoot: '/nonexistent' })).hash).not.toBe(a.hash);
  });
});
