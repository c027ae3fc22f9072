/**
 * Splits by case (never by slice), seeded, per modality.
 *
 * For each trained modality, in this order:
 *  1. sample (repeats, `data.sample`): keep k cases drawn at random (seed `sample.seed`)
 *     from the sorted case ids; the others are `notSampled`. A modality the sample does not
 *     name keeps all its cases (the paper's abdominal protocol: all CT, 9 of 20 MRI);
 *  2. shuffle the kept ids and cut test, then val, then train. The shuffle is seeded by
 *     `split.seed` for a single run, and by `split.seed` and the draw's `sample.seed` for a
 *     draw of a repeat, so every draw has its own train/val/test cases in every modality,
 *     also in one that is not sampled (`manifest.shuffleSeed` records the seed used):
 *     test = max(1, round(n · test)) and val = max(1, round(n · val)) when their fraction is
 *     > 0 (else 0), rounding half up; train takes the rest, so fractions need not sum to
 *     exactly 1. 20 cases at 70/10/20 → 14/2/4; 9 → 6/1/2; 12 → 9/1/2;
 *  3. few-shot (`split.annotated {mri: 1}`): keep the first k training cases of the shuffled
 *     order; the other training cases are `notAnnotated` (unused).
 * Every random draw is seeded by (seed, modality), so one modality's split does not depend
 * on another's. Lists in the manifest are sorted.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { DataIR } from '../../schemas/run-ir.schema.ts';
import { DataError } from './data-error.ts';
import { SeededRandom } from './seeded-random.ts';

/** The cases of one modality, by role. */
export interface ModalitySplit {
  train: string[];
  val: string[];
  test: string[];
  /** Training cases dropped by few-shot (`annotated`). */
  notAnnotated: string[];
  /** Cases not drawn by `sample`. */
  notSampled: string[];
}

/** `split.json`: the split of every trained modality. */
export interface SplitManifest {
  version: 1;
  seed: number;
  /** Seed of the `sample` draw (a repeat's draw), or null for a single run. */
  sampleSeed: number | null;
  /** The seed of the shuffle that cut train/val/test, `<modality>` standing for each modality's name. */
  shuffleSeed: string;
  modalities: Record<string, ModalitySplit>;
}

/** The part of `DataIR` a split reads. */
export type SplitSettings = Pick<DataIR, 'modalities' | 'split' | 'sample'>;

/** Case counts [train, val, test] for n cases under the module's rounding rule; throws when train would be empty. */
export function splitCounts(n: number, fractions: { train: number; val: number; test: number }, modality = ''): { train: number; val: number; test: number } {
  const part = (f: number) => (f > 0 ? Math.max(1, Math.round(n * f + 1e-9)) : 0);
  const test = part(fractions.test);
  const val = part(fractions.val);
  const train = n - test - val;
  if (train < 1) {
    throw new DataError('split-too-small', `modality ${modality}`, `${n} case(s) cannot be split into train/val/test = ${fractions.train}/${fractions.val}/${fractions.test} with at least one case in each used part`, 'add cases or set val (or test) to 0');
  }
  return { train, val, test };
}

/** Splits the case ids of every modality in `settings.modalities` (see the module comment). */
export function makeSplit(cases: Record<string, readonly string[]>, settings: SplitSettings): SplitManifest {
  const { split, sample } = settings;
  for (const m of [...Object.keys(split.annotated), ...Object.keys(sample?.cases ?? {})]) {
    if (!settings.modalities.includes(m)) {
      throw new DataError('unknown-modality', `modality ${m}`, 'is named in split.annotated or sample but is not trained', `use one of ${settings.modalities.join(', ')}`);
    }
  }
  const modalities: Record<string, ModalitySplit> = {};
  for (const m of settings.modalities) {
    const all = cases[m];
    if (!all) throw new DataError('unknown-modality', `modality ${m}`, 'has no cases in the dataset', `the dataset has ${Object.keys(cases).join(', ') || 'no modality'}`);
    const ids = [...new Set(all)].sort();
    // 1. sample
    let kept = ids;
    let notSampled: string[] = [];
    const k = sample?.cases[m];
    if (sample && k !== undefined) {
      if (k > ids.length) throw new DataError('split-too-small', `modality ${m}`, `sample asks for ${k} cases but there are ${ids.length}`, `sample at most ${ids.length}`);
      const drawn = new SeededRandom(`sample:${sample.seed}:${m}`).shuffle(ids);
      kept = drawn.slice(0, k).sort();
      notSampled = drawn.slice(k).sort();
    }
    // 2. shuffle and cut: each draw of a repeat has its own split
    const order = new SeededRandom(shuffleSeedOf(split.seed, sample?.seed ?? null, m)).shuffle(kept);
    const n = splitCounts(order.length, split, m);
    const test = order.slice(0, n.test);
    const val = order.slice(n.test, n.test + n.val);
    let train = order.slice(n.test + n.val);
    // 3. few-shot
    let notAnnotated: string[] = [];
    const annotated = split.annotated[m];
    if (annotated !== undefined) {
      if (annotated > train.length) throw new DataError('split-too-small', `modality ${m}`, `few-shot asks for ${annotated} annotated training cases but the split has ${train.length}`, `use at most ${train.length}`);
      notAnnotated = train.slice(annotated);
      train = train.slice(0, annotated);
    }
    modalities[m] = { train: train.sort(), val: val.sort(), test: test.sort(), notAnnotated: notAnnotated.sort(), notSampled };
  }
  const manifest: SplitManifest = { version: 1, seed: split.seed, sampleSeed: sample?.seed ?? null, shuffleSeed: shuffleSeedOf(split.seed, sample?.seed ?? null, '<modality>'), modalities };
  assertDisjoint(manifest);
  return manifest;
}

