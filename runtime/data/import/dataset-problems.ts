/**
 * Every problem of a dataset at once: what an import or a check throws when any case is bad,
 * so that one run of `ablate data import` / `data check` lists all of them (each a
 * `DataError` or `NiftiError` naming its case and file) instead of the first.
 */
import type { DataError } from '../data-error.ts';
import type { NiftiError } from '../nifti-error.ts';

export class DatasetProblems extends Error {
  override readonly name = 'DatasetProblems';

  constructor(
    /** What was read, e.g. `CHAOS 2019 T2-SPIR MRI in /data/CHAOS_Train_Sets`. */
    readonly subject: string,
    readonly problems: readonly (DataError | NiftiError)[],
  ) {
    super(`${subject}: ${problems.length} problem(s), nothing was written\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
  }
}
