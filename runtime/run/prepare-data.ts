/**
 * A run's data, ready for training and evaluation: the dataset's folders (generating a
 * phantom first if the dataset is one), the split by case, and every case preprocessed
 * (from the on-disk cache when it holds them). Errors name the file or case (DataError).
 */
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { listModalityCases, resolveDataset, type CaseRef, type ModalitySource } from '../data/dataset.ts';
import { DataError } from '../data/data-error.ts';
import { loadPreprocessed } from '../data/cache.ts';
import { preprocessSettings, type PreprocessedCase } from '../data/preprocess.ts';
import { assertDisjoint, makeSplit, splitHash, type SplitManifest } from '../data/split.ts';

export interface ModalityData {
  source: ModalitySource;
  train: PreprocessedCase[];
  val: PreprocessedCase[];
  test: PreprocessedCase[];
}

export interface RunData {
  manifest: SplitManifest;
  splitHash: string;
  modalities: Record<string, ModalityData>;
  /** Cases read from the preprocessing cache / preprocessed now. */
  cacheHits: number;
  cacheMisses: number;
}

export interface PrepareOptions {
  cwd: string;
  cacheRoot: string;
  onNote?(line: string): void;
}

export async function prepareData(ir: RunIR, options: PrepareOptions): Promise<RunData> {
  const sources = await resolveDataset(ir.dataset, { cwd: options.cwd, cacheRoot: options.cacheRoot });
  const byModality = new Map(sources.map((s) => [s.modality, s]));
  const refs: Record<string, Map<string, CaseRef>> = {};
  for (const m of ir.data.modalities) {
    const source = byModality.get(m);
    if (!source) {
      throw new DataError('unknown-modality', `dataset ${ir.dataset.name}`, `has no modality '${m}'`, `declare it under modalities { ${m} { … } }`);
    }
    refs[m] = new Map((await listModalityCases(source)).map((r) => [r.id, r]));
  }
  const manifest = makeSplit(
    Object.fromEntries(Object.entries(refs).map(([m, r]) => [m, [...r.keys()]])),
    ir.data,
  );
  assertDisjoint(manifest);
  const settings = preprocessSettings(ir.data);
  let cacheHits = 0;
  let cacheMisses = 0;
  const modalities: Record<string, ModalityData> = {};
  for (const m of ir.data.modalities) {
    const source = byModality.get(m)!;
    const load = async (ids: readonly string[]) => {
      const out: PreprocessedCase[] = [];
      for (const id of ids) {
        const ref = refs[m]!.get(id);
        if (!ref) throw new DataError('unknown-case', `${m}/${id}`, 'is listed in the split but has no files', 'regenerate the split');
        const { data, fromCache } = await loadPreprocessed(ref, source, settings, { cacheRoot: options.cacheRoot });
        if (fromCache) cacheHits += 1;
        else cacheMisses += 1;
        out.push(data);
      }
      return out;
    };
    const split = manifest.modalities[m]!;
    modalities[m] = { source, train: await load(split.train), val: await load(split.val), test: await load(split.test) };
  }
  if (cacheMisses > 0) options.onNote?.(`preprocessed ${cacheMisses} case(s); ${cacheHits} from the cache`);
  return { manifest, splitHash: splitHash(manifest), modalities, cacheHits, cacheMisses };
}
