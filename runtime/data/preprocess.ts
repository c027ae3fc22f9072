/**
 * Preprocessing of one case as the paper's Appendix C describes, in this order:
 *  1. resample to `data.spacing` (trilinear for the image, nearest for the label; see
 *     resample.ts for the grid convention); skipped when the spacing is null. With
 *     `data.resize` ([x, y], the paper's abdominal 256 × 256), x and y are instead resampled
 *     to exactly that many voxels over the case's own extent (`resizeStep`), so the in-plane
 *     spacing follows per case ("around 1.5 mm") and `spacing` sets z only;
 *  2. 2D: crop a fixed in-plane box `data.crop` ([x, y], e.g. 256 × 256) placed by
 *     `inputCropBox` (input-crop.ts) under `data.crop_at`: centred on the body found in the
 *     image (the default; no label read) or on the reference label's bounding box (the
 *     paper's protocol); kept inside the volume when it fits, padded symmetrically when the
 *     volume is smaller; all slices are kept. 3D: no crop, but each axis is padded up to
 *     the patch size;
 *  3. clip at the (1 − clipTop) quantile of the (unpadded) voxels;
 *  4. normalise per volume (z-score / min-max / none) over the unpadded voxels.
 * Padding holds the normalised minimum of the image and label 0 (background).
 *
 * Every case of every role (and `ablate predict`, which passes no label) goes through this
 * one function, so a test volume and the same file given to `predict` are cut alike;
 * `CaseGeometry` records every step so that predictions can be put back on the original grid
 * (volume-inference.ts).
 */
import type { DataIR } from '../../schemas/run-ir.schema.ts';
import { clipTop, normalize, type Normalization } from './intensity.ts';
import { resample, resampledAffine, resampledDims, resizeStep } from './resample.ts';
import { boundingBox } from '../metrics/mask.ts';
import { boxStart, inputCropBox, type CropAt } from './input-crop.ts';
import type { LoadedCase } from './dataset.ts';
import { IDENTITY_ORIENTATION, type Orientation } from './orientation.ts';
import { toSliceAxis, toSliceOrder, type SliceAxis } from './slice-axis.ts';

/** Everything that determines preprocessing (part of the cache key). */
export interface PreprocessSettings {
  /** Target spacing in mm, or null to keep each case's spacing. */
  spacing: [number, number, number] | null;
  /** In-plane box [x, y] (2D), or null. */
  crop: [number, number] | null;
  /** What places the in-plane box: the body in the image, or the reference label (input-crop.ts). */
  cropAt: CropAt;
  /** Minimum dims [x, y, z]: smaller axes are padded (3D patch size), or null. */
  minSize: [number, number, number] | null;
  /** Fraction of the histogram removed from the top (0.02 = 2 %). */
  clipTop: number;
  normalize: Normalization;
  /** 2D: the plane slices are cut in (slice-axis.ts); absent or 'axial': z-slices. */
  sliceAxis?: SliceAxis;
  /** In-plane grid [x, y] (on the sliced grid) every case is resampled to; absent: none (and absent from the cache key). */
  resize?: [number, number];
}

/** The settings a Run IR's `data` block asks for. */
export function preprocessSettings(data: DataIR): PreprocessSettings {
  const spacing = data.spacing ? ([data.spacing[0]!, data.spacing[1]!, data.spacing[2]!] as [number, number, number]) : null;
  const common = {
    spacing,
    clipTop: data.intensity.clipTop,
    normalize: data.intensity.normalize,
    cropAt: data.cropAt,
    ...(data.resize ? { resize: [data.resize[0]!, data.resize[1]!] as [number, number] } : {}),
  };
  if (data.dims === 2) return { ...common, crop: [data.crop[0]!, data.crop[1]!], minSize: null, sliceAxis: data.sliceAxis ?? 'axial' };
  return { ...common, crop: null, minSize: [data.crop[0]!, data.crop[1]!, data.crop[2] ?? 1] };
}

/**
 * How a preprocessed grid relates to the case's grids: the stored file grid → (reorientation)
 * → the loaded "original" grid → (resampling) → the resampled grid → (crop / pad) → the
 * preprocessed grid.
 */
