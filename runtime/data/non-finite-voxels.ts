/**
 * NaN and ±Inf image voxels are an error, not something to paper over: preprocessing treats
 * NaN as padding and would silently fill it, and one infinite voxel turns a z-score into NaN.
 * Loading a case (dataset.ts) and importing one (import/) both refuse such an image, naming
 * the case, the file, the count and the first voxel.
 */
import { DataError } from './data-error.ts';
import type { Volume } from './nifti.ts';

/** NaN / ±Inf voxels of a volume as a problem naming the file, or null. */
export function nonFiniteProblem(v: Volume, subject: string, file: string): DataError | null {
  if (!(v.data instanceof Float32Array || v.data instanceof Float64Array)) return null; // integer types are always finite
  let count = 0;
  let first = -1;
  for (let i = 0; i < v.data.length; i++) {
    if (!Number.isFinite(v.data[i]!)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (!count) return null;
  const [X, Y] = v.dims;
  const at = `(${first % X}, ${Math.floor(first / X) % Y}, ${Math.floor(first / (X * Y))})`;
  return new DataError('non-finite-voxel', `${subject}: ${file}`, `holds ${count} NaN or infinite voxel(s), the first at ${at} (value ${v.data[first]})`, 'the image is damaged or was exported with an invalid scaling; fix or remove the case');
}
