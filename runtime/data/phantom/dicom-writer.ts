/**
 * A minimal DICOM Part 10 writer for test fixtures: one uncompressed 16-bit MR (or CT)
 * slice per file, explicit VR little endian (transfer syntax 1.2.840.10008.1.2.1).
 *
 * Why it exists: the phantom generator writes CHAOS-layout folders (real `.dcm` files) so
 * that the DICOM importer is tested without the real data, and no maintained DICOM writer
 * runs on Node 20 (dcmjs needs Node ≥ 22). The importer reads these files through
 * `dicom-parser`, an independent parser, so a mistake here cannot hide one there.
 *
 * File structure (PS3.10 §7.1): 128-byte zero preamble, "DICM", the File Meta group
 * (0002,xxxx) with its group length, then the data set, elements in ascending tag order.
 * Each element (PS3.5 §7.1.2): group, element (uint16 LE), VR (2 ASCII chars), then a
 * uint16 length for most VRs or two reserved bytes + a uint32 length for OB/OW/SQ/UN/UT;
 * values are padded to even length (space for text, NUL for UI and binary).
 * Only what an importer of a CT/MR series needs is written: geometry (Image Position /
 * Orientation (Patient), Pixel Spacing, Slice Thickness), series and instance identity,
 * the pixel module and Rescale Slope / Intercept. Not for clinical use.
 */

/** One slice to encode. Positions and directions are in DICOM patient coordinates (LPS, mm). */
export interface DicomSlice {
  rows: number;
  columns: number;
  /** Stored pixel values, row by row (column index fastest), rows·columns of them. */
  pixels: Int16Array | Uint16Array;
  /** (0020,0032) x, y, z of the centre of the first transmitted pixel. */
  imagePosition: [number, number, number];
  /** (0020,0037) direction of increasing column index (along a row), then of increasing row index. */
  imageOrientation: [number, number, number, number, number, number];
  /** (0028,0030) [spacing between rows, spacing between columns] in mm. */
  pixelSpacing: [number, number];
  sliceThickness: number;
  instanceNumber: number;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  patientId: string;
  /** (0008,0060), e.g. 'MR' or 'CT'. */
  modality: string;
  /** (0028,1053) / (0028,1052): real value = stored · slope + intercept. */
  rescaleSlope: number;
  rescaleIntercept: number;
}

const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** An implementation UID under the "2.25" (UUID-derived) root, naming this writer. */
const IMPLEMENTATION_UID = '2.25.41725512343391786244512340876129183';

/** VRs whose length field is 32-bit (after two reserved bytes). */
const LONG_VR = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'SQ', 'UN', 'UT', 'UC', 'UR']);

class ElementWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  /** One element with raw value bytes (padded to even length with `pad`). */
  raw(group: number, element: number, vr: string, value: Uint8Array, pad = 0): void {
    const padded = value.length % 2 ? concat([value, Uint8Array.of(pad)]) : value;
    const long = LONG_VR.has(vr);
    const head = new Uint8Array(long ? 12 : 8);
    const v = new DataView(head.buffer);
    v.setUint16(0, group, true);
    v.setUint16(2, element, true);
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    if (long) v.setUint32(8, padded.length, true);
    else {
      if (padded.length > 0xffff) throw new RangeError(`DICOM element (${hex(group)},${hex(element)}) ${vr} value of ${padded.length} bytes needs a long VR`);
      v.setUint16(6, padded.length, true);
    }
    this.push(head);
    this.push(padded);
  }

  /** Text VRs (CS, LO, DS, IS, …): padded with a space; UI with NUL (PS3.5 §6.2). */
  text(group: number, element: number, vr: string, value: string): void {
    this.raw(group, element, vr, new TextEncoder().encode(value), vr === 'UI' ? 0 : 0x20);
  }

  us(group: number, element: number, value: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, value, true);
    this.raw(group, element, 'US', b);
  }

  ul(group: number, element: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    this.raw(group, element, 'UL', b);
  }

  bytes(): Uint8Array {
    return concat(this.parts);
  }
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A decimal string (DS) value: at most 16 characters per item (PS3.5 Table 6.2-1). */
function ds(values: readonly number[]): string {
  return values
    .map((v) => {
      for (let digits = 10; digits >= 1; digits--) {
        const s = String(Number(v.toPrecision(digits)));
        if (s.length <= 16) return s;
      }
      throw new RangeError(`${v} does not fit a DICOM decimal string`);
    })
    .join('\\');
}

