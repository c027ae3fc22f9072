import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/data-error.ts';
import { assertDisjoint, checkSplitCases, makeSplit, readSplitManifest, splitCounts, splitHash, writeSplitManifest, type SplitSettings } from '../../runtime/data/split.ts';

const ids = (n: number, prefix = 'case_') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const CASES = { ct: ids(30), mri: ids(20) };
const SETTINGS: SplitSettings = { modalities: ['ct', 'mri'], split: { train: 0.7, val: 0.1, test: 0.2, seed: 0, annotated: {} }, sample: null };

function errorOf(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    return e as DataError;
  }
  throw new Error('expected an error');
}

describe('split counts', () => {
  it('rounds half up, keeps at least one case in each used part, gives train the rest', () => {
    const f = { train: 0.7, val: 0.1, test: 0.2 };
    expect(splitCounts(20, f)).toEqual({ train: 14, val: 2, test: 4 });
    expect(splitCounts(30, f)).toEqual({ train: 21, val: 3, test: 6 });
    expect(splitCounts(9, f)).toEqual({ train: 6, val: 1, test: 2 });
    expect(splitCounts(12, f)).toEqual({ train: 9, val: 1, test: 2 });
    expect(splitCounts(5, f)).toEqual({ train: 3, val: 1, test: 1 });
    expect(splitCounts(5, { train: 0.8, val: 0, test: 0.2 })).toEqual({ train: 4, val: 0, test: 1 });
    const e = errorOf(() => splitCounts(2, f, 'mri'));
    expect(e.code).toBe('split-too-small');
    expect(e.message).toMatch(/^modality mri: 2 case\(s\) cannot be split/);
  });
});

describe('makeSplit', () => {
  it('splits by case: disjoint parts that cover every case, in the stated sizes', () => {
    const s = makeSplit(CASES, SETTINGS);
    for (const [m, all] of Object.entries(CASES)) {
      const p = s.modalities[m]!;
      expect([...p.train, ...p.val, ...p.test].sort()).toEqual(all);
      expect(new Set([...p.train, ...p.val, ...p.test]).size).toBe(all.length);
      expect(p.notAnnotated).toEqual([]);
      expect(p.notSampled).toEqual([]);
    }
    expect([s.modalities.ct!.train.length, s.modalities.ct!.val.length, s.modalities.ct!.test.length]).toEqual([21, 3, 6]);
    expect([s.modalities.mri!.train.length, s.modalities.mri!.val.length, s.modalities.mri!.test.length]).toEqual([14, 2, 4]);
  });

  it('is deterministic per seed, differs across seeds, and ignores the input order', () => {
    const a = makeSplit(CASES, SETTINGS);
    expect(makeSplit({ ct: [...CASES.ct].reverse(), mri: CASES.mri }, SETTINGS)).toEqual(a);
    const b = makeSplit(CASES, { ...SETTINGS, split: { ...SETTINGS.split, seed: 1 } });
    expect(b.modalities.mri!.test).not.toEqual(a.modalities.mri!.test);
  });

  it('few-shot keeps k annotated training cases of one modality and all of the other', () => {
    const full = makeSplit(CASES, SETTINGS);
    const s = makeSplit(CASES, { ...SETTINGS, split: { ...SETTINGS.split, annotated: { mri: 1 } } });
    const mri = s.modalities.mri!;
    expect(mri.train.length).toBe(1);
    expect(mri.notAnnotated.length).toBe(13);
    expect([...mri.train, ...mri.notAnnotated].sort()).toEqual(full.modalities.mri!.train);
    expect(mri.val).toEqual(full.modalities.mri!.val);
    expect(mri.test).toEqual(full.modalities.mri!.test);
    expect(s.modalities.ct).toEqual(full.modalities.ct);
    expect(makeSplit(CASES, { ...SETTINGS, split: { ...SETTINGS.split, annotated: { mri: 3 } } }).modalities.mri!.train.length).toBe(3);
    expect(errorOf(() => makeSplit(CASES, { ...SETTINGS, split: { ...SETTINGS.split, annotated: { mri: 15 } } })).code).toBe('split-too-small');
  });

  it('samples k cases per modality before splitting, one draw per seed (repeats: 9 of 20 MRI)', () => {
    const draws = [0, 1, 2, 3, 4].map((seed) => makeSplit(CASES, { ...SETTINGS, sample: { cases: { mri: 9 }, seed } }));
    for (const d of draws) {
      const mri = d.modalities.mri!;
      expect([mri.train.length, mri.val.length, mri.test.length]).toEqual([6, 1, 2]);
      expect(mri.notSampled.length).toBe(11);
      expect([...mri.train, ...mri.val, ...mri.test, ...mri.notSampled].sort()).toEqual(CASES.mri);
      // CT keeps every case, cut anew in each draw.
      const ct = d.modalities.ct!;
      expect([...ct.train, ...ct.val, ...ct.test].sort()).toEqual(CASES.ct);
      expect(ct.notSampled).toEqual([]);
      expect(d.shuffleSeed).toBe(`split:0:draw:${d.sampleSeed}:<modality>`);
    }
    const subsets = new Set(draws.map((d) => d.modalities.mri!.notSampled.join()));
    expect(subsets.size).toBe(5);
    // Every draw tests other cases, in the sampled modality and in the other one.
    expect(new Set(draws.map((d) => d.modalities.mri!.test.join())).size).toBe(5);
    expect(new Set(draws.map((d) => d.modalities.ct!.test.join())).size).toBe(5);
    // A single run keeps the plain seed (its split is the one it always had).
    expect(makeSplit(CASES, SETTINGS).shuffleSeed).toBe('split:0:<modality>');
    // A draw that samples nothing still cuts its own split.
    const unsampled = [0, 1].map((seed) => makeSplit(CASES, { ...SETTINGS, sample: { cases: {}, seed } }));
    expect(unsampled[0]!.modalities.mri!.test).not.toEqual(unsampled[1]!.modalities.mri!.test);
    expect(unsampled[0]!.modalities.mri!.notSampled).toEqual([]);
    expect(makeSplit(CASES, { ...SETTINGS, sample: { cases: { mri: 9 }, seed: 3 } })).toEqual(draws[3]);
    const e = errorOf(() => makeSplit(CASES, { ...SETTINGS, sample: { cases: { mri: 21 }, seed: 0 } }));
    expect(e.code).toBe('split-too-small');
    expect(e.message).toContain('sample asks for 21 cases but there are 20');
  });

  it('names a modality without cases or a few-shot modality that is not trained', () => {
    expect(errorOf(() => makeSplit({ ct: CASES.ct }, SETTINGS)).subject).toBe('modality mri');
    expect(errorOf(() => makeSplit(CASES, { ...SETTINGS, modalities: ['ct'], split: { ...SETTINGS.split, annotated: { mri: 1 } } })).code).toBe('unknown-modality');
  });
});

