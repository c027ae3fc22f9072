/**
 * `ablate data import <mmwhs|btcv|chaos> <download> --out <folder>`: reads a dataset in its
 * published layout and writes the form every NIfTI dataset of ablate has:
 *   `<out>/<modality>/images/<id>.nii.gz`, `<out>/<modality>/labels/<id>.nii.gz`,
 *   `<out>/manifest.json` (format `ablate-import`: dataset, classes, label coding, cases
 *   with their dims, spacing and source files).
 * Label volumes keep the dataset's own coding (MM-WHS 205/420/…, BTCV 1..13, CHAOS
 * 63/126/189/252), so `experiments/datasets.abl` declares the values the papers document.
 *
 * All or nothing: every case is read and checked first-to-last, all problems are collected,
 * and the files go to a temporary sibling `<out>.import-<pid>-<random>` that is renamed to
 * `<out>` only when every case is good. On any problem nothing is left at `<out>`; an
 * interrupted import leaves only its temporary folder, which the next import removes.
 * `scanPublished` is the same reading without writing (`ablate data check <download>`).
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DataError } from '../data-error.ts';
import { writeNifti, type NiftiDatatype, type Volume } from '../nifti.ts';
import { btcv } from './btcv.ts';
import { chaos } from './chaos.ts';
import { mmwhs } from './mmwhs.ts';
import { DatasetProblems } from './dataset-problems.ts';
import type { CaseProblem, PublishedDataset, PublishedDatasetKind, ReadCase } from './published-dataset.ts';

export const PUBLISHED_DATASETS: Record<PublishedDatasetKind, PublishedDataset> = { mmwhs, btcv, chaos };

export const IMPORT_FORMAT_VERSION = 1;

/** One imported case in `manifest.json` (paths relative to the dataset folder). */
export interface ImportedCaseEntry {
  id: string;
  image: string;
  label: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Source files / folders, relative to the download folder. */
  from: string[];
}

/** `manifest.json` of an imported dataset. */
export interface ImportManifest {
  format: 'ablate-import';
  version: number;
  dataset: PublishedDatasetKind;
  title: string;
  /** The download folder, absolute. */
  source: string;
  classes: string[];
  modalities: Record<string, { labelValues: number[]; backgroundValues: number[]; cases: ImportedCaseEntry[] }>;
}

/** What `scanPublished` found: readable cases and every problem. */
export interface PublishedScan {
  dataset: PublishedDataset;
  manifest: ImportManifest;
  problems: CaseProblem[];
}

/** Options of `scanPublished` / `importPublished`. */
export interface ImportOptions {
  /** Called after each case is read (progress). */
  onCase?: (modality: string, id: string, ok: boolean) => void;
}

/**
 * Reads every case of a download folder, collecting every problem. `write`, when given,
 * receives each good case (importPublished writes it); the manifest lists the good cases.
 * Throws `DataError('unknown-layout')` when the folder is not in the dataset's layout.
 */
export async function scanPublished(kind: PublishedDatasetKind, root: string, options: ImportOptions = {}, write?: (modality: string, id: string, c: ReadCase) => Promise<{ image: string; label: string }>): Promise<PublishedScan> {
  const dataset = PUBLISHED_DATASETS[kind];
  const source = resolve(root);
  const { cases, problems } = await dataset.findCases(source);
  const manifest: ImportManifest = {
    format: 'ablate-import',
    version: IMPORT_FORMAT_VERSION,
    dataset: kind,
    title: dataset.title,
    source,
    classes: [...dataset.classes],
    modalities: Object.fromEntries(dataset.modalities.map((m) => [m.name, { labelValues: [...m.labelValues], backgroundValues: [...m.backgroundValues], cases: [] as ImportedCaseEntry[] }])),
  };
  for (const c of cases) {
    const read = await dataset.readCase(c);
    if (Array.isArray(read)) {
      problems.push(...read);
      options.onCase?.(c.modality, c.id, false);
      continue;
    }
    const paths = write ? await write(c.modality, c.id, read) : { image: '', label: '' };
    manifest.modalities[c.modality]!.cases.push({
      id: c.id,
      ...paths,
      dims: [...read.image.dims],
      spacing: [...read.image.spacing],
      from: c.sources.map((s) => relative(source, s).split('\\').join('/')),
    });
    options.onCase?.(c.modality, c.id, true);
  }
  if (!cases.length && !problems.length) problems.push(new DataError('empty-folder', source, `holds no ${dataset.title} case`, `expected ${dataset.layout}`));
  return { dataset, manifest, problems };
}

/** int16 when every value is an integer that fits, so CT/MR series are stored as scanners store them. */
function compactDatatype(v: Volume): NiftiDatatype {
  if (v.datatype !== 'float32' && v.datatype !== 'float64') return v.datatype;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (!Number.isInteger(x) || x < -32768 || x > 32767) return v.datatype;
  }
  return 'int16';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<out>.import-<pid>-…` folders left by imports that were interrupted (their process is gone). */
async function removeStaleTemporaries(out: string): Promise<void> {
  const prefix = `${basename(out)}.import-`;
  let names: string[] = [];
  try {
    names = await readdir(dirname(out));
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) await rm(join(dirname(out), n), { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Imports a download folder into `out` (see the module comment). Throws `DatasetProblems`
 * listing every problem (nothing written), `DataError('output-exists')` when `out` exists and
 * `force` is not set, `DataError('unknown-layout')` for a folder in another layout.
 */
export async function importPublished(kind: PublishedDatasetKind, root: string, out: string, options: ImportOptions & { force?: boolean } = {}): Promise<ImportManifest> {
  const target = resolve(out);
  if (resolve(root) === target) throw new DataError('output-exists', target, 'is the download folder itself', 'write the import to another folder');
  if (!options.force && (await exists(target))) {
    throw new DataError('output-exists', target, 'already exists', 'choose another --out folder, or pass --force to replace it');
  }
  await mkdir(dirname(target), { recursive: true });
  await removeStaleTemporaries(target);
  const tmp = `${target}.import-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const write = async (modality: string, id: string, c: ReadCase) => {
      const image = `${modality}/images/${id}.nii.gz`;
      const label = `${modality}/labels/${id}.nii.gz`;
      await mkdir(join(tmp, modality, 'images'), { recursive: true });
      await mkdir(join(tmp, modality, 'labels'), { recursive: true });
      const description = `ablate import ${kind} ${modality} ${id}`;
      await writeNifti(join(tmp, image), c.image, { datatype: compactDatatype(c.image), description, compressionLevel: 3 });
      await writeNifti(join(tmp, label), c.label, { datatype: compactDatatype(c.label), description: `${description} labels`, compressionLevel: 6 });
      return { image, label };
    };
    const scan = await scanPublished(kind, root, options, write);
    if (scan.problems.length) throw new DatasetProblems(`${scan.dataset.title} in ${resolve(root)}`, scan.problems);
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(scan.manifest, null, 2)}\n`);
    if (await exists(target)) {
      const old = `${target}.replaced-${process.pid}`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
    return scan.manifest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
