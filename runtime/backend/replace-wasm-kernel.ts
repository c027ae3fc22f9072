/**
 * Replaces one of tfjs-wasm's kernels with ablate's version. String tensors (which the
 * replacements do not handle) still go to the original kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Unregisters wasm's `kernelName` and registers `replacement` in its place; returns false
 * (and changes nothing) when wasm has no such kernel.
 */
export function replaceWasmKernel(kernelName: string, replacement: tf.KernelFunc): boolean {
  const original = tf.getKernel(kernelName, 'wasm');
  if (original === undefined) return false;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => ((args.inputs['x'] as tf.TensorInfo).dtype === 'string' ? original.kernelFunc(args) : replacement(args)),
  });
  return true;
}
