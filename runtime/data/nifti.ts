/**
 * Reading and writing NIfTI-1 and NIfTI-2 volumes (`.nii`, `.nii.gz`; NIfTI-2 headers in
 * nifti2-header.ts, written where a volume needs them).
 *
 * Memory layout: NIfTI order, x fastest. Voxel (x, y, z) of a volume with
 * `dims = [X, Y, Z]` is `data[x + X * (y + Y * z)]`. Every metric and loader in ablate
 * uses this layout.
 *
 * Units: spacing and affine are in millimetres (headers in metres or microns are
 * converted). The affine maps voxel indices (i, j, k, 1) to world coordinates: the
 * sform when sform_code > 0, else the qform, else diag(pixdim) (see nifti-header.ts).
 */
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { Gunzip, gunzipSync, gzipSync } from 'fflate';
import {
  NIFTI_DATATYPES,
  affineFromGeometry,
  encodeNiftiHeader,
  geometryFromAffine,
  parseNiftiHeader,
  spacingFromGeometry,
  type NiftiDatatype,
  type NiftiGeometry,
  type NiftiHeader,
} from './nifti-header.ts';
import { NiftiError } from './nifti-error.ts';
import { encodeNifti2Header, NIFTI2_DATA_OFFSET } from './nifti2-header.ts';

export { NiftiError, type NiftiErrorCode } from './nifti-error.ts';
export type { NiftiDatatype, NiftiGeometry } from './nifti-header.ts';

/** Typed arrays a volume's voxels can live in. */
export type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;

/** A 3D scalar volume (2D images have Z = 1). */
export interface Volume {
  /** Voxel values, x fastest: `data[x + X * (y + Y * z)]`. Length X·Y·Z. */
  data: VoxelArray;
  /** Voxel counts [X, Y, Z]. */
  dims: [number, number, number];
  /** Voxel size in mm along x, y, z. */
  spacing: [number, number, number];
  /** 4×4 voxel → world (mm) matrix, last row [0, 0, 0, 1]. */
  affine: number[][];
  /** Element type of `data` (after scl_slope/scl_inter scaling, see `readNifti`). */
  datatype: NiftiDatatype;
  /** Geometry fields of the file this volume was read from, kept for `writeNifti(…, { like })`. */
  header?: NiftiGeometry;
}

const DATATYPE_BY_CODE = new Map<number, NiftiDatatype>(
  (Object.entries(NIFTI_DATATYPES) as [NiftiDatatype, { code: number }][]).map(([name, { code }]) => [code, name]),
);

const ARRAY_OF: Record<NiftiDatatype, new (n: number) => VoxelArray> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The NIfTI datatype naming a typed array's element type. */
export function datatypeOf(data: VoxelArray): NiftiDatatype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** True when the bytes start with the gzip magic 1f 8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a `.nii` or `.nii.gz` file (gzip is detected from the bytes, not the name).
 *
 * - Datatypes: uint8, int8, int16, uint16, int32, float32, float64; either endianness.
 * - Scaling: when scl_slope is non-zero and (scl_slope, scl_inter) ≠ (1, 0), values are
 *   `stored · scl_slope + scl_inter` in a Float32Array (Float64Array for int32 and
 *   float64 files); otherwise the stored type is kept.
 * - 4D files are accepted only with a single volume (dim[4..7] all 1).
 *
 * Throws `NiftiError` naming `path`: 'not-found', 'corrupt-gzip', 'truncated',
 * 'bad-magic', 'unsupported-datatype', 'unsupported-dims'.
 */
export async function readNifti(path: string): Promise<Volume> {
  let bytes: Uint8Array;
  try {
    const buf = await readFile(path);
    // A plain Uint8Array view: Buffer#slice would share memory instead of copying.
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new NiftiError('not-found', path, `cannot read the file (${reason})`, 'check the path');
  }
  return decodeNifti(bytes, path);
}