/** Encodes one slice as a Part 10 file (see the module comment). */
export function encodeDicomSlice(s: DicomSlice): Uint8Array {
  if (s.pixels.length !== s.rows * s.columns) {
    throw new RangeError(`DICOM slice has ${s.pixels.length} pixels for ${s.rows} rows × ${s.columns} columns`);
  }
  const sopClass = s.modality === 'CT' ? CT_IMAGE_STORAGE : MR_IMAGE_STORAGE;
  const signed = s.pixels instanceof Int16Array;

  const meta = new ElementWriter();
  meta.raw(0x0002, 0x0001, 'OB', Uint8Array.of(0, 1)); // File Meta Information Version
  meta.text(0x0002, 0x0002, 'UI', sopClass);
  meta.text(0x0002, 0x0003, 'UI', s.sopInstanceUid);
  meta.text(0x0002, 0x0010, 'UI', EXPLICIT_VR_LITTLE_ENDIAN);
  meta.text(0x0002, 0x0012, 'UI', IMPLEMENTATION_UID);
  const group = new ElementWriter();
  group.ul(0x0002, 0x0000, meta.length); // File Meta Information Group Length

  const d = new ElementWriter(); // ascending tag order
  d.text(0x0008, 0x0016, 'UI', sopClass);
  d.text(0x0008, 0x0018, 'UI', s.sopInstanceUid);
  d.text(0x0008, 0x0060, 'CS', s.modality);
  d.text(0x0010, 0x0020, 'LO', s.patientId);
  d.text(0x0018, 0x0050, 'DS', ds([s.sliceThickness]));
  d.text(0x0020, 0x000d, 'UI', s.studyInstanceUid);
  d.text(0x0020, 0x000e, 'UI', s.seriesInstanceUid);
  d.text(0x0020, 0x0011, 'IS', String(s.seriesNumber));
  d.text(0x0020, 0x0013, 'IS', String(s.instanceNumber));
  d.text(0x0020, 0x0032, 'DS', ds(s.imagePosition));
  d.text(0x0020, 0x0037, 'DS', ds(s.imageOrientation));
  d.us(0x0028, 0x0002, 1); // Samples per Pixel
  d.text(0x0028, 0x0004, 'CS', 'MONOCHROME2');
  d.us(0x0028, 0x0010, s.rows);
  d.us(0x0028, 0x0011, s.columns);
  d.text(0x0028, 0x0030, 'DS', ds(s.pixelSpacing));
  d.us(0x0028, 0x0100, 16); // Bits Allocated
  d.us(0x0028, 0x0101, 16); // Bits Stored
  d.us(0x0028, 0x0102, 15); // High Bit
  d.us(0x0028, 0x0103, signed ? 1 : 0); // Pixel Representation
  d.text(0x0028, 0x1052, 'DS', ds([s.rescaleIntercept]));
  d.text(0x0028, 0x1053, 'DS', ds([s.rescaleSlope]));
  const pixelBytes = new Uint8Array(s.pixels.length * 2);
  const pv = new DataView(pixelBytes.buffer);
  for (let i = 0; i < s.pixels.length; i++) pv.setUint16(2 * i, s.pixels[i]! & 0xffff, true);
  d.raw(0x7fe0, 0x0010, 'OW', pixelBytes);

  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  return concat([preamble, group.bytes(), meta.bytes(), d.bytes()]);
}
