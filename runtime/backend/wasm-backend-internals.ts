/**
 * The parts of tfjs-wasm's `BackendWasm` that ablate's own wasm kernels (`gemm/`, `fused/`)
 * use to work on its heap in place: the module's memory, each tensor's byte offset, and
 * allocation. Not part of tfjs's public API; kept in one place so a tfjs upgrade that moves
 * them breaks one file.
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface WasmBackendInternals {
  wasm: { asm: Record<string, unknown>; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** The backend's `WebAssembly.Memory` (its heap), or undefined when the module exports none. */
export function heapMemory(backend: WasmBackendInternals): WebAssembly.Memory | undefined {
  return Object.values(backend.wasm.asm).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
}

/** Byte offset of a tensor's data on the backend's heap. */
export function heapOffset(backend: WasmBackendInternals, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