/** `readNifti` on bytes already in memory; `file` names the source in errors. */
export function decodeNifti(raw: Uint8Array, file: string): Volume {
  let bytes = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw corruptGzip(file, e);
    }
  }
  const h = parseNiftiHeader(bytes, file);
  const info = interpretHeader(h, file);
  const { dims, offset } = info;
  const datatype = info.storedDatatype;
  const n = dims[0] * dims[1] * dims[2];
  const need = offset + n * NIFTI_DATATYPES[datatype].bytes;
  if (bytes.byteLength < need) {
    throw new NiftiError(
      'truncated',
      file,
      `has ${bytes.byteLength} bytes of data but the header (${dims.join('×')} ${datatype} at offset ${offset}) needs ${need}`,
      'the file was cut short; copy or export it again',
    );
  }

  const stored = readVoxels(bytes, offset, n, datatype, h.littleEndian);
  let data: VoxelArray = stored;
  if (info.datatype !== datatype) {
    const out = new ARRAY_OF[info.datatype](n);
    const slope = h.sclSlope;
    const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
    for (let i = 0; i < n; i++) out[i] = stored[i]! * slope + inter;
    data = out;
  }
  return { data, dims, spacing: info.spacing, affine: info.affine, datatype: info.datatype, header: info.header };
}

/** What a header says about a volume, without its voxels. */
export interface VolumeInfo {
  dims: [number, number, number];
  /** Voxel size in mm. */
  spacing: [number, number, number];
  /** 4×4 voxel → world (mm) matrix. */
  affine: number[][];
  /** Type `readNifti` returns the voxels in (float32/float64 when scl_slope/scl_inter apply). */
  datatype: NiftiDatatype;
  /** Type stored in the file. */
  storedDatatype: NiftiDatatype;
  header: NiftiGeometry;
}

/**
 * Reads only the header of a `.nii` / `.nii.gz` file (a gzip stream is inflated just far
 * enough): grid, spacing, affine and type, to check many cases quickly before loading them.
 * Throws the same `NiftiError`s as `readNifti`, except 'truncated' for missing voxel data.
 */
export async function readNiftiInfo(path: string): Promise<VolumeInfo> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new NiftiError('not-found', path, `cannot read the file (${reason})`, 'check the path');
  }
  try {
    const chunk = new Uint8Array(1 << 16);
    const first = await handle.read(chunk, 0, chunk.length, 0);
    let head = chunk.subarray(0, first.bytesRead);
    if (isGzip(head)) {
      const parts: Uint8Array[] = [];
      let have = 0;
      const inflate = new Gunzip((data) => {
        parts.push(data);
        have += data.length;
      });
      let position = first.bytesRead;
      let input = head;
      try {
        for (;;) {
          const final = input.length < chunk.length;
          inflate.push(input.slice(), final);
          if (have >= NIFTI2_DATA_OFFSET || final) break; // enough for either header
          const next = await handle.read(chunk, 0, chunk.length, position);
          position += next.bytesRead;
          input = chunk.subarray(0, next.bytesRead);
        }
      } catch (e) {
        throw corruptGzip(path, e);
      }
      head = new Uint8Array(have);
      let o = 0;
      for (const p of parts) {
        head.set(p, o);
        o += p.length;
      }
    }
    const h = parseNiftiHeader(head, path);
    const { offset: _offset, ...info } = interpretHeader(h, path);
    return info;
  } finally {
    await handle.close();
  }
}

function corruptGzip(file: string, e: unknown): NiftiError {
  return new NiftiError('corrupt-gzip', file, `the gzip stream is damaged (${(e as Error).message})`, 'the download or copy was probably cut short; fetch the file again');
}

/** Checks datatype and dims of a parsed header and derives the volume's grid and output type. */
function interpretHeader(h: NiftiHeader, file: string): VolumeInfo & { offset: number } {
  const storedDatatype = DATATYPE_BY_CODE.get(h.datatypeCode);
  if (storedDatatype === undefined) {
    const supported = Object.entries(NIFTI_DATATYPES).map(([n, { code }]) => `${n} (${code})`).join(', ');
    throw new NiftiError('unsupported-datatype', file, `datatype code ${h.datatypeCode} is not supported`, `convert the image to one of ${supported}`);
  }
  const ndim = h.dim[0]!;
  if (!(ndim >= 1 && ndim <= 7)) {
    throw new NiftiError('unsupported-dims', file, `dim[0] = ${ndim} is not in 1..7`, 'the header is corrupt');
  }
  const size = (i: number) => (i <= ndim ? h.dim[i]! : 1);
  const dims: [number, number, number] = [size(1), size(2), size(3)];
  if (dims.some((d) => !(d >= 1))) {
    throw new NiftiError('unsupported-dims', file, `voxel counts ${dims.join('×')} include an empty axis`, 'the header is corrupt');
  }
  let extra = 1;
  for (let i = 4; i <= ndim; i++) extra *= Math.max(1, h.dim[i]!);
  if (extra > 1) {
    throw new NiftiError('unsupported-dims', file, `holds ${extra} volumes (dim = [${h.dim.slice(1, ndim + 1).join(', ')}]); ablate reads one 3D volume per file`, 'split the 4D series into 3D files');
  }
  // scl_slope = 0 means "no scaling" (NIfTI-1); so does (1, 0).
  const slope = h.sclSlope;
  const inter = h.sclInter;
  const scaled = Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0));
  const datatype: NiftiDatatype = !scaled ? storedDatatype : storedDatatype === 'float64' || storedDatatype === 'int32' ? 'float64' : 'float32';
  const header: NiftiGeometry = {
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    quatern: h.quatern,
    qoffset: h.qoffset,
    pixdim: h.pixdim,
    srow: h.srow,
    xyztUnits: h.xyztUnits,
  };
  // Some writers leave vox_offset at 0 for single files; the data then start after the extension flag.
  const offset = h.voxOffset >= h.headerBytes ? Math.floor(h.voxOffset) : h.headerBytes + 4;
  return { dims, spacing: spacingFromGeometry(header), affine: affineFromGeometry(header), datatype, storedDatatype, header, offset };
}

