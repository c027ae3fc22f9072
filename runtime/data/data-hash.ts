/**
 * The content hash of the data a run reads: part of the run's identity
 * (runtime/run/run-identity.ts), so a finished run is not reused once its data changed.
 *
 * - Files on disk (`nifti`, and the imported `mmwhs` / `btcv` / `chaos` downloads): sha256
 *   over, per trained modality and per case of the split (train, val, test; sorted by id),
 *   the sha256 of the image file's bytes and of the label file's bytes. Paths do not enter
 *   it: moving or renaming the dataset folder keeps the hash; editing one voxel changes it.
 * - Phantoms: the hash of the generator version and its parameters (`phantomHash`), which
 *   determine every byte the generator writes.
 *
 * Hashing every byte of a large dataset on every run would be slow, so the sha256 of each
 * file is kept in `<cacheRoot>/file-hashes.json`, keyed by absolute path with the file's
 * size and mtime: a file is read again only when its size or mtime changed (as `make`
 * decides; a rewrite that keeps both size and mtime to the millisecond is not noticed).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import type { CaseRef } from './dataset.ts';
import { phantomHash, phantomSpecOf } from './phantom/ensure-phantom.ts';
import type { SplitManifest } from './split.ts';

/** What the run read: a content hash and whether the data is generated. */
export interface DataFingerprint {
  /** sha256 hex (see the module comment). */
  hash: string;
  /** `phantom`: generated data, not comparable with the paper's numbers; `real`: files on disk. */
  kind: 'phantom' | 'real';
  /** Files hashed (0 for phantoms). */
  files: number;
  /** Files whose bytes were read now (the others came from the hash cache). */
  read: number;
}

interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface HashCache {
  format: 1;
  files: Record<string, HashCacheEntry>;
}

const CACHE_FILE = 'file-hashes.json';

async function readCache(file: string): Promise<HashCache> {
  try {
    const doc = JSON.parse(await readFile(file, 'utf8')) as HashCache;
    if (doc && doc.format === 1 && typeof doc.files === 'object') return doc;
  } catch {
    // Missing or damaged: start over (it is only a cache).
  }
  return { format: 1, files: {} };
}

/** sha256 of a file's bytes, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The content hash of the files of `split`'s cases (`cases`: every case of each trained
 * modality, as listed), or of the phantom generator's parameters.
 */
export async function dataFingerprint(
  dataset: DatasetIR,
  split: SplitManifest,
  cases: Record<string, readonly CaseRef[]>,
  options: { cacheRoot: string },
): Promise<DataFingerprint> {
  if (dataset.source.kind === 'phantom') {
    const hash = createHash('sha256').update(`phantom:${phantomHash(phantomSpecOf(dataset))}`).digest('hex');
    return { hash, kind: 'phantom', files: 0, read: 0 };
  }
  const cacheFile = join(resolve(options.cacheRoot), CACHE_FILE);
  const cache = await readCache(cacheFile);
  let read = 0;
  let files = 0;
  const fileHash = async (file: string): Promise<string> => {
    const abs = resolve(file);
    const s = await stat(abs);
    files += 1;
    const hit = cache.files[abs];
    if (hit && hit.size === s.size && hit.mtimeMs === s.mtimeMs) return hit.sha256;
    const sha256 = await sha256File(abs);
    cache.files[abs] = { size: s.size, mtimeMs: s.mtimeMs, sha256 };
    read += 1;
    return sha256;
  };
  const entries: Array<[string, string, string, string]> = [];
  for (const modality of Object.keys(split.modalities).sort()) {
    const part = split.modalities[modality]!;
    const refs = new Map((cases[modality] ?? []).map((r) => [r.id, r]));
    const ids = [...new Set([...part.train, ...part.val, ...part.test])].sort();
    for (const id of ids) {
      const ref = refs.get(id);
      if (!ref) continue; // prepareData has checked the split against the cases
      entries.push([modality, id, await fileHash(ref.image), await fileHash(ref.label)]);
    }
  }
  if (read > 0) {
    // Written to a temporary name and renamed: parallel runs may lose each other's entries, never corrupt the file.
    await mkdir(dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, JSON.stringify(cache));
    await rename(tmp, cacheFile);
  }
  const hash = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  return { hash, kind: 'real', files, read };
}
