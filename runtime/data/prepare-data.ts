/**
 * The data stage of a run, from its IR: list the dataset's cases, split them, and load every
 * case the run needs, preprocessed (from the cache when possible). Every data error (missing
 * folder, truncated file, grid mismatch, undeclared label, unknown case in a split file)
 * surfaces here, before training starts.
 */
import { join, resolve } from 'node:path';
import type { DataIR, DatasetIR } from '../../schemas/run-ir.schema.ts';
import { loadPreprocessed } from './cache.ts';
import { dataFingerprint, type DataFingerprint } from './data-hash.ts';
import { DataError } from './data-error.ts';
import { listModalityCases, resolveDataset, type CaseRef, type LoadOptions, type ModalitySource } from './dataset.ts';
import { preprocessSettings, type PreprocessSettings, type PreprocessedCase } from './preprocess.ts';
import { checkSplitCases, makeSplit, splitHash, writeSplitManifest, type SplitManifest } from './split.ts';

/** Options of `prepareData`. */
export interface PrepareOptions extends LoadOptions {
  /** Cache folder for phantoms and preprocessed cases; default `.ablate-cache` under `cwd`. */
  cacheRoot?: string;
  /** Folder that relative dataset roots are resolved against; default `process.cwd()`. */
  cwd?: string;
  /** Use this split instead of drawing one (its cases are checked against the dataset). */
  split?: SplitManifest;
  /** When set, the split is written to `<runDir>/split.json`. */
  runDir?: string;
  /** Progress callback, once per prepared case. */
  onCase?: (modality: string, id: string, fromCache: boolean) => void;
}

/** Preprocessed cases of one modality by role. */
export interface ModalityData {
  source: ModalitySource;
  train: PreprocessedCase[];
  val: PreprocessedCase[];
  test: PreprocessedCase[];
  /** Every case of the modality found in the dataset (before sampling / splitting). */
  cases: CaseRef[];
}

/** What the run's data stage hands to training and evaluation. */
export interface PreparedData {
  split: SplitManifest;
  /** `splitHash(split)`: enters the run's spec hash. */
  splitHash: string;
  /** Content hash of the split's case files (or the phantom's parameters): enters the run's identity too (data-hash.ts). */
  fingerprint: DataFingerprint;
  settings: PreprocessSettings;
  /** Per trained modality, in `data.modalities` order. */
  modalities: Record<string, ModalityData>;
  /** Cases preprocessed now vs read from the cache. */
  preprocessed: number;
  cached: number;
}

/** The cases of each trained modality and the split drawn from them (nothing is loaded). */
async function listAndSplit(dataset: DatasetIR, data: DataIR, cwd: string, cacheRoot: string, given?: SplitManifest) {
  const sources = await resolveDataset(dataset, { cacheRoot, cwd });
  const byName = new Map(sources.map((s) => [s.modality, s]));
  const cases: Record<string, CaseRef[]> = {};
  for (const m of data.modalities) {
    const source = byName.get(m);
    if (!source) throw new DataError('unknown-modality', `modality ${m}`, `is trained but dataset ${dataset.name} does not declare it`, `use one of ${[...byName.keys()].join(', ')}`);
    cases[m] = await listModalityCases(source);
  }
  const ids = Object.fromEntries(Object.entries(cases).map(([m, c]) => [m, c.map((r) => r.id)]));
  const split = given ?? makeSplit(ids, data);
  if (given) checkSplitCases(split, ids);
  return { byName, cases, split };
}

/**
 * What a run's identity needs from its data (the split hash and the content hash), without
 * loading or preprocessing a case: `ablate launch` decides what to submit with it.
 */
export async function identifyData(dataset: DatasetIR, data: DataIR, options: Pick<PrepareOptions, 'cwd' | 'cacheRoot'> = {}): Promise<{ splitHash: string; fingerprint: DataFingerprint }> {
  const cwd = options.cwd ?? process.cwd();
  const cacheRoot = resolve(cwd, options.cacheRoot ?? '.ablate-cache');
  const { cases, split } = await listAndSplit(dataset, data, cwd, cacheRoot);
  return { splitHash: splitHash(split), fingerprint: await dataFingerprint(dataset, split, cases, { cacheRoot }) };
}

/**
 * Runs the data stage for `dataset` and `data` (the Run IR's `dataset` and `data`).
 * Modalities of the dataset that the run does not train are not read.
 */
export async function prepareData(dataset: DatasetIR, data: DataIR, options: PrepareOptions = {}): Promise<PreparedData> {
  const cwd = options.cwd ?? process.cwd();
  const cacheRoot = resolve(cwd, options.cacheRoot ?? '.ablate-cache');
  const { byName, cases, split } = await listAndSplit(dataset, data, cwd, cacheRoot, options.split);
  if (options.runDir) await writeSplitManifest(join(options.runDir, 'split.json'), split);

  const settings = preprocessSettings(data);
  const modalities: Record<string, ModalityData> = {};
  let preprocessed = 0;
  let cached = 0;
  for (const m of data.modalities) {
    const source = byName.get(m)!;
    const refs = new Map(cases[m]!.map((r) => [r.id, r]));
    const part = split.modalities[m];
    if (!part) throw new DataError('unknown-modality', `modality ${m}`, 'is trained but the split has no entry for it', 'split every trained modality');
    const load = async (id: string) => {
      const backgroundValues = options.backgroundValues ?? dataset.modalities[m]?.backgroundValues ?? [];
      const r = await loadPreprocessed(refs.get(id)!, source, settings, { cacheRoot, backgroundValues, reorient: options.reorient });
      if (r.fromCache) cached++;
      else preprocessed++;
      options.onCase?.(m, id, r.fromCache);
      return r.data;
    };
    const out: ModalityData = { source, cases: cases[m]!, train: [], val: [], test: [] };
    for (const role of ['train', 'val', 'test'] as const) for (const id of part[role]) out[role].push(await load(id));
    modalities[m] = out;
  }
  const fingerprint = await dataFingerprint(dataset, split, cases, { cacheRoot });
  return { split, splitHash: splitHash(split), fingerprint, settings, modalities, preprocessed, cached };
}
