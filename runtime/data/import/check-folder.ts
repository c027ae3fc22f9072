/**
 * `ablate data check <folder>`: every case of a dataset folder read, every problem listed.
 * The folder is either in ablate's form (`manifest.json` of an import or a phantom: each
 * modality's `images/` and `labels/` loaded as a run loads them, and the manifest's case list
 * compared with the files) or a download in a published layout (MM-WHS 2017, BTCV, CHAOS:
 * read exactly as `data import` reads it, without writing), detected from its folders
 * unless the caller names the layout.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkModality } from '../check-dataset.ts';
import { DataError } from '../data-error.ts';
import { NiftiError } from '../nifti-error.ts';
import { PUBLISHED_DATASETS, scanPublished } from './import-dataset.ts';
import type { PublishedDatasetKind } from './published-dataset.ts';

/** One readable case. */
export interface FolderCase {
  modality: string;
  id: string;
  dims: [number, number, number];
  spacing: [number, number, number];
}

export interface DatasetFolderCheck {
  folder: string;
  /** `ablate-import (chaos)`, `ablate-phantom`, or the detected download layout (`chaos download`). */
  kind: string;
  cases: FolderCase[];
  problems: (DataError | NiftiError)[];
}

interface AblateManifest {
  format: 'ablate-import' | 'ablate-phantom';
  dataset?: string;
  classes: string[];
  modalities: Record<string, { labelValues: number[]; backgroundValues?: number[]; cases: { id: string }[] }>;
}

async function readManifest(folder: string): Promise<AblateManifest | null> {
  let text: string;
  try {
    text = await readFile(join(folder, 'manifest.json'), 'utf8');
  } catch {
    return null;
  }
  let m: AblateManifest;
  try {
    m = JSON.parse(text) as AblateManifest;
  } catch (e) {
    throw new DataError('unknown-layout', join(folder, 'manifest.json'), `is not valid JSON (${(e as Error).message})`, 'import or generate the dataset again');
  }
  if (m.format !== 'ablate-import' && m.format !== 'ablate-phantom') {
    throw new DataError('unknown-layout', join(folder, 'manifest.json'), `is not an ablate dataset manifest (format ${JSON.stringify(m.format)})`, 'check an imported or phantom dataset folder');
  }
  return m;
}

/** Checks a dataset folder (see the module comment). Throws `DataError('unknown-layout')` when the folder is in no known form. */
export async function checkDatasetFolder(folder: string, layout?: PublishedDatasetKind): Promise<DatasetFolderCheck> {
  const manifest = layout ? null : await readManifest(folder);
  if (manifest) {
    const out: DatasetFolderCheck = { folder, kind: manifest.format === 'ablate-import' ? `ablate-import (${manifest.dataset})` : 'ablate-phantom', cases: [], problems: [] };
    for (const [modality, m] of Object.entries(manifest.modalities)) {
      const source = { modality, imagesDir: join(folder, modality, 'images'), labelsDir: join(folder, modality, 'labels'), classes: manifest.classes, labelValues: m.labelValues, spacing: null };
      const report = await checkModality(source, { backgroundValues: m.backgroundValues ?? [] });
      out.problems.push(...report.errors);
      for (const c of report.cases) out.cases.push({ modality, id: c.id, dims: c.dims, spacing: c.spacing });
      const found = new Set(report.cases.map((c) => c.id));
      const listed = new Set(m.cases.map((c) => c.id));
      const failed = report.errors.length > 0;
      for (const id of listed) {
        if (!found.has(id) && !failed) out.problems.push(new DataError('unknown-case', `${modality} case ${id}`, `is listed in ${join(folder, 'manifest.json')} but its files are missing`, 'import the dataset again'));
      }
      for (const id of found) {
        if (!listed.has(id)) out.problems.push(new DataError('unknown-case', `${modality} case ${id}`, `has files in ${source.imagesDir} but is not listed in manifest.json`, 'remove the extra files or import the dataset again'));
      }
    }
    return out;
  }
  let kind = layout;
  if (!kind) {
    for (const k of Object.keys(PUBLISHED_DATASETS) as PublishedDatasetKind[]) {
      try {
        await PUBLISHED_DATASETS[k].findCases(folder);
        kind = k;
        break;
      } catch (e) {
        if (!(e instanceof DataError && e.code === 'unknown-layout')) throw e;
      }
    }
  }
  if (!kind) {
    const layouts = Object.values(PUBLISHED_DATASETS).map((d) => `${d.kind}: ${d.layout}`).join('; ');
    throw new DataError('unknown-layout', folder, 'holds no manifest.json and is not a MM-WHS, BTCV or CHAOS download', `check an imported folder, or a download in its published layout (${layouts})`);
  }
  const scan = await scanPublished(kind, folder);
  const cases = Object.entries(scan.manifest.modalities).flatMap(([modality, m]) => m.cases.map((c) => ({ modality, id: c.id, dims: c.dims, spacing: c.spacing })));
  return { folder, kind: `${kind} download`, cases, problems: scan.problems };
}
