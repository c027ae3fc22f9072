/**
 * NIfTI-1 header: parsing (field access through `nifti-reader-js`), the voxel → world
 * geometry (sform / qform / pixdim, as nifti1.h defines them), and a little-endian
 * writer of the 348-byte header plus the 4-byte extension flag.
 *
 * The geometry is computed here rather than taken from `nifti-reader-js`'s `affine`
 * because that library prefers the qform over a valid sform and does not expose the
 * srow fields otherwise; ablate follows nibabel/ITK: sform when `sform_code > 0`, else
 * qform when `qform_code > 0`, else a diagonal of pixdim.
 */
import { NIFTI1, readHeader } from 'nifti-reader-js';
import { NiftiError } from './nifti-error.ts';
import { NIFTI2_HEADER_BYTES, parseNifti2Header } from './nifti2-header.ts';

/** Datatypes ablate reads and writes, with their NIfTI-1 codes and byte sizes. */
export const NIFTI_DATATYPES = {
  uint8: { code: 2, bytes: 1 },
  int16: { code: 4, bytes: 2 },
  int32: { code: 8, bytes: 4 },
  float32: { code: 16, bytes: 4 },
  float64: { code: 64, bytes: 8 },
  int8: { code: 256, bytes: 1 },
  uint16: { code: 512, bytes: 2 },
} as const;

export type NiftiDatatype = keyof typeof NIFTI_DATATYPES;

/** Size of the NIfTI-1 header, and of header + extension flag (= data offset we write). */
export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI1_DATA_OFFSET = 352;

const XFORM_ALIGNED_ANAT = 2;
const UNITS_METER = 1;
const UNITS_MM = 2;
const UNITS_MICRON = 3;

/**
 * The geometry fields of a header, exactly as stored (header units, float32 values).
 * Kept on a read volume so that writing a prediction "like" its source reproduces the
 * source's qform/sform bit for bit.
 */
export interface NiftiGeometry {
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** pixdim[0..3]; pixdim[0] < 0 means qfac = -1. */
  pixdim: [number, number, number, number];
  /** srow_x, srow_y, srow_z (3×4). */
  srow: number[][];
  /** xyzt_units byte. */
  xyztUnits: number;
}

/** A parsed NIfTI-1 header: geometry plus what is needed to locate and decode the voxels. */
export interface NiftiHeader extends NiftiGeometry {
  /** 348 (NIfTI-1) or 540 (NIfTI-2): the header size, below which vox_offset cannot point. */
  headerBytes: number;
  littleEndian: boolean;
  /** dim[0..7] as stored: dim[0] is the number of dimensions. */
  dim: number[];
  datatypeCode: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  description: string;
}

/**
 * Parses the header at the start of an (uncompressed) single-file NIfTI-1 or NIfTI-2 image
 * (nifti2-header.ts; told apart by sizeof_hdr, 348 or 540).
 * Throws `NiftiError` ('truncated' | 'bad-magic') naming `file`.
 */
export function parseNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.byteLength >= 4) {
    const size = new DataView(bytes.buffer, bytes.byteOffset, 4);
    if (size.getInt32(0, true) === NIFTI2_HEADER_BYTES || size.getInt32(0, false) === NIFTI2_HEADER_BYTES) return parseNifti2Header(bytes, file);
  }
  if (bytes.byteLength < NIFTI1_HEADER_BYTES) {
    throw new NiftiError(
      'truncated',
      file,
      `only ${bytes.byteLength} bytes, shorter than the ${NIFTI1_HEADER_BYTES}-byte NIfTI-1 header`,
      'the file was cut short; copy or export it again',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  if (sizeLE !== NIFTI1_HEADER_BYTES && sizeBE !== NIFTI1_HEADER_BYTES) {
    throw new NiftiError('bad-magic', file, `not a NIfTI file (sizeof_hdr is ${sizeLE}, expected 348 or 540)`, 'is this really a .nii/.nii.gz image?');
  }
  const magic = String.fromCharCode(bytes[344]!, bytes[345]!, bytes[346]!);
  if (magic === 'ni1') {
    throw new NiftiError('bad-magic', file, 'is the header of a .hdr/.img pair, which ablate does not read', 'convert it to a single .nii or .nii.gz file');
  }
  if (magic !== 'n+1') {
    throw new NiftiError('bad-magic', file, `bad NIfTI-1 magic ${JSON.stringify(magic)} (expected "n+1")`, 'the header is corrupt or this is not a NIfTI file');
  }

  // Field access through nifti-reader-js (it detects endianness from sizeof_hdr).
  const copy = Uint8Array.prototype.slice.call(bytes, 0, NIFTI1_HEADER_BYTES).buffer;
  const h = readHeader(copy) as NIFTI1;
  const le = h.littleEndian;
  // srow is not exposed by nifti-reader-js when it picks the qform; read it directly.
  const srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat32(280 + (r * 4 + c) * 4, le)));
  return {
    headerBytes: NIFTI1_HEADER_BYTES,
    littleEndian: le,
    dim: h.dims.slice(0, 8),
    datatypeCode: h.datatypeCode,
    voxOffset: h.vox_offset,
    sclSlope: h.scl_slope,
    sclInter: h.scl_inter,
    description: h.description,
    qformCode: h.qform_code,
    sformCode: h.sform_code,
    quatern: [h.quatern_b, h.quatern_c, h.quatern_d],
    qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
    pixdim: [h.pixDims[0]!, h.pixDims[1]!, h.pixDims[2]!, h.pixDims[3]!],
    srow,
    xyztUnits: h.xyzt_units,
  };
}

