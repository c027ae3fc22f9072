/**
 * Faster Slice and SplitV kernels for the wasm backend.
 *
 * tfjs's wasm Slice reads its input with `readSync`, which copies the whole input out of
 * the wasm heap before copying the slice (so 3 slices of a tensor cost 3 full copies),
 * and then copies one innermost row per JavaScript call even when the rows are
 * contiguous. These kernels read the heap through a view and copy maximal contiguous
 * runs. SplitV is re-registered only because wasm's calls its own Slice directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.ts';

/** The parts of tfjs's BackendWasm that read and write tensors in place on its heap. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copy `src[begin : begin + size]` (row-major, shape `shape`) into `dst`. Trailing axes
 * taken whole merge with the last partial axis into one contiguous run per outer index.
 */
export function copySlice(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: { set(v: ArrayLike<number>, offset: number): void },
): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d]!;
  }
  let inner = rank - 1;
  let run = 1;
  while (inner >= 0 && size[inner] === shape[inner]) run *= shape[inner--]!;
  let base = 0;
  for (let d = 0; d < rank; d++) base += begin[d]! * strides[d]!;
  if (inner < 0) {
    dst.set(src.subarray(base, base + run), 0);
    return;
  }
  run *= size[inner]!;
  // odometer over axes 0 .. inner-1
  const idx = new Array<number>(inner).fill(0);
  let out = 0;
  for (;;) {
    let off = base;
    for (let d = 0; d < inner; d++) off += idx[d]! * strides[d]!;
    dst.set(src.subarray(off, off + run), out);
    out += run;
    let d = inner - 1;
    while (d >= 0 && ++idx[d]! === size[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

function fastSlice(x: tf.TensorInfo, begin: number[], size: number[], backend: WasmHeapBackend): tf.TensorInfo {
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const out = backend.makeOutput(s, x.dtype);
  if (s.some((d) => d === 0)) return out;
  // views only after makeOutput: allocating may grow (and detach) the heap
  copySlice(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(out));
  return out;
}

let installed = false;

/** Replace wasm's Slice and SplitV with the heap-view versions. Idempotent. */
export function installFastSlice(): void {
  if (installed) return;
  // Both or neither: wasm's SplitV calls its own Slice directly.
  if (tf.getKernel('Slice', 'wasm') === undefined || tf.getKernel('SplitV', 'wasm') === undefined) return;
  replaceWasmKernel('Slice', (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    return fastSlice(x, begin as number[], size as number[], args.backend as unknown as WasmHeapBackend);
  });
  replaceWasmKernel('SplitV', (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const begin = x.shape.map(() => 0);
    const size = [...x.shape];
    return sizes.map((n) => {
      size[$axis] = n;
      const part = fastSlice(x, [...begin], [...size], args.backend as unknown as WasmHeapBackend);
      begin[$axis]! += n;
      return part;
    });
  });
  installed = true;
}