describe('split manifests', () => {
  it('names a case that the dataset does not have', () => {
    const s = makeSplit(CASES, SETTINGS);
    s.modalities.mri!.test.push('case_099');
    const e = errorOf(() => checkSplitCases(s, CASES));
    expect(e.code).toBe('unknown-case');
    expect(e.subject).toBe('mri/case_099');
    expect(e.message).toContain('is listed in the test split but the dataset has no such case');
  });

  it('names a case in two parts', () => {
    const s = makeSplit(CASES, SETTINGS);
    s.modalities.ct!.val.push(s.modalities.ct!.train[0]!);
    const e = errorOf(() => assertDisjoint(s));
    expect(e.code).toBe('split-overlap');
    expect(e.message).toBe(`ct/${s.modalities.ct!.train[0]}: is in both train and val (hint: a case must be in exactly one part of a split)`);
  });

  it('hashes the case lists: same lists → same hash whatever the key order, a moved case → another hash', () => {
    const a = makeSplit(CASES, SETTINGS);
    const h = splitHash(a);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { ...a, seed: 99, modalities: { mri: a.modalities.mri!, ct: a.modalities.ct! } };
    expect(splitHash(reordered)).toBe(h);
    const moved = structuredClone(a);
    moved.modalities.mri!.val.push(moved.modalities.mri!.train.pop()!);
    expect(splitHash(moved)).not.toBe(h);
  });

  it('round-trips through a file and rejects a malformed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-split-'));
    const s = makeSplit(CASES, { ...SETTINGS, sample: { cases: { mri: 9 }, seed: 2 } });
    await writeSplitManifest(join(dir, 'split.json'), s);
    expect(await readSplitManifest(join(dir, 'split.json'))).toEqual(s);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ modalities: { ct: { train: 'case_1' } } }));
    await expect(readSplitManifest(join(dir, 'bad.json'))).rejects.toThrowError(/bad\.json: is not a split manifest/);
  });
});
