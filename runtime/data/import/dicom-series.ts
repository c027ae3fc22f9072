/**
 * DICOM series → one volume, through `dicom-parser`.
 *
 * A slice's geometry (PS3.3 C.7.6.2): the centre of pixel (column c, row r) is
 * `IPP + c·Δc·F_row + r·Δr·F_col`, where IPP is Image Position (Patient) (0020,0032),
 * F_row / F_col the first / last three values of Image Orientation (Patient) (0020,0037)
 * (the directions of increasing column and row index) and Pixel Spacing (0028,0030) =
 * [Δr (between rows), Δc (between columns)]. Pixels are stored row by row, column fastest,
 * so column → x, row → y and slice → z give ablate's x-fastest layout directly.
 * Slices are sorted by their position along the normal n = F_row × F_col; the third affine
 * column is (IPP_last − IPP_first) / (N − 1), which also carries a gantry tilt. DICOM
 * world coordinates are LPS, NIfTI's RAS: the affine's first two rows are negated.
 * Values are `stored · RescaleSlope + RescaleIntercept` (0028,1053 / 0028,1052), per slice.
 *
 * Every problem of a series is collected (not only the first): unreadable or truncated
 * files, two series in one folder, slices whose size, orientation or pixel spacing differ
 * from the others, missing slices (a gap of ≈ k × the usual spacing), duplicate positions,
 * uneven spacing, NaN results.
 */
import dicomParser from 'dicom-parser';
import { basename } from 'node:path';
import { DataError } from '../data-error.ts';
import type { Volume } from '../nifti.ts';

/** One parsed slice: header fields and real-valued pixels. */
export interface DicomSliceData {
  file: string;
  rows: number;
  columns: number;
  /** (0020,0032) in LPS mm. */
  position: [number, number, number];
  /** (0020,0037): F_row then F_col. */
  orientation: [number, number, number, number, number, number];
  /** (0028,0030): [Δr, Δc] in mm. */
  pixelSpacing: [number, number];
  sliceThickness: number | null;
  seriesUid: string;
  instanceNumber: number | null;
  /** stored · slope + intercept, row by row. */
  values: Float32Array;
}

/** Transfer syntaxes with uncompressed pixel data that dicom-parser reads. */
const UNCOMPRESSED: Record<string, boolean> = {
  '1.2.840.10008.1.2': true, // implicit VR little endian
  '1.2.840.10008.1.2.1': true, // explicit VR little endian
  '1.2.840.10008.1.2.2': false, // explicit VR big endian (retired)
};

function parseError(raw: unknown): string {
  if (raw instanceof Error) return raw.message;
  if (typeof raw === 'string') return raw;
  if (raw && typeof raw === 'object' && 'exception' in raw) return String((raw as { exception: unknown }).exception);
  return String(raw);
}

