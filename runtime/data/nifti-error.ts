/**
 * Typed failure of NIfTI reading, writing or grid comparison.
 *
 * `code` is stable (tests and callers branch on it); `message` names the file, says what is
 * wrong and ends with a hint.
 */
export type NiftiErrorCode =
  | 'not-found' // the file cannot be opened
  | 'corrupt-gzip' // gzip stream is damaged or cut short
  | 'truncated' // fewer bytes than the header promises
  | 'bad-magic' // not a single-file NIfTI-1 (.nii) header
  | 'unsupported-datatype' // a datatype code we do not read or write
  | 'unsupported-dims' // 4D+ data with more than one volume, or zero-sized axes
  | 'bad-extension' // output path is not .nii or .nii.gz
  | 'invalid-volume' // data length / dims / values do not fit the requested file
  | 'grid-mismatch'; // two volumes that must share a voxel grid do not

export class NiftiError extends Error {
  override readonly name = 'NiftiError';

  constructor(
    readonly code: NiftiErrorCode,
    /** The file the error is about (for `grid-mismatch`, the second of the two). */
    readonly file: string,
    /** What is wrong, without the file name. */
    readonly detail: string,
    /** How to fix it. */
    readonly hint?: string,
  ) {
    super(`${file}: ${detail}${hint ? ` (hint: ${hint})` : ''}`);
  }
}
