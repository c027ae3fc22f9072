/**
 * A zero-copy Identity kernel for the wasm backend.
 *
 * While recording gradients, tfjs clones every tensor a kernel saves for its backward
 * pass (`Engine.saveTensorsForBackwardMode` → `clone` → Identity). The cpu backend's
 * Identity shares the buffer; wasm's copies it, ~80 full copies per Swin block step.
 * Tensors are immutable, and the wasm backend already shares buffers by reference count
 * for Reshape, so Identity does the same here. Strings keep the original kernel.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { replaceWasmKernel } from './replace-wasm-kernel.ts';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

let installed = false;

/** Replace wasm's Identity with a reference-counted alias. Idempotent. */
export function installZeroCopyIdentity(): void {
  if (installed) return;
  installed = replaceWasmKernel('Identity', (args) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
