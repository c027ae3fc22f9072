/**
 * Dataset check: reads every case of a modality and collects every problem (rather than
 * stopping at the first), so a user can fix a dataset folder in one pass before training.
 */
import { DataError } from './data-error.ts';
import { listModalityCases, loadCase, type LoadOptions, type ModalitySource } from './dataset.ts';
import { NiftiError } from './nifti.ts';

/** One readable case. */
export interface CheckedCase {
  id: string;
  /** Dims and spacing (mm) after reorientation. */
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Voxel count per class 0..Z. */
  classVoxels: number[];
}

/** What `checkModality` found. */
export interface ModalityCheck {
  modality: string;
  cases: CheckedCase[];
  /** Every failure, each naming its file or case. */
  errors: (DataError | NiftiError)[];
}

/**
 * Lists and loads every case of `source`. Folder-level failures (missing or empty folder,
 * unpaired file) end the check; per-case failures (corrupt file, grid mismatch, undeclared
 * label) are collected and the check goes on. Other exceptions propagate.
 */
export async function checkModality(source: ModalitySource, options: LoadOptions = {}): Promise<ModalityCheck> {
  const result: ModalityCheck = { modality: source.modality, cases: [], errors: [] };
  let refs;
  try {
    refs = await listModalityCases(source);
  } catch (e) {
    if (e instanceof DataError) {
      result.errors.push(e);
      return result;
    }
    throw e;
  }
  for (const ref of refs) {
    try {
      const c = await loadCase(ref, source, options);
      const classVoxels = new Array<number>(source.labelValues.length + 1).fill(0);
      const lab = c.label.data;
      for (let i = 0; i < lab.length; i++) classVoxels[lab[i]!]!++;
      result.cases.push({ id: ref.id, dims: c.image.dims, spacing: c.image.spacing, classVoxels });
    } catch (e) {
      if (e instanceof DataError || e instanceof NiftiError) result.errors.push(e);
      else throw e;
    }
  }
  return result;
}