function numbers(ds: dicomParser.DataSet, tag: string, count: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

/**
 * Parses one `.dcm` file. `subject` prefixes errors (e.g. `mri case 2`); every error names the
 * file. Throws `DataError('bad-dicom')` for an unreadable, truncated or unsupported file.
 */
export function readDicomSlice(bytes: Uint8Array, file: string, subject: string): DicomSliceData {
  const fail = (detail: string, hint: string) => new DataError('bad-dicom', `${subject}: ${file}`, detail, hint);
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (e) {
    throw fail(`cannot be read as DICOM (${parseError(e)})`, 'the file is cut short or is not a DICOM file; download or copy it again');
  }
  const syntax = (ds.string('x00020010') ?? '1.2.840.10008.1.2').replace(/\0/g, '').trim();
  if (!(syntax in UNCOMPRESSED)) {
    throw fail(`has compressed pixel data (transfer syntax ${syntax})`, 'decompress the series first, e.g. `gdcmconv --raw` or `dcmdjpeg`');
  }
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const bits = ds.uint16('x00280100');
  const signed = ds.uint16('x00280103') === 1;
  const samples = ds.uint16('x00280002') ?? 1;
  if (!rows || !columns || (bits !== 8 && bits !== 16)) {
    throw fail(`has no readable image (rows ${rows}, columns ${columns}, bits allocated ${bits})`, 'only 8- and 16-bit greyscale images are read');
  }
  if (samples !== 1) throw fail(`has ${samples} samples per pixel`, 'only greyscale (one sample per pixel) images are read');
  const position = numbers(ds, 'x00200032', 3);
  const orientation = numbers(ds, 'x00200037', 6);
  const spacing = numbers(ds, 'x00280030', 2);
  if (!position || !orientation || !spacing) {
    const missing = [!position && 'Image Position (Patient) (0020,0032)', !orientation && 'Image Orientation (Patient) (0020,0037)', !spacing && 'Pixel Spacing (0028,0030)'].filter(Boolean).join(', ');
    throw fail(`lacks ${missing}`, 'the volume geometry comes from these tags; export the series with them');
  }
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw fail('has no Pixel Data (7FE0,0010)', 'is this an image file?');
  const bpp = bits / 8;
  const n = rows * columns;
  if (pixel.dataOffset + n * bpp > ds.byteArray.length || pixel.length < n * bpp) {
    throw fail(`holds ${Math.max(0, Math.min(pixel.length, ds.byteArray.length - pixel.dataOffset))} bytes of pixel data, ${rows}×${columns}×${bpp} = ${n * bpp} expected`, 'the file was cut short; download or copy it again');
  }
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + pixel.dataOffset, n * bpp);
  const little = UNCOMPRESSED[syntax]!;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const stored = bpp === 1 ? (signed ? view.getInt8(i) : view.getUint8(i)) : signed ? view.getInt16(2 * i, little) : view.getUint16(2 * i, little);
    values[i] = stored * slope + intercept;
  }
  return {
    file,
    rows,
    columns,
    position: position as [number, number, number],
    orientation: orientation as DicomSliceData['orientation'],
    pixelSpacing: spacing as [number, number],
    sliceThickness: ds.floatString('x00180050') ?? null,
    seriesUid: (ds.string('x0020000e') ?? '').replace(/\0/g, '').trim(),
    instanceNumber: ds.intString('x00200013') ?? null,
    values,
  };
}

/** A series assembled into a volume, with the slice files in volume order (z = 0 first). */
export interface DicomVolume {
  volume: Volume & { data: Float32Array };
  /** File of each z-slice. */
  files: string[];
}

const cross = (a: readonly number[], b: readonly number[]) => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const close = (a: readonly number[], b: readonly number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);
const fmt = (v: readonly number[]) => v.map((x) => +x.toFixed(3)).join('\\');

/**
 * Assembles parsed slices into one volume (see the module comment). Returns the volume or
 * every problem found, each a `DataError` naming `subject` and the file(s).
 */