/** Factor from the header's spatial unit to millimetres (unknown is taken as mm). */
export function spatialUnitToMm(xyztUnits: number): number {
  switch (xyztUnits & 0x07) {
    case UNITS_METER:
      return 1000;
    case UNITS_MICRON:
      return 0.001;
    default:
      return 1;
  }
}

/** A pixdim entry as a spacing: zero, negative or non-finite means "not set", read as 1. */
function positiveOr1(v: number): number {
  return Number.isFinite(v) && v > 0 ? v : 1;
}

/** Voxel spacing in mm from pixdim[1..3], converted from the header's spatial unit. */
export function spacingFromGeometry(g: NiftiGeometry): [number, number, number] {
  const k = spatialUnitToMm(g.xyztUnits);
  return [positiveOr1(g.pixdim[1]) * k, positiveOr1(g.pixdim[2]) * k, positiveOr1(g.pixdim[3]) * k];
}

/**
 * 4×4 voxel (i, j, k, 1) → world (mm) matrix of a header: sform when sform_code > 0,
 * else qform when qform_code > 0, else diag(pixdim) with zero offset (nifti1.h method 1).
 */
export function affineFromGeometry(g: NiftiGeometry): number[][] {
  let m: number[][];
  if (g.sformCode > 0) {
    m = g.srow.map((row) => row.slice());
  } else if (g.qformCode > 0) {
    m = quaternToAffine(g.quatern, g.qoffset, g.pixdim);
  } else {
    m = [
      [positiveOr1(g.pixdim[1]), 0, 0, 0],
      [0, positiveOr1(g.pixdim[2]), 0, 0],
      [0, 0, positiveOr1(g.pixdim[3]), 0],
    ];
  }
  const k = spatialUnitToMm(g.xyztUnits);
  return [...m.map((row) => row.map((v) => v * k)), [0, 0, 0, 1]];
}

/**
 * qform → 3×4 matrix (nifti1.h method 2): R(b, c, d) · diag(dx, dy, qfac·dz) plus qoffset.
 * A quaternion with b²+c²+d² > 1 (rounding) is renormalised with a = 0.
 */
export function quaternToAffine(
  quatern: readonly [number, number, number],
  qoffset: readonly [number, number, number],
  pixdim: readonly [number, number, number, number],
): number[][] {
  let [b, c, d] = quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = pixdim[0] < 0 ? -1 : 1;
  const scale = [positiveOr1(pixdim[1]), positiveOr1(pixdim[2]), positiveOr1(pixdim[3]) * qfac];
  return R.map((row, r) => [row[0]! * scale[0]!, row[1]! * scale[1]!, row[2]! * scale[2]!, qoffset[r]!]);
}

/**
 * Inverse of `quaternToAffine` for an affine whose 3×3 part has orthogonal columns
 * (nifti1_io's mat44_to_quatern without the polar decomposition). Returns `undefined`
 * for a sheared affine: such a file gets an sform only.
 */
