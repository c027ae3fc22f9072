/**
 * Where the 2D in-plane input window (`data.crop`) of a case is placed. One function,
 * `inputCropBox`, serves every case of every role — training, validation, test — and
 * `ablate predict`, so a test volume and the same file given to `predict` are cut in
 * exactly the same place and segmented alike.
 *
 * Two rules (`data.crop_at`):
 *  - `image` (the default): the window is centred on the body, found from the image
 *    alone. Body = voxels above Otsu's threshold (between-class variance maximised over a
 *    256-bin histogram of the 0.5–99.5 % intensity range), which separates air (CT ≈
 *    −1000 HU, MRI background noise) from tissue in both modalities. Holes are filled
 *    line by line (every voxel between a row's first and last body voxel counts, so a
 *    dark lung that reaches the thin skin line stays inside), and the body's in-plane
 *    extent per axis is the first to the last index whose filled count reaches 5 % of
 *    the fullest one's, so scattered bright noise voxels outside do not move it; the
 *    window is centred on the middle of that extent. No
 *    label is read, so evaluation is honest: the test labels only score the prediction.
 *    The paper's crops (256 × 256 at 1 mm cardiac, 1.5 mm abdominal) span about the
 *    whole body in-plane, so centring on the body keeps the organs inside.
 *  - `label`: the window is centred on the bounding box of the case's reference label
 *    (label > 0), as UMMKD and the paper crop "the central heart region" (App. C). This
 *    places test windows with the test labels; it is kept to reproduce the paper's
 *    protocol and reports say so when it was used. `predict` has no label and falls back
 *    to `image`.
 * When a rule finds nothing (an empty label, a constant image) the window is centred on
 * the volume.
 */
import { boundingBox } from '../metrics/mask.ts';
import { DataError } from './data-error.ts';

/** `data.crop_at` of the Run IR. */
export type CropAt = 'image' | 'label';

/** A column or row belongs to the body's extent when it holds at least this part of the fullest one's body voxels. */
export const BODY_PROFILE_FRACTION = 0.05;

/** Otsu's threshold of `values` (NaN skipped) over `bins` bins between the 0.5 and 99.5 % points of their range. */
export function otsuThreshold(values: ArrayLike<number>, bins = 256): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  if (finite.length === 0) return NaN;
  const sorted = Float64Array.from(finite).sort();
  const lo = sorted[Math.floor(0.005 * (sorted.length - 1))]!;
  const hi = sorted[Math.ceil(0.995 * (sorted.length - 1))]!;
  if (!(hi > lo)) return NaN;
  const hist = new Float64Array(bins);
  const width = (hi - lo) / bins;
  for (const v of sorted) hist[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]! += 1;
  let total = 0;
  let totalSum = 0;
  for (let b = 0; b < bins; b++) {
    total += hist[b]!;
    totalSum += b * hist[b]!;
  }
  // Between-class variance w0·w1·(μ0 − μ1)² for a cut after bin b; the best cut wins.
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let cut = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b]!;
    sum0 += b * hist[b]!;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const between = w0 * w1 * (sum0 / w0 - (totalSum - sum0) / w1) ** 2;
    if (between > best) [best, cut] = [between, b];
  }
  return lo + (cut + 1) * width;
}

/**
 * First and last index whose count reaches `fraction` of the largest count: the extent of
 * the body along one axis from its projection, blind to holes inside it (lungs) and to
 * scattered voxels outside it (noise above the threshold).
 */
function profileExtent(counts: Float64Array, fraction: number): [number, number] {
  let peak = 0;
  for (const c of counts) if (c > peak) peak = c;
  const level = fraction * peak;
  let first = 0;
  while (counts[first]! < level) first++;
  let last = counts.length - 1;
  while (counts[last]! < level) last--;
  return [first, last];
}

/**
 * In-plane centre [x, y] (voxel units, box-centre convention: the middle of voxels a..b is
 * (a + b + 1) / 2) of the body found in `image` (see the module comment), or null when the
 * image has no contrast.
 */