/** Copies n voxels of `datatype` starting at `offset` into a fresh (aligned) typed array. */
function readVoxels(bytes: Uint8Array, offset: number, n: number, datatype: NiftiDatatype, littleEndian: boolean): VoxelArray {
  const bpv = NIFTI_DATATYPES[datatype].bytes;
  const copy = Uint8Array.prototype.slice.call(bytes, offset, offset + n * bpv);
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (bpv > 1 && littleEndian !== hostLittle) {
    // Swap each element's bytes in place.
    for (let i = 0; i < copy.length; i += bpv) copy.subarray(i, i + bpv).reverse();
  }
  const Ctor = ARRAY_OF[datatype] as unknown as new (b: ArrayBufferLike, o: number, n: number) => VoxelArray;
  return new Ctor(copy.buffer, 0, n);
}

/** Options of `writeNifti`. */
export interface WriteNiftiOptions {
  /** Stored datatype; default `volume.datatype`. Values are rounded for integer types and must fit. */
  datatype?: NiftiDatatype;
  /**
   * Copy the voxel grid of this volume (affine, spacing and, when it was read from a file,
   * its exact qform/sform fields). Its dims must equal `volume.dims`. Default: `volume`'s own.
   */
  like?: Volume;
  /** Header `descrip` (at most 79 characters kept). */
  description?: string;
  /** gzip level 0–9 for `.nii.gz`; default 6. */
  compressionLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /**
   * Header format; default NIfTI-1, or NIfTI-2 when an axis is longer than NIfTI-1's int16
   * dims allow (32767 voxels).
   */
  format?: 'nifti1' | 'nifti2';
}

/**
 * Writes `volume` as NIfTI-1 (NIfTI-2 when `options.format` says so or an axis exceeds 32767
 * voxels) to `path`, gzip-compressed when `path` ends in `.nii.gz`. The header is
 * little-endian with vox_offset 352 (NIfTI-2: 544), no extensions and scl_slope 1. The
 * geometry is the source file's qform/sform as stored when `volume` (or `like`) was read
 * from a file and its affine is unchanged; otherwise an sform (and, for an affine with
 * orthogonal axes, a qform) built from the affine, code 2 (aligned), unit mm. The write is atomic (temp file + rename): a failed write leaves no
 * partial file at `path`.
 *
 * Throws `NiftiError` ('bad-extension' | 'invalid-volume' | 'grid-mismatch').
 */
