/**
 * What ablate knows about a dataset as it is published (downloaded): its modalities, class
 * coding, how to find its cases in the download folder and how to read one case. MM-WHS
 * 2017 (`mmwhs.ts`), BTCV (`btcv.ts`) and CHAOS (`chaos.ts`) implement it; `import-dataset.ts`
 * drives them.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../data-error.ts';
import { assertSameGrid, NiftiError, readNifti, type Volume } from '../nifti.ts';
import { nonFiniteProblem } from '../non-finite-voxels.ts';

export type PublishedDatasetKind = 'mmwhs' | 'btcv' | 'chaos';

/** A problem found while reading a case (each names the case and its file). */
export type CaseProblem = DataError | NiftiError;

/** One case found in a download folder. */
export interface PublishedCase {
  modality: string;
  id: string;
  /** Source files or folders (for the manifest and messages). */
  sources: string[];
}

/** A case read from its published form: image and label (stored label values) on one grid. */
export interface ReadCase {
  image: Volume;
  label: Volume;
}

export interface PublishedModality {
  name: string;
  /** Stored label value of each class, in `classes` order. */
  labelValues: number[];
  /** Stored values that mean background for the paper's task (other structures). */
  backgroundValues: number[];
}

export interface PublishedDataset {
  kind: PublishedDatasetKind;
  title: string;
  classes: string[];
  modalities: PublishedModality[];
  /** Where the published layout is described (README "Using the paper's datasets"). */
  layout: string;
  /**
   * The cases under `root` (the download folder, or a folder inside it). Throws
   * `DataError('unknown-layout')` when the layout is not found; returns unpaired files etc.
   * as problems.
   */
  findCases(root: string): Promise<{ cases: PublishedCase[]; problems: CaseProblem[] }>;
  /** Reads one case; every problem of the case is returned, not only the first. */
  readCase(c: PublishedCase): Promise<ReadCase | CaseProblem[]>;
}

/** Names in a folder (sorted, hidden files skipped), or null when it is not a folder. */
export async function listFolder(dir: string): Promise<string[] | null> {
  try {
    if (!(await stat(dir)).isDirectory()) return null;
    return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return null;
  }
}

/** The first of `candidates` (relative to `root`) that is a folder holding every name of `needs`. */
export async function findLayoutRoot(root: string, candidates: readonly string[], needs: readonly string[]): Promise<string | null> {
  for (const c of candidates) {
    const dir = join(root, c);
    const names = await listFolder(dir);
    if (names && needs.every((n) => names.includes(n))) return dir;
  }
  return null;
}

/** Stored label values outside `allowed` (0 is always allowed) as a problem naming the file, or null. */
export function unknownLabelProblem(label: Volume, allowed: readonly number[], subject: string, file: string): DataError | null {
  const ok = new Set([0, ...allowed]);
  const unknown = new Map<number, { count: number; at: number }>();
  let last = 0;
  for (let i = 0; i < label.data.length; i++) {
    const v = label.data[i]!;
    if (v === last || ok.has(v)) {
      last = v;
      continue;
    }
    const u = unknown.get(v);
    if (u) u.count++;
    else unknown.set(v, { count: 1, at: i });
  }
  if (!unknown.size) return null;
  const [X, Y] = label.dims;
  const list = [...unknown].sort((a, b) => a[0] - b[0]).map(([v, u]) => `${v} (${u.count} voxel(s), first at (${u.at % X}, ${Math.floor(u.at / X) % Y}, ${Math.floor(u.at / (X * Y))}))`).join(', ');
  return new DataError('undeclared-label', `${subject}: ${file}`, `holds label value(s) ${list} outside the dataset's coding (${[...ok].sort((a, b) => a - b).join(', ')})`, 'is this a label file of this dataset? fix or remove the case');
}

/**
 * Reads an image/label NIfTI pair of a published dataset: both readable, same grid, finite
 * image voxels, label values within `allowed`. Every problem is returned.
 */
export async function readNiftiPair(image: string, label: string, allowed: readonly number[], subject: string): Promise<ReadCase | CaseProblem[]> {
  const problems: CaseProblem[] = [];
  const read = async (file: string) => {
    try {
      return await readNifti(file);
    } catch (e) {
      if (e instanceof NiftiError) {
        problems.push(new NiftiError(e.code, `${subject}: ${e.file}`, e.detail, e.hint));
        return null;
      }
      throw e;
    }
  };
  const img = await read(image);
  const lab = await read(label);
  if (img) {
    const p = nonFiniteProblem(img, subject, image);
    if (p) problems.push(p);
  }
  if (lab) {
    const p = unknownLabelProblem(lab, allowed, subject, label);
    if (p) problems.push(p);
  }
  if (img && lab) {
    try {
      assertSameGrid(img, image, lab, label);
    } catch (e) {
      if (!(e instanceof NiftiError)) throw e;
      problems.push(new NiftiError(e.code, `${subject}: ${e.file}`, e.detail, e.hint));
    }
  }
  return problems.length || !img || !lab ? problems : { image: img, label: lab };
}
