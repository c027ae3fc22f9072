/**
 * Phantom cases written in the layout a real dataset is downloaded in, so that the importers
 * (runtime/data/import/) are tested, and can be tried, without the real data:
 *  - `chaos`: `Train_Sets/MR/<n>/T2SPIR/DICOM_anon/IMG-0002-000NN.dcm` (a real DICOM series,
 *    dicom-writer.ts) and `Ground/IMG-0002-000NN.png` masks with grey values 63/126/189/252;
 *  - `mmwhs`: `ct_train/ct_train_10NN_{image,label}.nii.gz`, `mr_train/mr_train_10NN_…`,
 *    labels 205/420/500/820 and some 550/600/850 (structures the paper does not segment);
 *  - `btcv`: `RawData/Training/img/img00NN.nii.gz`, `label/label00NN.nii.gz`, labels 6/1/2/3
 *    and some of the other organs' codes.
 * The CHAOS series is stored the way scanners do it, to exercise the importer: files named in
 * the reverse order of their position along the slice normal, pixels as uint16 with a rescale
 * slope and intercept, DICOM's LPS patient coordinates. `writePublishedLayout` returns the
 * truth an import must reproduce: per case the image values (after rescaling), the stored
 * label values and the NIfTI (RAS) grid.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { writeNifti, type Volume } from '../nifti.ts';
import type { PublishedDatasetKind } from '../import/published-dataset.ts';
import { encodeDicomSlice } from './dicom-writer.ts';
import { phantomCase, type PhantomSpec } from './generate.ts';

/** The truth of one written case. */
export interface PublishedPhantomCase {
  modality: string;
  id: string;
  /** Image values an import must read (float32, on the RAS grid below). */
  image: Volume;
  /** Stored label values (the dataset's coding). */
  label: Volume;
}

export interface PublishedPhantomOptions {
  /** Cases per modality. */
  cases: number;
  /** Voxels [X, Y, Z] (CHAOS: columns, rows, slices). */
  size: [number, number, number];
  seed?: number;
}

const SPECS: Record<PublishedDatasetKind, { anatomy: PhantomSpec['anatomy']; classes: string[]; spacing: [number, number, number]; modalities: { name: string; folder: string; labelValues: number[]; extra: number[] }[] }> = {
  chaos: { anatomy: 'abdominal', classes: ['Liver', 'Spleen', 'RKdy', 'LKdy'], spacing: [1.5, 1.5, 8], modalities: [{ name: 'mri', folder: 'MR', labelValues: [63, 252, 126, 189], extra: [] }] },
  mmwhs: {
    anatomy: 'cardiac',
    classes: ['LVM', 'LAC', 'LVC', 'AA'],
    spacing: [1, 1, 1.5],
    modalities: [
      { name: 'ct', folder: 'ct_train', labelValues: [205, 420, 500, 820], extra: [550, 600, 850] },
      { name: 'mri', folder: 'mr_train', labelValues: [205, 420, 500, 820], extra: [550, 600, 850] },
    ],
  },
  btcv: { anatomy: 'abdominal', classes: ['Liver', 'Spleen', 'RKdy', 'LKdy'], spacing: [0.8, 0.8, 3], modalities: [{ name: 'ct', folder: 'img', labelValues: [6, 1, 2, 3], extra: [4, 7, 11] }] },
};

/** CHAOS DICOM storage: stored = (value − intercept) / slope as uint16. */
const RESCALE = { slope: 0.5, intercept: -20 };

/** Paints a few voxels of other structures' codes (far corner rows) so importers see them as background. */
function paintExtra(label: Volume, extra: readonly number[]): void {
  const [X, Y, Z] = label.dims;
  extra.forEach((v, k) => {
    const z = Math.min(Z - 1, k);
    for (let x = 0; x < Math.min(3, X); x++) label.data[x + X * ((Y - 1) + Y * z)] = v;
  });
}