export interface CaseGeometry {
  /** Voxel order change from the stored file grid to the original grid (identity when none). */
  orientation: Orientation;
  /** Dims of the stored file grid. */
  storedDims: [number, number, number];
  /** Dims, spacing and affine of the loaded (reoriented) grid, before resampling. */
  originalDims: [number, number, number];
  originalSpacing: [number, number, number];
  originalAffine: number[][];
  /** Dims after resampling, before crop / pad. */
  resampledDims: [number, number, number];
  /** Source index per resampled index, per axis (target spacing / original spacing). */
  step: [number, number, number];
  /** Index in the resampled grid of the preprocessed grid's voxel 0 (negative: padding). */
  offset: [number, number, number];
  /** Labelled voxels (resampled grid) that fall outside the crop box: > 0 means the crop cuts the foreground. */
  droppedForeground: number;
  /** What placed the 2D crop (input-crop.ts), or null when nothing was cropped (3D). */
  centredOn: 'body' | 'label' | 'volume' | null;
}

/** A preprocessed case, ready for the samplers. */
export interface PreprocessedCase {
  modality: string;
  id: string;
  /** [X, Y, Z] of `image` and `label`. */
  dims: [number, number, number];
  spacing: [number, number, number];
  /** Voxel → world (mm) of the preprocessed grid. */
  affine: number[][];
  /** Normalised intensities, x fastest. */
  image: Float32Array;
  /** Class indices 0..Z, x fastest. */
  label: Uint8Array;
  geometry: CaseGeometry;
}

/** Bounding box [min, max] (inclusive) of label > 0 per axis, or null when empty. */
export function foregroundBox(label: Uint8Array, dims: readonly number[]): { min: [number, number, number]; max: [number, number, number] } | null {
  const box = boundingBox([label], dims as [number, number, number]);
  if (!box) return null;
  return { min: [...box.lo], max: [box.hi[0] - 1, box.hi[1] - 1, box.hi[2] - 1] }; // boundingBox's hi is exclusive
}

export { boxStart };

/** Copies box [offset, offset + size) of an x-fastest volume; voxels outside the volume get `fill`. */
export function extractBox<T extends Float32Array | Uint8Array>(data: T, dims: readonly number[], offset: readonly number[], size: readonly number[], fill: number): T {
  const [X, Y, Z] = dims as [number, number, number];
  const [SX, SY, SZ] = size as [number, number, number];
  const out = new (data.constructor as new (n: number) => T)(SX * SY * SZ);
  if (fill !== 0) out.fill(fill);
  const x0 = Math.max(0, -offset[0]!);
  const x1 = Math.min(SX, X - offset[0]!);
  for (let k = 0; k < SZ; k++) {
    const z = k + offset[2]!;
    if (z < 0 || z >= Z) continue;
    for (let j = 0; j < SY; j++) {
      const y = j + offset[1]!;
      if (y < 0 || y >= Y || x1 <= x0) continue;
      const src = X * (y + Y * z) + offset[0]!;
      const dst = SX * (j + SY * k);
      out.set(data.subarray(src + x0, src + x1), dst + x0);
    }
  }
  return out;
}

/**
 * Preprocesses a loaded case (see the module comment for the steps and conventions).
 * `hasLabel: false` (`predict`) says the label volume is a placeholder: it is never used
 * to place the crop.
 */
