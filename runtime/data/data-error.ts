/**
 * Typed failure of dataset listing, loading, preprocessing, caching and splitting.
 *
 * `code` is stable (tests and callers branch on it); `subject` is the file, folder or case the
 * error is about; `message` names it, says what is wrong and ends with a hint. NIfTI decoding
 * failures keep their own `NiftiError` (runtime/data/nifti-error.ts).
 */
export type DataErrorCode =
  | 'missing-folder' // a dataset folder does not exist
  | 'empty-folder' // a dataset folder holds no .nii / .nii.gz file
  | 'unpaired-file' // an image without a label file, or the reverse
  | 'duplicate-case' // two files map to one case id (case_1.nii and case_1.nii.gz)
  | 'undeclared-label' // a label volume holds a value the dataset does not declare
  | 'unknown-modality' // a modality the dataset does not declare
  | 'unknown-case' // a split or manifest names a case that does not exist
  | 'split-too-small' // too few cases for the requested fractions / few-shot / sample
  | 'split-overlap' // a case sits in two parts of a split
  | 'invalid-split' // a split file that cannot be read or has the wrong shape
  | 'phantom-class' // a class name the phantom generator cannot draw
  | 'phantom-modality' // a modality name the phantom generator cannot render
  | 'cache-corrupt' // a cached preprocessed volume cannot be decoded
  | 'invalid-volume' // shapes or sizes passed to a data function do not fit
  | 'non-finite-voxel' // an image holds NaN or ±Inf voxels
  | 'bad-dicom' // a .dcm file cannot be read (truncated, compressed, no geometry)
  | 'mixed-series' // two DICOM series in one folder
  | 'series-mismatch' // a slice disagrees with its series (size, orientation, spacing, position)
  | 'missing-slice' // a gap in a DICOM series
  | 'bad-png' // a PNG mask cannot be read
  | 'mask-size' // a mask's size differs from its image's
  | 'unknown-grey-value' // a PNG mask holds a grey value the dataset's coding does not know
  | 'unknown-layout' // a downloaded folder is not in the layout its dataset is published in
  | 'output-exists'; // an import's output folder already holds a dataset

export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(
    readonly code: DataErrorCode,
    /** The file, folder or case (`mri/case_003`) the error is about. */
    readonly subject: string,
    /** What is wrong, without the subject. */
    readonly detail: string,
    /** How to fix it. */
    readonly hint?: string,
  ) {
    super(`${subject}: ${detail}${hint ? ` (hint: ${hint})` : ''}`);
  }
}