export async function writeNifti(path: string, volume: Volume, options: WriteNiftiOptions = {}): Promise<void> {
  const gz = path.endsWith('.nii.gz');
  if (!gz && !path.endsWith('.nii')) {
    throw new NiftiError('bad-extension', path, 'output name must end in .nii or .nii.gz', 'add the extension');
  }
  const bytes = encodeNifti(volume, path, { ...options, gzip: gz });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** `writeNifti` into memory; `file` names the target in errors. */
export function encodeNifti(volume: Volume, file: string, options: WriteNiftiOptions & { gzip: boolean }): Uint8Array {
  const datatype = options.datatype ?? volume.datatype;
  if (!(datatype in NIFTI_DATATYPES)) {
    throw new NiftiError('unsupported-datatype', file, `cannot write datatype ${JSON.stringify(datatype)}`, `use one of ${Object.keys(NIFTI_DATATYPES).join(', ')}`);
  }
  const [X, Y, Z] = volume.dims;
  const n = X * Y * Z;
  const format = options.format ?? (volume.dims.some((d) => d > 32767) ? 'nifti2' : 'nifti1');
  const maxDim = format === 'nifti2' ? 2 ** 31 - 1 : 32767;
  if (!volume.dims.every((d) => Number.isInteger(d) && d >= 1 && d <= maxDim)) {
    throw new NiftiError('invalid-volume', file, `dims ${volume.dims.join('×')} must be integers in 1..${maxDim} (${format === 'nifti2' ? 'NIfTI-2' : 'NIfTI-1'})`, 'check the volume shape');
  }
  if (volume.data.length !== n) {
    throw new NiftiError('invalid-volume', file, `data has ${volume.data.length} values but dims ${volume.dims.join('×')} need ${n}`, 'data must be x-fastest, length X·Y·Z');
  }
  const grid = options.like ?? volume;
  if (options.like && !sameDims(options.like.dims, volume.dims)) {
    throw new NiftiError('grid-mismatch', file, `cannot copy the geometry of a ${options.like.dims.join('×')} volume onto a ${volume.dims.join('×')} one`, 'pass `like` a volume on the same voxel grid');
  }
  // Reuse the stored qform/sform when they still describe this grid; else derive from the affine.
  const geometry =
    grid.header && affinesClose(affineFromGeometry(grid.header), grid.affine, 1e-6)
      ? grid.header
      : geometryFromAffine(grid.affine, grid.spacing);

  const fields = { geometry, dims: volume.dims, datatype, description: options.description };
  const header = format === 'nifti2' ? encodeNifti2Header(fields) : encodeNiftiHeader(fields);
  const bpv = NIFTI_DATATYPES[datatype].bytes;
  const out = new Uint8Array(header.length + n * bpv);
  out.set(header, 0);
  const body = new ARRAY_OF[datatype](n);
  fillConverted(body, volume.data, datatype, file);
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const bodyBytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  out.set(bodyBytes, header.length);
  if (!hostLittle && bpv > 1) {
    for (let i = header.length; i < out.length; i += bpv) out.subarray(i, i + bpv).reverse();
  }
  return options.gzip ? gzipSync(out, { level: options.compressionLevel ?? 6 }) : out;
}

const INT_RANGE: Partial<Record<NiftiDatatype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
};

/** Copies `src` into `dst`, rounding to integers and refusing values out of range. */
function fillConverted(dst: VoxelArray, src: VoxelArray, datatype: NiftiDatatype, file: string): void {
  const range = INT_RANGE[datatype];
  if (!range || datatypeOf(src) === datatype) {
    dst.set(src as ArrayLike<number>);
    return;
  }
  const [lo, hi] = range;
  for (let i = 0; i < src.length; i++) {
    const v = Math.round(src[i]!);
    if (!(v >= lo && v <= hi)) {
      throw new NiftiError('invalid-volume', file, `voxel ${i} has value ${src[i]} which does not fit ${datatype} [${lo}, ${hi}]`, 'choose a wider datatype or rescale the values');
    }
    dst[i] = v;
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function affinesClose(a: readonly (readonly number[])[], b: readonly (readonly number[])[], tol: number): boolean {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (!(Math.abs(a[r]![c]! - b[r]![c]!) <= tol)) return false;
  return true;
}

/**
 * Throws `NiftiError('grid-mismatch')` naming both files unless `a` and `b` have the same
 * dims and affines equal within `toleranceMm` (default 1e-3 mm, per matrix element).
 */
export function assertSameGrid(a: Volume, aFile: string, b: Volume, bFile: string, toleranceMm = 1e-3): void {
  if (!sameDims(a.dims, b.dims)) {
    throw new NiftiError('grid-mismatch', bFile, `shape ${b.dims.join('×')} differs from ${a.dims.join('×')} of ${aFile}`, 'both volumes must be on the same voxel grid; resample one onto the other');
  }
  if (!affinesClose(a.affine, b.affine, toleranceMm)) {
    const fmt = (m: number[][]) => `[${m.slice(0, 3).map((r) => r.map((v) => +v.toFixed(4)).join(' ')).join('; ')}]`;
    throw new NiftiError('grid-mismatch', bFile, `affine ${fmt(b.affine)} differs from ${fmt(a.affine)} of ${aFile}`, 'both volumes must be on the same voxel grid (same orientation and origin); resample one onto the other');
  }
}
