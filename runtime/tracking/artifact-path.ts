/**
 * The one check of an artifact path, shared by every tracker (FileStore and REST), so that no
 * tracker writes or reads outside a run's artifact folder: a relative posix path with no `..`
 * segment, no leading `/` and no drive letter (as MLflow's server refuses them).
 */
import { posixNormpath } from './mlflow-limits.ts';
import { TrackingError } from './tracking-error.ts';

/**
 * `artifactPath` normalised (backslashes as `/`, no `.` or empty segments, no trailing `/`);
 * `''` for the run's artifact root (undefined, `''`, `.`). Throws INVALID_PARAMETER_VALUE for
 * a path that leaves the run's artifact folder.
 */
export function checkArtifactPath(artifactPath: string | undefined): string {
  if (artifactPath === undefined || artifactPath === '') return '';
  const slashed = artifactPath.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || slashed.split('/').includes('..')) {
    throw new TrackingError('INVALID_PARAMETER_VALUE', `Invalid artifact path '${artifactPath}': it leaves the run's artifact folder`, {
      hint: 'Use a relative path inside the run without ".." segments, such as "plots/curves.svg".',
    });
  }
  const norm = posixNormpath(slashed);
  return norm === '.' ? '' : norm;
}
