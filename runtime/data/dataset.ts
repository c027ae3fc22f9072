/**
 * Datasets: listing the cases of a DatasetIR and loading one case as (image, class-index label).
 *
 * NIfTI sources: images under `source.root/<images>` and labels under `source.root/<labels>`
 * (in the IR relative to the working directory; in the `.abl` file relative to that file), `.nii` or `.nii.gz`. An image and a label
 * are paired by file name; when the names differ only by a usual suffix (`_image`, `_img`,
 * `_0000` on images; `_label`, `_seg`, `_mask`, `_gt` on labels, as MM-WHS and nnU-Net name
 * them) the suffix is dropped. The case id is the paired name without extension. When images
 * and labels share one folder, files with a label suffix are the labels.
 * Phantom sources: generated once by `ensurePhantom` and then read exactly like NIfTI folders
 * (`<modality>/images`, `<modality>/labels`), so both go through one code path.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { DataError } from './data-error.ts';
import { assertSameGrid, readNifti, type Volume } from './nifti.ts';
import { ensurePhantom } from './phantom/ensure-phantom.ts';
import { ensureImported } from './import/ensure-imported.ts';
import { nonFiniteProblem } from './non-finite-voxels.ts';
import { canonicalOrientation, isIdentityOrientation, orientedAffine, orientedDims, orientedSpacing, reorient, type Orientation } from './orientation.ts';

/** One case of one modality: its id and the two files. */
export interface CaseRef {
  modality: string;
  /** File name without extension (and without a pairing suffix), e.g. `case_003`. */
  id: string;
  image: string;
  label: string;
}

/** Where a modality's files are and how to read them. */
export interface ModalitySource {
  modality: string;
  imagesDir: string;
  labelsDir: string;
  /** Class names in label order 1..Z (for messages). */
  classes: string[];
  /** Stored label value of each class, same order as `classes`. */
  labelValues: number[];
  /** Spacing (mm) that overrides the header's, or null. */
  spacing: [number, number, number] | null;
}

/** Options of `resolveDataset`. */
export interface ResolveOptions {
  /** Cache folder for generated phantoms; default `.ablate-cache` in `cwd`. */
  cacheRoot?: string;
  /** Folder that relative `source.root` paths are resolved against; default `process.cwd()`. */
  cwd?: string;
}

/**
 * The folders of every modality of `dataset` (generating a phantom first if needed).
 * Modalities are returned in the dataset's declaration order.
 */
export async function resolveDataset(dataset: DatasetIR, options: ResolveOptions = {}): Promise<ModalitySource[]> {
  const cwd = options.cwd ?? process.cwd();
  const cacheRoot = resolve(cwd, options.cacheRoot ?? '.ablate-cache');
  const source = dataset.source;
  const root =
    source.kind === 'phantom' ? await ensurePhantom(dataset, cacheRoot) : source.kind === 'nifti' ? resolve(cwd, source.root) : await ensureImported(source.kind, resolve(cwd, source.root), cacheRoot);
  // Phantoms and imports are in ablate's form: <modality>/images, <modality>/labels unless the dataset says otherwise.
  const generated = source.kind !== 'nifti';
  return Object.entries(dataset.modalities).map(([modality, m]) => ({
    modality,
    imagesDir: generated && !m.images ? join(root, modality, 'images') : join(root, m.images),
    labelsDir: generated && !m.labels ? join(root, modality, 'labels') : join(root, m.labels),
    classes: [...dataset.classes],
    labelValues: [...m.labelValues],
    spacing: m.spacing ? [m.spacing[0]!, m.spacing[1]!, m.spacing[2]!] : null,
  }));
}

const NIFTI_NAME = /^(.*)\.nii(\.gz)?$/;
const IMAGE_SUFFIX = /_(image|img|0000)$/i;
const LABEL_SUFFIX = /_(label|labels|seg|mask|gt)$/i;

async function niftiFiles(dir: string, role: 'images' | 'labels', modality: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new Error('not a folder');
    names = await readdir(dir);
  } catch {
    throw new DataError('missing-folder', dir, `the ${role} folder of modality ${modality} does not exist`, `check the dataset's root and ${role} paths: in the .abl file, a relative root is resolved against the folder of the file declaring the dataset, not the working directory`);
  }
  const byBase = new Map<string, string>();
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const m = NIFTI_NAME.exec(name);
    if (!m) continue;
    const base = m[1]!;
    const other = byBase.get(base);
    if (other !== undefined) {
      throw new DataError('duplicate-case', join(dir, name), `and ${other} are the same case`, 'keep only one of the two files');
    }
    byBase.set(base, join(dir, name));
  }
  if (byBase.size === 0) {
    throw new DataError('empty-folder', dir, `the ${role} folder of modality ${modality} holds no .nii or .nii.gz file`, names.length ? `it holds ${names.length} other file(s); convert them to NIfTI` : 'copy the dataset there or fix the path');
  }
  return byBase;
}

