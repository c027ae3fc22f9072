/**
 * CHAOS 2019 (Kavur et al., 2021), MR T2-SPIR, as downloaded (`CHAOS_Train_Sets.zip`):
 * `Train_Sets/MR/<case>/T2SPIR/DICOM_anon/*.dcm` (one DICOM series per case) and
 * `Train_Sets/MR/<case>/T2SPIR/Ground/*.png` (one mask per slice, named as its DICOM file:
 * `IMG-0002-00001.dcm` ↔ `IMG-0002-00001.png`). Mask grey values: 63 liver, 126 right
 * kidney, 189 left kidney, 252 spleen (ranges as CHAOS documents them, png-mask.ts).
 * The folder given may be the download folder, `CHAOS_Train_Sets/`, `Train_Sets/` or `MR/`.
 * Imported as modality `mri`: the image from the DICOM series (dicom-series.ts), the label a
 * uint8 volume of the grey codes 63/126/189/252 on the same grid.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DataError } from '../data-error.ts';
import type { Volume } from '../nifti.ts';
import { assembleDicomSeries, readDicomSlice, type DicomSliceData } from './dicom-series.ts';
import { greyToLabels, readPngMask, type GreyCode, type PngMask } from './png-mask.ts';
import { findLayoutRoot, listFolder, type CaseProblem, type PublishedCase, type PublishedDataset } from './published-dataset.ts';

/** CHAOS MR grey codes, in the class order of `chaos.classes` (paper Table 2: Liver, Spleen, R-kdy, L-kdy). */
export const CHAOS_MR_CODES: readonly GreyCode[] = [
  { name: 'Liver', value: 63, lo: 55, hi: 70 },
  { name: 'Spleen', value: 252, lo: 240, hi: 255 },
  { name: 'RKdy', value: 126, lo: 110, hi: 135 },
  { name: 'LKdy', value: 189, lo: 175, hi: 200 },
];

const stem = (name: string) => name.replace(/\.[^.]*$/, '');

export const chaos: PublishedDataset = {
  kind: 'chaos',
  title: 'CHAOS 2019 T2-SPIR MRI (Kavur et al., 2021)',
  classes: CHAOS_MR_CODES.map((c) => c.name),
  modalities: [{ name: 'mri', labelValues: CHAOS_MR_CODES.map((c) => c.value), backgroundValues: [] }],
  layout: 'Train_Sets/MR/<case>/T2SPIR/DICOM_anon/*.dcm, Train_Sets/MR/<case>/T2SPIR/Ground/*.png',

  async findCases(root) {
    const mr = await findLayoutRoot(root, ['MR', 'Train_Sets/MR', 'CHAOS_Train_Sets/Train_Sets/MR', '.'], []);
    const names = mr ? await listFolder(mr) : null;
    const caseNames: string[] = [];
    for (const n of names ?? []) if ((await listFolder(join(mr!, n, 'T2SPIR'))) !== null) caseNames.push(n);
    if (!mr || caseNames.length === 0) {
      throw new DataError('unknown-layout', root, 'holds no MR/<case>/T2SPIR folder (the CHAOS Train_Sets layout)', `point at the folder CHAOS_Train_Sets.zip unpacks to; expected ${this.layout}`);
    }
    caseNames.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    return { cases: caseNames.map((id) => ({ modality: 'mri', id, sources: [join(mr, id, 'T2SPIR', 'DICOM_anon'), join(mr, id, 'T2SPIR', 'Ground')] })), problems: [] };
  },

  async readCase(c) {
    const subject = `mri case ${c.id}`;
    const [dicomDir, groundDir] = c.sources as [string, string];
    const problems: CaseProblem[] = [];
    const dcmNames = (await listFolder(dicomDir))?.filter((n) => /\.dcm$/i.test(n));
    const pngNames = (await listFolder(groundDir))?.filter((n) => /\.png$/i.test(n));
    if (!dcmNames) problems.push(new DataError('missing-folder', `${subject}: ${dicomDir}`, 'does not exist', 'each case needs T2SPIR/DICOM_anon/ with its DICOM series'));
    if (!pngNames) problems.push(new DataError('missing-folder', `${subject}: ${groundDir}`, 'does not exist', 'each case needs T2SPIR/Ground/ with one PNG mask per slice'));
    if (!dcmNames || !pngNames) return problems;

    const slices: DicomSliceData[] = [];
    for (const n of dcmNames) {
      try {
        slices.push(readDicomSlice(await readFile(join(dicomDir, n)), join(dicomDir, n), subject));
      } catch (e) {
        if (e instanceof DataError) problems.push(e);
        else throw e;
      }
    }
    const masks = new Map<string, PngMask>();
    for (const n of pngNames) {
      try {
        masks.set(stem(n), await readPngMask(join(groundDir, n), subject));
      } catch (e) {
        if (e instanceof DataError) problems.push(e);
        else throw e;
      }
    }
    if (problems.length) return problems;
    const series = assembleDicomSeries(slices, subject, dicomDir);
    if (Array.isArray(series)) return series;

    // Pair masks with slices by file name; a folder whose names differ throughout pairs by sorted order.
    const byName = series.files.every((f) => masks.has(stem(basename(f))));
    const sortedMasks = [...masks.keys()].sort();
    const sortedSlices = [...series.files].map((f) => basename(f)).sort();
    const maskOf = (file: string): PngMask | undefined => (byName ? masks.get(stem(basename(file))) : masks.get(sortedMasks[sortedSlices.indexOf(basename(file))]!));
    if (!byName && masks.size !== series.files.length) {
      problems.push(new DataError('missing-slice', `${subject}: ${groundDir}`, `holds ${masks.size} mask(s) for ${series.files.length} DICOM slice(s), and their names do not match the slices'`, 'each slice IMG-….dcm needs its mask IMG-….png'));
      return problems;
    }
    if (byName) {
      const used = new Set(series.files.map((f) => stem(basename(f))));
      for (const [name, m] of masks) if (!used.has(name)) problems.push(new DataError('missing-slice', `${subject}: ${m.file}`, `has no DICOM slice ${name}.dcm in ${dicomDir}`, 'remove the extra mask or restore the slice'));
    }
    const { dims, spacing, affine } = series.volume;
    const [X, Y, Z] = dims;
    const label = new Uint8Array(X * Y * Z);
    series.files.forEach((file, z) => {
      const m = maskOf(file);
      if (!m) {
        problems.push(new DataError('missing-slice', `${subject}: ${file}`, `has no mask ${stem(basename(file))}.png in ${groundDir}`, 'every slice needs its ground-truth PNG'));
        return;
      }
      if (m.width !== X || m.height !== Y) {
        problems.push(new DataError('mask-size', `${subject}: ${m.file}`, `is ${m.width}×${m.height} pixels but its slice ${basename(file)} is ${X}×${Y}`, 'the mask must have the size of its DICOM slice (columns × rows)'));
        return;
      }
      const values = greyToLabels(m, CHAOS_MR_CODES, subject);
      if (values instanceof DataError) problems.push(values);
      else label.set(values, X * Y * z);
    });
    if (problems.length) return problems;
    const image = series.volume;
    const labelVolume: Volume = { data: label, dims: [...dims], spacing: [...spacing], affine: affine.map((r) => r.slice()), datatype: 'uint8' };
    return { image, label: labelVolume };
  },
};