/** Writes `cases` phantom cases of `kind` under `dir` in the published layout; returns the truth. */
export async function writePublishedLayout(kind: PublishedDatasetKind, dir: string, options: PublishedPhantomOptions): Promise<PublishedPhantomCase[]> {
  const s = SPECS[kind];
  const spec: PhantomSpec = {
    anatomy: s.anatomy,
    size: options.size,
    spacing: s.spacing,
    seed: options.seed ?? 0,
    classes: s.classes,
    modalities: s.modalities.map((m) => ({ name: m.name, cases: options.cases, labelValues: m.labelValues })),
  };
  const truth: PublishedPhantomCase[] = [];
  for (const m of s.modalities) {
    for (let i = 0; i < options.cases; i++) {
      const { image, label } = phantomCase(spec, m.name, i);
      paintExtra(label, m.extra);
      if (kind === 'chaos') {
        const id = String(2 * i + 1); // CHAOS MR case numbers are sparse: 1, 3, 5, …
        truth.push({ modality: m.name, id, ...(await writeChaosCase(join(dir, 'Train_Sets', 'MR', id, 'T2SPIR'), image, label, i)) });
      } else if (kind === 'mmwhs') {
        const id = `${m.folder}_${1001 + i}`;
        await mkdir(join(dir, m.folder), { recursive: true });
        await writeNifti(join(dir, m.folder, `${id}_image.nii.gz`), image, { compressionLevel: 1 });
        await writeNifti(join(dir, m.folder, `${id}_label.nii.gz`), label, { datatype: 'int16', compressionLevel: 1 });
        truth.push({ modality: m.name, id, image, label });
      } else {
        const id = String(i + 1).padStart(4, '0');
        const base = join(dir, 'RawData', 'Training');
        await mkdir(join(base, 'img'), { recursive: true });
        await mkdir(join(base, 'label'), { recursive: true });
        await writeNifti(join(base, 'img', `img${id}.nii.gz`), image, { compressionLevel: 1 });
        await writeNifti(join(base, 'label', `label${id}.nii.gz`), label, { datatype: 'uint8', compressionLevel: 1 });
        truth.push({ modality: m.name, id, image, label });
      }
    }
  }
  return truth;
}

/**
 * One CHAOS case: the phantom's voxel (x, y, z) becomes column x, row y of the slice at
 * height z. Orientation (LPS) F_row = (1, 0, 0), F_col = (0, 1, 0): world RAS axes x and y
 * then point against the columns and rows, which the returned affine says.
 */
async function writeChaosCase(dir: string, image: Volume, label: Volume, index: number): Promise<{ image: Volume; label: Volume }> {
  const [X, Y, Z] = image.dims;
  const [sx, sy, sz] = image.spacing;
  await mkdir(join(dir, 'DICOM_anon'), { recursive: true });
  await mkdir(join(dir, 'Ground'), { recursive: true });
  const origin: [number, number, number] = [-100 - index, -120, 30 + 2 * index]; // LPS, mm
  const values = new Float32Array(X * Y * Z);
  const series = `1.2.826.0.1.3680043.8.498.${index + 1}.2`;
  for (let z = 0; z < Z; z++) {
    const pixels = new Uint16Array(X * Y);
    for (let i = 0; i < X * Y; i++) {
      const stored = Math.min(65535, Math.max(0, Math.round((image.data[X * Y * z + i]! - RESCALE.intercept) / RESCALE.slope)));
      pixels[i] = stored;
      values[X * Y * z + i] = stored * RESCALE.slope + RESCALE.intercept;
    }
    // File 00001 is the highest slice, as in many CHAOS series.
    const name = `IMG-0002-${String(Z - z).padStart(5, '0')}`;
    const bytes = encodeDicomSlice({
      rows: Y,
      columns: X,
      pixels,
      imagePosition: [origin[0], origin[1], origin[2] + z * sz],
      imageOrientation: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [sy, sx],
      sliceThickness: sz,
      instanceNumber: Z - z,
      seriesInstanceUid: series,
      studyInstanceUid: `1.2.826.0.1.3680043.8.498.${index + 1}`,
      sopInstanceUid: `${series}.${Z - z}`,
      seriesNumber: 2,
      patientId: `phantom-${index + 1}`,
      modality: 'MR',
      rescaleSlope: RESCALE.slope,
      rescaleIntercept: RESCALE.intercept,
    });
    await writeFile(join(dir, 'DICOM_anon', `${name}.dcm`), bytes);
    const png = new PNG({ width: X, height: Y, colorType: 0, inputColorType: 0, inputHasAlpha: false } as ConstructorParameters<typeof PNG>[0]);
    png.data = Buffer.from(label.data.subarray(X * Y * z, X * Y * (z + 1)) as Uint8Array);
    await writeFile(join(dir, 'Ground', `${name}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false } as Parameters<typeof PNG.sync.write>[1]));
  }
  const affine = [
    [-sx, 0, 0, -origin[0]],
    [0, -sy, 0, -origin[1]],
    [0, 0, sz, origin[2]],
    [0, 0, 0, 1],
  ];
  const grid = { dims: [X, Y, Z] as [number, number, number], spacing: [sx, sy, sz] as [number, number, number] };
  return {
    image: { ...grid, affine, data: values, datatype: 'float32' },
    label: { ...grid, affine: affine.map((r) => r.slice()), data: Uint8Array.from(label.data), datatype: 'uint8' },
  };
}