export function affineToQuatern(
  affine: readonly (readonly number[])[],
): { quatern: [number, number, number]; qoffset: [number, number, number]; pixdim: [number, number, number, number] } | undefined {
  const col = (j: number) => [affine[0]![j]!, affine[1]![j]!, affine[2]![j]!];
  const cols = [col(0), col(1), col(2)];
  const norms = cols.map((v) => Math.hypot(v[0]!, v[1]!, v[2]!));
  if (norms.some((n) => !(n > 0))) return undefined;
  const u = cols.map((v, j) => v.map((x) => x / norms[j]!));
  const dot = (p: number[], q: number[]) => p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]!;
  if (Math.abs(dot(u[0]!, u[1]!)) > 1e-4 || Math.abs(dot(u[0]!, u[2]!)) > 1e-4 || Math.abs(dot(u[1]!, u[2]!)) > 1e-4) {
    return undefined;
  }
  // Left-handed column triple → qfac = -1 and flip the third column to get a rotation.
  const det =
    u[0]![0]! * (u[1]![1]! * u[2]![2]! - u[2]![1]! * u[1]![2]!) -
    u[1]![0]! * (u[0]![1]! * u[2]![2]! - u[2]![1]! * u[0]![2]!) +
    u[2]![0]! * (u[0]![1]! * u[1]![2]! - u[1]![1]! * u[0]![2]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) u[2] = u[2]!.map((x) => -x);
  // R[r][c] = u[c][r]
  const R = (r: number, c: number) => u[c]![r]!;
  let a = R(0, 0) + R(1, 1) + R(2, 2) + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (R(2, 1) - R(1, 2))) / a;
    c = (0.25 * (R(0, 2) - R(2, 0))) / a;
    d = (0.25 * (R(1, 0) - R(0, 1))) / a;
  } else {
    const xd = 1 + R(0, 0) - (R(1, 1) + R(2, 2));
    const yd = 1 + R(1, 1) - (R(0, 0) + R(2, 2));
    const zd = 1 + R(2, 2) - (R(0, 0) + R(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (R(0, 1) + R(1, 0))) / b;
      d = (0.25 * (R(0, 2) + R(2, 0))) / b;
      a = (0.25 * (R(2, 1) - R(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (R(0, 1) + R(1, 0))) / c;
      d = (0.25 * (R(1, 2) + R(2, 1))) / c;
      a = (0.25 * (R(0, 2) - R(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (R(0, 2) + R(2, 0))) / d;
      c = (0.25 * (R(1, 2) + R(2, 1))) / d;
      a = (0.25 * (R(1, 0) - R(0, 1))) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return {
    quatern: [b, c, d],
    qoffset: [affine[0]![3]!, affine[1]![3]!, affine[2]![3]!],
    pixdim: [qfac, norms[0]!, norms[1]!, norms[2]!],
  };
}

/**
 * Geometry fields for a new file whose voxel → world matrix (mm) is `affine`: the sform
 * holds the affine (code 2, aligned anatomy); the qform holds the same transform when the
 * affine has orthogonal columns (code 2), else qform_code is 0. pixdim[1..3] is `spacing`.
 */
export function geometryFromAffine(affine: readonly (readonly number[])[], spacing: readonly number[]): NiftiGeometry {
  const q = affineToQuatern(affine);
  return {
    qformCode: q ? XFORM_ALIGNED_ANAT : 0,
    sformCode: XFORM_ALIGNED_ANAT,
    quatern: q ? q.quatern : [0, 0, 0],
    qoffset: [affine[0]![3]!, affine[1]![3]!, affine[2]![3]!],
    pixdim: [q ? q.pixdim[0] : 1, spacing[0]!, spacing[1]!, spacing[2]!],
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => affine[r]![c]!)),
    xyztUnits: UNITS_MM,
  };
}

/** Fields the writer needs beyond the geometry. */
export interface NiftiHeaderFields {
  geometry: NiftiGeometry;
  /** Voxel counts along x, y, z. */
  dims: readonly [number, number, number];
  datatype: NiftiDatatype;
  description?: string;
}

/**
 * Encodes a little-endian NIfTI-1 header (348 bytes) plus a zero extension flag:
 * 352 bytes, with vox_offset = 352, scl_slope = 1, scl_inter = 0.
 */
export function encodeNiftiHeader(f: NiftiHeaderFields): Uint8Array {
  const out = new Uint8Array(NIFTI1_DATA_OFFSET);
  const v = new DataView(out.buffer);
  const g = f.geometry;
  const { code, bytes } = NIFTI_DATATYPES[f.datatype];
  const [X, Y, Z] = f.dims;
  v.setInt32(0, NIFTI1_HEADER_BYTES, true); // sizeof_hdr
  out[38] = 'r'.charCodeAt(0); // regular
  const dim = [3, X, Y, Z, 1, 1, 1, 1]; // always 3D; a 2D image has Z = 1
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, code, true); // datatype
  v.setInt16(72, bytes * 8, true); // bitpix
  const pixdim = [g.pixdim[0] < 0 ? -1 : 1, g.pixdim[1], g.pixdim[2], g.pixdim[3], 0, 0, 0, 0];
  pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, NIFTI1_DATA_OFFSET, true); // vox_offset
  v.setFloat32(112, 1, true); // scl_slope
  v.setFloat32(116, 0, true); // scl_inter
  out[123] = g.xyztUnits;
  const descrip = new TextEncoder().encode((f.description ?? '').slice(0, 79));
  out.set(descrip.subarray(0, 79), 148);
  v.setInt16(252, g.qformCode, true);
  v.setInt16(254, g.sformCode, true);
  g.quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  g.qoffset.forEach((q, i) => v.setFloat32(268 + 4 * i, q, true));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat32(280 + (r * 4 + c) * 4, g.srow[r]![c]!, true);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"
  // bytes 348..351: extension flag = 0 (no extensions)
  return out;
}