export function preprocessCase(input: LoadedCase, requested: PreprocessSettings, options: { hasLabel?: boolean } = {}): PreprocessedCase {
  // 0. turn the slice axis to z (coronal / sagittal 2D); the target spacing is given in x, y, z
  const axis = requested.sliceAxis ?? 'axial';
  const loaded = toSliceAxis(input, axis);
  const settings = requested.spacing && axis !== 'axial' ? { ...requested, spacing: toSliceOrder(requested.spacing, axis) } : requested;
  const { image, label } = loaded;
  const dims = image.dims;
  // 1. resample
  let step: [number, number, number] = [1, 1, 1];
  let rDims: [number, number, number] = [...dims];
  let img: Float32Array = image.data;
  let lab: Uint8Array = label.data;
  if (settings.spacing) {
    step = [0, 1, 2].map((a) => settings.spacing![a]! / image.spacing[a]!) as [number, number, number];
    rDims = resampledDims(dims, image.spacing, settings.spacing);
  }
  if (settings.resize) {
    for (const a of [0, 1]) {
      rDims[a] = settings.resize[a]!;
      step[a] = resizeStep(dims[a]!, settings.resize[a]!);
    }
  }
  if (step.some((s) => s !== 1) || rDims.some((n, a) => n !== dims[a])) {
    img = resample(img, dims, rDims, step, 'linear');
    lab = resample(lab, dims, rDims, step, 'nearest');
  }
  // 2. crop / pad (image padding is NaN until normalisation)
  const size: [number, number, number] = [...rDims];
  const offset: [number, number, number] = [0, 0, 0];
  let centredOn: CaseGeometry['centredOn'] = null;
  if (settings.crop) {
    const box = inputCropBox(img, options.hasLabel === false ? null : lab, rDims, settings.crop, settings.cropAt);
    [offset[0], offset[1]] = box.offset;
    [size[0], size[1]] = box.size;
    centredOn = box.centredOn;
  }
  if (settings.minSize) {
    for (const a of [0, 1, 2]) {
      if (size[a]! < settings.minSize[a]!) {
        offset[a] = offset[a]! - Math.floor((settings.minSize[a]! - size[a]!) / 2);
        size[a] = settings.minSize[a]!;
      }
    }
  }
  const moved = offset.some((o) => o !== 0) || size.some((s, a) => s !== rDims[a]);
  const outImg = moved ? extractBox(img, rDims, offset, size, NaN) : img === image.data ? img.slice() : img;
  const outLab = moved ? extractBox(lab, rDims, offset, size, 0) : lab === label.data ? lab.slice() : lab;
  let droppedForeground = 0;
  if (moved) {
    let before = 0;
    let after = 0;
    for (let i = 0; i < lab.length; i++) if (lab[i] !== 0) before++;
    for (let i = 0; i < outLab.length; i++) if (outLab[i] !== 0) after++;
    droppedForeground = before - after;
  }
  // 3. clip, 4. normalise (NaN padding ignored), then fill the padding
  clipTop(outImg, settings.clipTop);
  normalize(outImg, settings.normalize);
  let lo = Infinity;
  for (let i = 0; i < outImg.length; i++) if (outImg[i]! < lo) lo = outImg[i]!;
  if (lo === Infinity) lo = 0;
  for (let i = 0; i < outImg.length; i++) if (Number.isNaN(outImg[i]!)) outImg[i] = lo;

  const scaled = resampledAffine(image.affine, step);
  const affine = scaled.map((row, r) => (r < 3 ? [row[0]!, row[1]!, row[2]!, row[3]! + row[0]! * offset[0] + row[1]! * offset[1] + row[2]! * offset[2]] : row.slice()));
  return {
    modality: loaded.ref.modality,
    id: loaded.ref.id,
    dims: size,
    spacing: settings.resize
      ? [image.spacing[0] * step[0], image.spacing[1] * step[1], settings.spacing ? settings.spacing[2] : image.spacing[2]]
      : settings.spacing
        ? [...settings.spacing]
        : [...image.spacing],
    affine,
    image: outImg,
    label: outLab,
    geometry: {
      orientation: loaded.orientation?.orientation ?? IDENTITY_ORIENTATION,
      storedDims: loaded.orientation ? [...loaded.orientation.storedDims] : [...dims],
      originalDims: [...dims],
      originalSpacing: [...image.spacing],
      originalAffine: image.affine.map((r) => r.slice()),
      resampledDims: rDims,
      step,
      offset,
      droppedForeground,
      centredOn,
    },
  };
}

/**
 * Preprocesses an image that has no reference label (`ablate predict`, ONNX predict) as the
 * run `data` preprocessed its cases: the crop is placed by the image (`crop_at: image`) even
 * for a model evaluated with label-centred crops, since there is no label to centre on.
 * `loaded.label` is a placeholder and is never read for the crop.
 */
export function preprocessUnlabelled(loaded: LoadedCase, data: DataIR): PreprocessedCase {
  return preprocessCase(loaded, { ...preprocessSettings(data), cropAt: 'image' }, { hasLabel: false });
}