function stripped(files: Map<string, string>, suffix: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const [base, file] of files) {
    const id = base.replace(suffix, '');
    const other = out.get(id);
    if (other !== undefined) throw new DataError('duplicate-case', file, `and ${other} are both case ${id}`, 'rename one of them');
    out.set(id, file);
  }
  return out;
}

/** Lists a modality's cases, sorted by id. Throws `DataError` for a missing or empty folder and for an image without a label (or the reverse). */
export async function listModalityCases(source: ModalitySource): Promise<CaseRef[]> {
  let images: Map<string, string>;
  let labels: Map<string, string>;
  let exact: boolean;
  if (resolve(source.imagesDir) === resolve(source.labelsDir)) {
    // One folder for both (MM-WHS ships `ct_train_1001_image.nii.gz` beside `…_label.nii.gz`):
    // files with a label suffix are labels, the others images.
    const all = await niftiFiles(source.imagesDir, 'images', source.modality);
    images = new Map([...all].filter(([base]) => !LABEL_SUFFIX.test(base)));
    labels = new Map([...all].filter(([base]) => LABEL_SUFFIX.test(base)));
    exact = false;
  } else {
    images = await niftiFiles(source.imagesDir, 'images', source.modality);
    labels = await niftiFiles(source.labelsDir, 'labels', source.modality);
    exact = [...images.keys()].every((id) => labels.has(id)) && images.size === labels.size;
  }
  if (!exact) {
    images = stripped(images, IMAGE_SUFFIX);
    labels = stripped(labels, LABEL_SUFFIX);
  }
  for (const [id, file] of images) {
    if (!labels.has(id)) throw new DataError('unpaired-file', file, `image of case ${id} has no label file in ${source.labelsDir}`, 'add the label file with the same name, or remove the image');
  }
  for (const [id, file] of labels) {
    if (!images.has(id)) throw new DataError('unpaired-file', file, `label of case ${id} has no image file in ${source.imagesDir}`, 'add the image file with the same name, or remove the label');
  }
  return [...images.keys()].sort().map((id) => ({ modality: source.modality, id, image: images.get(id)!, label: labels.get(id)! }));
}

/** Lists the cases of every modality of a dataset: modality → cases sorted by id. */
export async function listCases(dataset: DatasetIR, options: ResolveOptions = {}): Promise<Record<string, CaseRef[]>> {
  const out: Record<string, CaseRef[]> = {};
  for (const source of await resolveDataset(dataset, options)) out[source.modality] = await listModalityCases(source);
  return out;
}

/** One loaded case: float32 image and uint8 class-index label (0 = background, 1..Z) on one grid. */
export interface LoadedCase {
  ref: CaseRef;
  /**
   * How the stored voxel grid was reoriented to the canonical (closest RAS+) grid of `image`
   * and `label`, and the stored dims; absent when the volumes are on the stored grid.
   */
  orientation?: { orientation: Orientation; storedDims: [number, number, number] };
  /** Image intensities (float32), header scaling applied. */
  image: Volume & { data: Float32Array };
  /** Class indices 0..Z (uint8); same dims, spacing and affine as `image`. */
  label: Volume & { data: Uint8Array };
}

/** Options of `loadCase`. */
export interface LoadOptions {
  /**
   * Stored label values that mean background although the dataset does not declare them
   * (MM-WHS's 550/600/850 when only four structures are segmented). Default none: any
   * undeclared value is an error.
   */
  backgroundValues?: readonly number[];
  /**
   * Reorient both volumes to the closest RAS+ voxel order (orientation.ts), so that z-slices
   * are axial. Default true.
   */
  reorient?: boolean;
}

/**
 * Maps stored label values to class indices: 0 → 0, `labelValues[c]` → c + 1.
 * Values must be integers (within 1e-3). Throws `DataError('undeclared-label')` naming `file`,
 * the value and the first voxel holding it.
 */
