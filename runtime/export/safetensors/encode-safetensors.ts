/**
 * The safetensors format (huggingface/safetensors, README "Format"): an unsigned 64-bit
 * little-endian header length N, N bytes of UTF-8 JSON (`{ name: { dtype, shape,
 * data_offsets: [begin, end] }, "__metadata__": { string: string } }`, offsets relative
 * to the byte after the header), then the tensors' raw little-endian values, packed with
 * no gap. The header is padded with spaces to a multiple of 8 bytes, as the reference
 * writer does, so every float32 tensor starts aligned.
 */

import { ExportError } from '../export-error.ts';

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  /** Row-major float32 values. */
  data: Float32Array;
}

/** Encoded file bytes; tensors are written in the order given. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name) || t.name === '__metadata__') throw new ExportError(`tensor '${t.name}'`, 'is named twice or reserved', 'give every tensor its own name');
    seen.add(t.name);
    const size = t.shape.reduce((p, d) => p * d, 1);
    if (size !== t.data.length) throw new ExportError(`tensor '${t.name}'`, `has ${t.data.length} values for shape [${t.shape.join(', ')}]`, 'the values and the shape disagree');
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  const unpadded = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (unpadded % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let o = 8 + headerBytes.length;
  const le = new DataView(out.buffer);
  for (const t of tensors) {
    // explicit little-endian writes: the format fixes the byte order
    for (let i = 0; i < t.data.length; i++, o += 4) le.setFloat32(o, t.data[i]!, true);
  }
  return out;
}
