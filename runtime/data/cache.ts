/**
 * On-disk cache of preprocessed cases.
 *
 * Key: sha256 of (cache format, both source files' absolute paths, sizes and mtimes, the
 * modality's label values / spacing override / background values / reorientation, and the preprocessing
 * settings), so editing a file or a setting misses the cache and nothing else does.
 * Entry: `<cacheRoot>/preprocessed/<key>.bin` = "ABLPRE01", uint32 LE JSON length, JSON
 * metadata, zero padding to a multiple of 4, float32 LE image, uint8 label. Entries are
 * written to a temporary name and renamed, so a crash or a failed case leaves no partial
 * entry; a damaged entry is reported (`DataError('cache-corrupt')`) and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError } from './data-error.ts';
import { loadCase, type CaseRef, type LoadOptions, type ModalitySource } from './dataset.ts';
import { preprocessCase, type PreprocessSettings, type PreprocessedCase } from './preprocess.ts';

const MAGIC = 'ABLPRE01';
const CACHE_FORMAT = 3; // 2: geometry.centredOn, settings.cropAt; 3: body extent from hole-filled rows

async function fileStamp(path: string): Promise<{ path: string; size: number; mtimeMs: number }> {
  const s = await stat(path);
  return { path: resolve(path), size: s.size, mtimeMs: s.mtimeMs };
}

/** The cache key (hex sha256) of a case under `settings`; stats both files. */
export async function preprocessedCacheKey(ref: CaseRef, source: ModalitySource, settings: PreprocessSettings, options: LoadOptions = {}): Promise<string> {
  const key = {
    format: CACHE_FORMAT,
    image: await fileStamp(ref.image),
    label: await fileStamp(ref.label),
    labelValues: source.labelValues,
    spacingOverride: source.spacing,
    backgroundValues: options.backgroundValues ?? [],
    reorient: options.reorient ?? true,
    settings,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

/** Serialises a preprocessed case (see the module comment for the layout). */
export function encodePreprocessed(c: PreprocessedCase): Uint8Array {
  const meta = { modality: c.modality, id: c.id, dims: c.dims, spacing: c.spacing, affine: c.affine, geometry: c.geometry };
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const head = 8 + 4 + json.length;
  const pad = (4 - (head % 4)) % 4;
  const out = new Uint8Array(head + pad + c.image.byteLength + c.label.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  const imgAt = head + pad;
  const view = new DataView(out.buffer, imgAt, c.image.byteLength);
  for (let i = 0; i < c.image.length; i++) view.setFloat32(4 * i, c.image[i]!, true);
  out.set(c.label, imgAt + c.image.byteLength);
  return out;
}

/** Parses `encodePreprocessed`'s bytes; `file` names the entry in errors. */
export function decodePreprocessed(bytes: Uint8Array, file: string): PreprocessedCase {
  const corrupt = (why: string) => new DataError('cache-corrupt', file, why, 'delete the cache folder (.ablate-cache) and run again');
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw corrupt('is not a preprocessed-case entry');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + len > bytes.length) throw corrupt('is cut short');
  let meta: Omit<PreprocessedCase, 'image' | 'label'>;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len)));
  } catch {
    throw corrupt('has damaged metadata');
  }
  const n = meta.dims[0] * meta.dims[1] * meta.dims[2];
  const imgAt = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  if (bytes.length !== imgAt + 5 * n) throw corrupt(`holds ${bytes.length} bytes, expected ${imgAt + 5 * n}`);
  const image = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset + imgAt, 4 * n);
  for (let i = 0; i < n; i++) image[i] = view.getFloat32(4 * i, true);
  const label = new Uint8Array(n); // a plain Uint8Array even when `bytes` is a Buffer
  label.set(bytes.subarray(imgAt + 4 * n, imgAt + 5 * n));
  return { ...meta, image, label };
}

/** Options of `loadPreprocessed`. */
export interface CacheOptions extends LoadOptions {
  /** Cache folder; entries go to `<cacheRoot>/preprocessed/`. */
  cacheRoot: string;
}

/**
 * A preprocessed case, from the cache when an entry for the same files and settings exists,
 * else loaded, preprocessed and stored. `fromCache` says which.
 * Loading errors (NIfTI, grid mismatch, undeclared label) propagate and leave no entry.
 */
export async function loadPreprocessed(ref: CaseRef, source: ModalitySource, settings: PreprocessSettings, options: CacheOptions): Promise<{ data: PreprocessedCase; fromCache: boolean; file: string }> {
  const key = await preprocessedCacheKey(ref, source, settings, options);
  const dir = join(options.cacheRoot, 'preprocessed');
  const file = join(dir, `${key}.bin`);
  let bytes: Uint8Array | null = null;
  try {
    bytes = await readFile(file);
  } catch {
    bytes = null;
  }
  if (bytes) {
    try {
      return { data: decodePreprocessed(bytes, file), fromCache: true, file };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      await rm(file, { force: true }); // rebuilt below
    }
  }
  const data = preprocessCase(await loadCase(ref, source, options), settings);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, encodePreprocessed(data));
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { data, fromCache: false, file };
}
