/**
 * NIfTI-2 header (540 bytes, nifti2.h): the same fields as NIfTI-1 in wider types — int64
 * dims and vox_offset, float64 pixdim, scaling, quaternion, qoffset and srow — at other
 * offsets, magic "n+2\0\r\n\x1a\n" at byte 4. Parsing goes through `nifti-reader-js`
 * (field access, endianness) plus the srow rows read directly, as for NIfTI-1
 * (nifti-header.ts); writing is little-endian with a zero extension flag, data at 544.
 *
 * ablate writes NIfTI-2 where a volume needs it (an axis longer than NIfTI-1's int16
 * dims allow, 32767) or when asked (`writeNifti(…, { format: 'nifti2' })`).
 */
import { NIFTI2, readHeader } from 'nifti-reader-js';
import { NiftiError } from './nifti-error.ts';
import { NIFTI_DATATYPES, type NiftiHeader, type NiftiHeaderFields } from './nifti-header.ts';

export const NIFTI2_HEADER_BYTES = 540;
export const NIFTI2_DATA_OFFSET = 544;
const MAGIC = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]; // "n+2\0\r\n\x1a\n"

/** Parses the header at the start of an (uncompressed) single-file NIfTI-2 image. */
export function parseNifti2Header(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.byteLength < NIFTI2_HEADER_BYTES) {
    throw new NiftiError('truncated', file, `only ${bytes.byteLength} bytes, shorter than the ${NIFTI2_HEADER_BYTES}-byte NIfTI-2 header`, 'the file was cut short; copy or export it again');
  }
  const magic = String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!);
  if (magic === 'ni2') throw new NiftiError('bad-magic', file, 'is the header of a NIfTI-2 .hdr/.img pair, which ablate does not read', 'convert it to a single .nii or .nii.gz file');
  if (magic !== 'n+2') throw new NiftiError('bad-magic', file, `bad NIfTI-2 magic ${JSON.stringify(magic)} (expected "n+2")`, 'the header is corrupt or this is not a NIfTI file');
  const copy = Uint8Array.prototype.slice.call(bytes, 0, NIFTI2_HEADER_BYTES).buffer;
  const h = readHeader(copy) as NIFTI2;
  const le = h.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat64(400 + (r * 4 + c) * 8, le)));
  return {
    headerBytes: NIFTI2_HEADER_BYTES,
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

/** Encodes a little-endian NIfTI-2 header (540 bytes) plus a zero extension flag: 544 bytes, vox_offset 544. */
export function encodeNifti2Header(f: NiftiHeaderFields): Uint8Array {
  const out = new Uint8Array(NIFTI2_DATA_OFFSET);
  const v = new DataView(out.buffer);
  const g = f.geometry;
  const { code, bytes } = NIFTI_DATATYPES[f.datatype];
  v.setInt32(0, NIFTI2_HEADER_BYTES, true); // sizeof_hdr
  out.set(MAGIC, 4);
  v.setInt16(12, code, true); // datatype
  v.setInt16(14, bytes * 8, true); // bitpix
  [3, f.dims[0], f.dims[1], f.dims[2], 1, 1, 1, 1].forEach((d, i) => v.setBigInt64(16 + 8 * i, BigInt(d), true));
  [g.pixdim[0] < 0 ? -1 : 1, g.pixdim[1], g.pixdim[2], g.pixdim[3], 0, 0, 0, 0].forEach((p, i) => v.setFloat64(104 + 8 * i, p, true));
  v.setBigInt64(168, BigInt(NIFTI2_DATA_OFFSET), true); // vox_offset
  v.setFloat64(176, 1, true); // scl_slope
  v.setFloat64(184, 0, true); // scl_inter
  const descrip = new TextEncoder().encode((f.description ?? '').slice(0, 79));
  out.set(descrip.subarray(0, 79), 240);
  v.setInt32(344, g.qformCode, true);
  v.setInt32(348, g.sformCode, true);
  g.quatern.forEach((q, i) => v.setFloat64(352 + 8 * i, q, true));
  g.qoffset.forEach((q, i) => v.setFloat64(376 + 8 * i, q, true));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat64(400 + (r * 4 + c) * 8, g.srow[r]![c]!, true);
  v.setInt32(500, g.xyztUnits, true);
  // bytes 540..543: extension flag = 0
  return out;
}
