/**
 * Phantom datasets on demand: the runtime calls `ensurePhantom` with a phantom DatasetIR and
 * gets the folder holding its files, generating them once into
 * `<cacheRoot>/phantom/<hash>/` (hash of the generator version and everything that
 * determines the data). Generation writes into a temporary sibling folder that is renamed
 * into place when complete, so an interrupted run never leaves a half-written dataset.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetIR } from '../../../schemas/run-ir.schema.ts';
import { DataError } from '../data-error.ts';
import { PHANTOM_FORMAT_VERSION, generatePhantom, type PhantomSpec } from './generate.ts';

/** The generator spec of a phantom dataset. Throws `DataError` for a non-phantom source or a modality without `cases`. */
export function phantomSpecOf(dataset: DatasetIR): PhantomSpec {
  const source = dataset.source;
  if (source.kind !== 'phantom') {
    throw new DataError('invalid-volume', `dataset ${dataset.name}`, `is a ${source.kind} dataset, not a phantom`, 'call ensurePhantom only for phantom sources');
  }
  const modalities = Object.entries(dataset.modalities).map(([name, m]) => {
    if (m.cases === null) {
      throw new DataError('split-too-small', `dataset ${dataset.name}, modality ${name}`, 'a phantom modality needs a number of cases', 'set `cases` for each phantom modality');
    }
    return { name, cases: m.cases, labelValues: [...m.labelValues] };
  });
  return {
    anatomy: source.anatomy,
    size: [source.size[0]!, source.size[1]!, source.size[2]!],
    spacing: [source.spacing[0]!, source.spacing[1]!, source.spacing[2]!],
    seed: source.seed,
    classes: [...dataset.classes],
    modalities,
  };
}

/** Hex sha256 naming a phantom spec's folder (changes with the generator version). */
export function phantomHash(spec: PhantomSpec): string {
  return createHash('sha256').update(JSON.stringify({ generator: PHANTOM_FORMAT_VERSION, spec })).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns the folder of the phantom dataset `dataset` (layout as `generatePhantom` writes it),
 * generating it under `<cacheRoot>/phantom/<first 16 hex of phantomHash>/` when missing.
 */
export async function ensurePhantom(dataset: DatasetIR, cacheRoot: string): Promise<string> {
  const spec = phantomSpecOf(dataset);
  const dir = join(cacheRoot, 'phantom', phantomHash(spec).slice(0, 16));
  if (await exists(join(dir, 'manifest.json'))) return dir;
  await mkdir(join(cacheRoot, 'phantom'), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await generatePhantom(spec, tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    await rename(tmp, dir);
  } catch {
    // The target exists: either another process finished first (keep its copy) or an
    // incomplete folder without a manifest is in the way (replace it).
    if (!(await exists(join(dir, 'manifest.json')))) {
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    }
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}