/** The seed string of a modality's train/val/test shuffle: `split:<seed>:<m>`, or `split:<seed>:draw:<sampleSeed>:<m>` for a repeat's draw. */
export function shuffleSeedOf(splitSeed: number, sampleSeed: number | null, modality: string): string {
  return sampleSeed === null ? `split:${splitSeed}:${modality}` : `split:${splitSeed}:draw:${sampleSeed}:${modality}`;
}

/** Throws `DataError('split-overlap')` naming the case when a case is in two roles of one modality. */
export function assertDisjoint(manifest: SplitManifest): void {
  for (const [m, s] of Object.entries(manifest.modalities)) {
    const seen = new Map<string, string>();
    for (const role of ['train', 'val', 'test', 'notAnnotated', 'notSampled'] as const) {
      for (const id of s[role]) {
        const before = seen.get(id);
        if (before) throw new DataError('split-overlap', `${m}/${id}`, `is in both ${before} and ${role}`, 'a case must be in exactly one part of a split');
        seen.set(id, role);
      }
    }
  }
}

/**
 * Checks that every case a manifest names exists: throws `DataError('unknown-case')` naming
 * the first `modality/case` that is not in `cases` (a stale or hand-edited split file).
 */
export function checkSplitCases(manifest: SplitManifest, cases: Record<string, readonly string[]>): void {
  for (const [m, s] of Object.entries(manifest.modalities)) {
    const known = cases[m];
    if (!known) throw new DataError('unknown-modality', `modality ${m}`, 'is in the split but not in the dataset', `the dataset has ${Object.keys(cases).join(', ')}`);
    const set = new Set(known);
    for (const role of ['train', 'val', 'test'] as const) {
      for (const id of s[role]) {
        if (!set.has(id)) throw new DataError('unknown-case', `${m}/${id}`, `is listed in the ${role} split but the dataset has no such case`, `check the split file or the dataset folder (${known.length} ${m} cases exist)`);
      }
    }
  }
}

/** JSON with object keys sorted at every level (arrays keep their order). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the canonical JSON of the case lists of every modality (train, val, test,
 * notAnnotated, notSampled): two runs with the same cases in the same roles get the same hash,
 * whatever seeds produced them. It enters the run's spec hash.
 */
export function splitHash(manifest: SplitManifest): string {
  const lists = Object.fromEntries(Object.entries(manifest.modalities).map(([m, s]) => [m, { train: s.train, val: s.val, test: s.test, notAnnotated: s.notAnnotated, notSampled: s.notSampled }]));
  return createHash('sha256').update(canonicalJson(lists)).digest('hex');
}

/** Writes a manifest as pretty JSON (atomically: temp file + rename). */
export async function writeSplitManifest(path: string, manifest: SplitManifest): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads a manifest written by `writeSplitManifest` (or by hand) and checks its shape and disjointness. */
export async function readSplitManifest(path: string): Promise<SplitManifest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new DataError('invalid-split', path, `cannot read the split file (${(e as Error).message})`, 'check the path and that it is JSON');
  }
  const m = parsed as Partial<SplitManifest>;
  const ok =
    !!m && typeof m === 'object' && !!m.modalities && typeof m.modalities === 'object' &&
    Object.values(m.modalities).every((s) => (['train', 'val', 'test'] as const).every((r) => Array.isArray(s?.[r]) && s[r].every((x) => typeof x === 'string')));
  if (!ok) throw new DataError('invalid-split', path, 'is not a split manifest (needs modalities.<m>.train/val/test string lists)', 'write it with writeSplitManifest or follow its layout');
  const manifest: SplitManifest = {
    version: 1,
    seed: typeof m.seed === 'number' ? m.seed : 0,
    sampleSeed: typeof m.sampleSeed === 'number' ? m.sampleSeed : null,
    shuffleSeed: typeof m.shuffleSeed === 'string' ? m.shuffleSeed : 'given',
    modalities: Object.fromEntries(Object.entries(m.modalities!).map(([k, s]) => [k, { train: s.train, val: s.val, test: s.test, notAnnotated: s.notAnnotated ?? [], notSampled: s.notSampled ?? [] }])),
  };
  assertDisjoint(manifest);
  return manifest;
}