export function bodyCentre(image: Float32Array, dims: readonly [number, number, number]): [number, number] | null {
  const [X, Y, Z] = dims;
  const threshold = otsuThreshold(image);
  if (!Number.isFinite(threshold)) return null;
  const inside = (x: number, y: number, z: number) => image[x + X * (y + Y * z)]! > threshold;
  // Holes filled line by line: each row (column) counts every voxel between its first and last
  // body voxel, so a dark lung reaching the thin skin line still belongs to the body.
  const byX = new Float64Array(X);
  const byY = new Float64Array(Y);
  let found = false;
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      let first = 0;
      while (first < X && !inside(first, y, z)) first++;
      if (first === X) continue;
      let last = X - 1;
      while (!inside(last, y, z)) last--;
      for (let x = first; x <= last; x++) byX[x]! += 1;
      found = true;
    }
    for (let x = 0; x < X; x++) {
      let first = 0;
      while (first < Y && !inside(x, first, z)) first++;
      if (first === Y) continue;
      let last = Y - 1;
      while (!inside(x, last, z)) last--;
      for (let y = first; y <= last; y++) byY[y]! += 1;
    }
  }
  if (!found) return null;
  const centre = (counts: Float64Array) => {
    const [first, last] = profileExtent(counts, BODY_PROFILE_FRACTION);
    return (first + last + 1) / 2;
  };
  return [centre(byX), centre(byY)];
}

/** In-plane centre [x, y] of the bounding box of label > 0, or null when the label is empty. */
export function labelCentre(label: Uint8Array, dims: readonly [number, number, number]): [number, number] | null {
  const box = boundingBox([label], dims as [number, number, number]);
  return box ? [(box.lo[0] + box.hi[0]) / 2, (box.lo[1] + box.hi[1]) / 2] : null; // hi is exclusive
}

/**
 * Start index of a box of `size` voxels on an axis of `n` voxels centred on `centre`: kept
 * inside [0, n) when size ≤ n, else negative (symmetric padding, the extra voxel after).
 */
export function boxStart(n: number, size: number, centre: number): number {
  if (size > n) return 0 - Math.floor((size - n) / 2); // 0 - 0 is +0, unlike -0
  return Math.min(Math.max(Math.round(centre - size / 2), 0), n - size);
}

/** Where a case's in-plane window goes and what placed it. */
export interface InputCropBox {
  /** Start [x, y] of the window in the (resampled) volume; negative: padding. */
  offset: [number, number];
  size: [number, number];
  /** What the centre came from: the body in the image, the reference label, or the volume centre (nothing found). */
  centredOn: 'body' | 'label' | 'volume';
}

/**
 * The in-plane window of `crop` = [x, y] voxels for a (resampled) volume under rule
 * `cropAt` (see the module comment). `label` is read only under `label`; pass null when
 * there is none (`predict`), which `label` does not accept.
 */
export function inputCropBox(
  image: Float32Array, label: Uint8Array | null, dims: readonly [number, number, number], crop: readonly [number, number], cropAt: CropAt,
): InputCropBox {
  let centre: [number, number] | null;
  let centredOn: InputCropBox['centredOn'];
  if (cropAt === 'label') {
    if (!label) throw new DataError('invalid-volume', 'crop_at: label', 'needs a reference label to place the window, and this image has none', "use crop_at: image (the default), which reads the image only");
    centre = labelCentre(label, dims);
    centredOn = 'label';
  } else {
    centre = bodyCentre(image, dims);
    centredOn = 'body';
  }
  if (!centre) {
    centre = [dims[0] / 2, dims[1] / 2];
    centredOn = 'volume';
  }
  const offset: [number, number] = [boxStart(dims[0], crop[0], centre[0]), boxStart(dims[1], crop[1], centre[1])];
  return { offset, size: [crop[0], crop[1]], centredOn };
}