export function assembleDicomSeries(slices: readonly DicomSliceData[], subject: string, folder: string): DicomVolume | DataError[] {
  const problems: DataError[] = [];
  const err = (code: ConstructorParameters<typeof DataError>[0], files: string, detail: string, hint: string) => problems.push(new DataError(code, `${subject}: ${files}`, detail, hint));
  if (slices.length === 0) {
    err('empty-folder', folder, 'holds no readable .dcm slice', 'copy the DICOM series there');
    return problems;
  }
  // Two series in one folder.
  const bySeries = new Map<string, DicomSliceData[]>();
  for (const s of slices) bySeries.set(s.seriesUid, [...(bySeries.get(s.seriesUid) ?? []), s]);
  if (bySeries.size > 1) {
    const list = [...bySeries].map(([uid, ss]) => `${uid || '(no UID)'}: ${ss.length} slice(s), e.g. ${basename(ss[0]!.file)}`).join('; ');
    err('mixed-series', folder, `mixes ${bySeries.size} series (Series Instance UID ${list})`, 'keep one series per folder; move the others out');
    return problems;
  }
  // Slices that disagree with the first on size, orientation or pixel spacing.
  const ref = slices[0]!;
  for (const s of slices.slice(1)) {
    const name = basename(s.file);
    if (s.rows !== ref.rows || s.columns !== ref.columns) {
      err('series-mismatch', s.file, `is ${s.columns}×${s.rows} pixels, other slices (${basename(ref.file)}) ${ref.columns}×${ref.rows}`, 'every slice of a series must have the same size');
    } else if (!close(s.orientation, ref.orientation, 1e-4)) {
      err('series-mismatch', s.file, `has orientation ${fmt(s.orientation)}, other slices (${basename(ref.file)}) ${fmt(ref.orientation)}`, `${name} belongs to another acquisition; remove it`);
    } else if (!close(s.pixelSpacing, ref.pixelSpacing, 1e-4)) {
      err('series-mismatch', s.file, `has pixel spacing ${fmt(s.pixelSpacing)} mm, other slices (${basename(ref.file)}) ${fmt(ref.pixelSpacing)} mm`, `${name} belongs to another acquisition; remove it`);
    }
  }
  if (problems.length) return problems;

  const fRow = ref.orientation.slice(0, 3);
  const fCol = ref.orientation.slice(3, 6);
  const normal = cross(fRow, fCol);
  const sorted = slices.map((s) => ({ s, at: dot(s.position, normal) })).sort((a, b) => a.at - b.at);
  const gaps = sorted.slice(1).map((p, i) => p.at - sorted[i]!.at);
  for (let i = 0; i < gaps.length; i++) {
    if (gaps[i]! < 1e-3) err('series-mismatch', `${basename(sorted[i]!.s.file)} and ${basename(sorted[i + 1]!.s.file)}`, `are at the same position (${fmt(sorted[i]!.s.position)})`, 'a slice is duplicated; remove one of the two files');
  }
  if (problems.length) return problems;
  if (gaps.length) {
    const usual = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    for (let i = 0; i < gaps.length; i++) {
      const ratio = gaps[i]! / usual;
      if (Math.abs(ratio - 1) <= 0.05) continue;
      const a = basename(sorted[i]!.s.file);
      const b = basename(sorted[i + 1]!.s.file);
      const k = Math.round(ratio);
      if (k >= 2 && Math.abs(ratio - k) <= 0.05 * k) {
        err('missing-slice', folder, `misses ${k - 1} slice(s) between ${a} and ${b}: they are ${+gaps[i]!.toFixed(3)} mm apart, the other slices ${+usual.toFixed(3)} mm`, 'download or copy the series again; every slice must be there');
      } else {
        err('series-mismatch', folder, `has uneven slice spacing: ${a} and ${b} are ${+gaps[i]!.toFixed(3)} mm apart, the other slices ${+usual.toFixed(3)} mm`, 'ablate reads evenly spaced series only; resample the series first');
      }
    }
  }
  if (problems.length) return problems;

  const X = ref.columns;
  const Y = ref.rows;
  const Z = sorted.length;
  const data = new Float32Array(X * Y * Z);
  sorted.forEach(({ s }, z) => data.set(s.values, X * Y * z));
  const [dr, dc] = ref.pixelSpacing;
  const first = sorted[0]!.s.position;
  const last = sorted[Z - 1]!.s.position;
  const thickness = ref.sliceThickness && ref.sliceThickness > 0 ? ref.sliceThickness : 1;
  const step = Z > 1 ? [0, 1, 2].map((a) => (last[a]! - first[a]!) / (Z - 1)) : normal.map((v) => v * thickness);
  const lps = [0, 1, 2].map((r) => [fRow[r]! * dc, fCol[r]! * dr, step[r]!, first[r]!]);
  const affine = [[...lps[0]!.map((v) => -v + 0)], [...lps[1]!.map((v) => -v + 0)], lps[2]!, [0, 0, 0, 1]];
  const spacing: [number, number, number] = [dc, dr, Math.hypot(step[0]!, step[1]!, step[2]!)];
  return { volume: { data, dims: [X, Y, Z], spacing, affine, datatype: 'float32' }, files: sorted.map(({ s }) => s.file) };
}
