/**
 * Ground-truth masks stored as PNG slices (CHAOS `Ground/*.png`), through `pngjs`.
 *
 * A mask slice is greyscale; its grey values code the classes. CHAOS's MR coding is liver 63,
 * right kidney 126, left kidney 189, spleen 252, and its documentation gives each a range
 * (55–70, 110–135, 175–200, 240–255) so that masks re-saved by an image editor still read;
 * a grey value outside every range is an error naming the file, the value and a pixel.
 * Pixel (column c, row r) of the PNG lies on the image pixel with the same (c, r).
 */
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { DataError } from '../data-error.ts';

/** A grey-value coding: a stored value and the grey range [lo, hi] that maps to it. */
export interface GreyCode {
  value: number;
  lo: number;
  hi: number;
  /** Class name, for messages. */
  name: string;
}

/** One decoded mask slice: grey values row by row (column fastest). */
export interface PngMask {
  file: string;
  width: number;
  height: number;
  grey: Uint8Array;
}

/** Reads a PNG as 8-bit grey (the red channel of pngjs's RGBA output; 16-bit PNGs are scaled to 8 bits by pngjs). */
export async function readPngMask(file: string, subject: string): Promise<PngMask> {
  let png: PNG;
  try {
    png = PNG.sync.read(await readFile(file));
  } catch (e) {
    throw new DataError('bad-png', `${subject}: ${file}`, `cannot be read as PNG (${(e as Error).message})`, 'the file is cut short or is not a PNG; download or copy it again');
  }
  const n = png.width * png.height;
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) grey[i] = png.data[4 * i]!;
  return { file, width: png.width, height: png.height, grey };
}

/**
 * Maps a mask's grey values to stored label values (0 stays 0; `codes` give the others).
 * Returns the values, or a `DataError('unknown-grey-value')` naming the file, each unknown
 * grey value with its pixel count and the first pixel holding it.
 */
export function greyToLabels(mask: PngMask, codes: readonly GreyCode[], subject: string): Uint8Array | DataError {
  const table = new Int16Array(256).fill(-1);
  table[0] = 0;
  for (const c of codes) for (let g = c.lo; g <= c.hi; g++) table[g] = c.value;
  const out = new Uint8Array(mask.grey.length);
  const unknown = new Map<number, { count: number; at: number }>();
  for (let i = 0; i < mask.grey.length; i++) {
    const v = table[mask.grey[i]!]!;
    if (v >= 0) out[i] = v;
    else {
      const u = unknown.get(mask.grey[i]!);
      if (u) u.count++;
      else unknown.set(mask.grey[i]!, { count: 1, at: i });
    }
  }
  if (unknown.size === 0) return out;
  const list = [...unknown].sort((a, b) => a[0] - b[0]).map(([g, u]) => `${g} (${u.count} pixel(s), first at column ${u.at % mask.width}, row ${Math.floor(u.at / mask.width)})`).join(', ');
  const known = codes.map((c) => `${c.name} ${c.value} (${c.lo}–${c.hi})`).join(', ');
  return new DataError('unknown-grey-value', `${subject}: ${mask.file}`, `holds grey value(s) ${list} that the coding does not know (0 background, ${known})`, 'is this the mask of another dataset or modality? re-export it with the documented grey values');
}