export function labelValuesToClasses(
  data: ArrayLike<number>,
  dims: readonly [number, number, number],
  labelValues: readonly number[],
  file: string,
  classes: readonly string[] = [],
  backgroundValues: readonly number[] = [],
): Uint8Array {
  if (labelValues.length > 255) throw new DataError('invalid-volume', file, `${labelValues.length} classes do not fit a uint8 label`, 'use at most 255 classes');
  const table = new Map<number, number>([[0, 0]]);
  for (const v of backgroundValues) table.set(v, 0);
  labelValues.forEach((v, c) => table.set(v, c + 1));
  const out = new Uint8Array(data.length);
  let lastValue = 0;
  let lastClass = 0;
  for (let i = 0; i < data.length; i++) {
    const raw = data[i]!;
    if (raw === lastValue) {
      out[i] = lastClass;
      continue;
    }
    const v = Math.round(raw);
    const c = Math.abs(raw - v) <= 1e-3 ? table.get(v) : undefined;
    if (c === undefined) {
      const [X, Y] = dims;
      const at = `(${i % X}, ${Math.floor(i / X) % Y}, ${Math.floor(i / (X * Y))})`;
      const declared = ['0 (background)', ...labelValues.map((lv, k) => `${lv}${classes[k] ? ` (${classes[k]})` : ''}`)].join(', ');
      throw new DataError('undeclared-label', file, `holds label value ${raw} at voxel ${at}, which the dataset does not declare (declared: ${declared})`, 'add the value to the dataset\'s label values, or check that this is a label file');
    }
    lastValue = raw;
    lastClass = c;
    out[i] = c;
  }
  return out;
}

/** Replaces the spacing of a volume, keeping its orientation and origin (affine columns rescaled). */
function withSpacing<V extends Volume>(v: V, spacing: [number, number, number]): V {
  const affine = v.affine.map((row) => row.slice());
  for (let c = 0; c < 3; c++) {
    const scale = spacing[c]! / v.spacing[c]!;
    for (let r = 0; r < 3; r++) affine[r]![c] = affine[r]![c]! * scale;
  }
  const { header: _drop, ...rest } = v;
  return { ...rest, spacing: [...spacing], affine } as V;
}

/**
 * Reads a case: image as float32, label mapped to class indices. The two files must share
 * dims and affine (`NiftiError('grid-mismatch')` naming both); a modality spacing override
 * replaces both headers' spacing; then both are reoriented to the closest RAS+ voxel order
 * unless `options.reorient` is false. NIfTI errors (truncated, corrupt gzip, …) name the file;
 * NaN or infinite image voxels are `DataError('non-finite-voxel')` naming the case and file
 * (never silently replaced: preprocessing would take NaN for padding).
 */
export async function loadCase(ref: CaseRef, source: ModalitySource, options: LoadOptions = {}): Promise<LoadedCase> {
  const image = await readNifti(ref.image);
  const label = await readNifti(ref.label);
  assertSameGrid(image, ref.image, label, ref.label);
  const nonFinite = nonFiniteProblem(image, `${ref.modality} case ${ref.id}`, ref.image);
  if (nonFinite) throw nonFinite;
  const classes = labelValuesToClasses(label.data, label.dims, source.labelValues, ref.label, source.classes, options.backgroundValues);
  const imageData = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data as ArrayLike<number>);
  let img: LoadedCase['image'] = { ...image, data: imageData, datatype: 'float32' };
  let lab: LoadedCase['label'] = { ...label, data: classes, datatype: 'uint8' };
  if (source.spacing) {
    img = withSpacing(img, source.spacing);
    lab = withSpacing(lab, source.spacing);
  }
  return toCanonicalGrid(ref, img, lab, options.reorient ?? true);
}

/**
 * An image and its label map (same grid) turned to the canonical axis order (closest RAS+),
 * as every case is before preprocessing; `ablate predict` uses it with an empty label map.
 */
export function toCanonicalGrid(ref: CaseRef, img: LoadedCase['image'], lab: LoadedCase['label'], reorientToCanonical = true): LoadedCase {
  const o = canonicalOrientation(img.affine);
  if (!reorientToCanonical || isIdentityOrientation(o)) return { ref, image: img, label: lab };
  const storedDims: [number, number, number] = [...img.dims];
  const grid = { dims: orientedDims(storedDims, o), spacing: orientedSpacing(img.spacing, o), affine: orientedAffine(img.affine, storedDims, o) };
  const { header: _i, ...imgRest } = img;
  const { header: _l, ...labRest } = lab;
  return {
    ref,
    image: { ...imgRest, ...grid, data: reorient(img.data, storedDims, o) },
    label: { ...labRest, ...grid, affine: grid.affine.map((r) => r.slice()), data: reorient(lab.data, storedDims, o) },
    orientation: { orientation: o, storedDims },
  };
}
