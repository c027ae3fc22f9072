/**
 * ablate's fused GELU and layer-normalisation kernels (`fused/`) registered on the wasm
 * backend under the names in `fused/fused-kernel-names.ts`. They run on tfjs-wasm's own heap,
 * reading inputs and writing outputs in place, like tfjs's kernels.
 *
 * Why: tfjs-wasm's Erf and Exp are scalar libm loops (~4 ns a value), and a layer norm is
 * 7 kernels forward and ~8 backward, each a full pass over the map; each fused kernel here is
 * one SIMD pass (per row, with the row in L1, for the norms).
 *
 * Only the wasm backend gets them: the ops in `runtime/ops` call them when
 * `hasFusedKernel(name)` is true and run their tfjs composites otherwise (cpu, node, and wasm
 * without these kernels: `ABLATE_WASM_FUSED=off`, or an engine without wasm SIMD).
 */
import * as tf from '@tensorflow/tfjs-core';
import { compileFused, instantiateFused, type CompiledFused, type FusedModule } from './fused/fused-module.ts';
import { FUSED_KERNEL } from './fused/fused-kernel-names.ts';
import { FusedKernelInputError } from './fused/fused-kernel-error.ts';
import { heapMemory, heapOffset as offset, type WasmBackendInternals } from './wasm-backend-internals.ts';

/** What `installWasmFusedKernels` did: whether the kernels are registered, and with FMA. */
export interface WasmFusedState {
  installed: boolean;
  fma: boolean;
}

let compiled: CompiledFused | undefined;
/** One instance per backend object: a re-created wasm backend has a new heap. */
const instances = new WeakMap<object, FusedModule>();

/** Whether the wasm backend has ablate's fused kernels now. */
export function wasmFusedState(): WasmFusedState {
  return { installed: tf.getKernel(FUSED_KERNEL.gelu, 'wasm') !== undefined, fma: compiled?.fma ?? false };
}

/**
 * Register the fused kernels on the wasm backend (compiled once per process, instantiated on
 * each wasm backend's heap when first used). Idempotent.
 * @returns whether they are registered: false when there is no wasm backend, or the engine
 *   cannot compile wasm SIMD (then the ops keep their tfjs composites).
 */
export async function installWasmFusedKernels(): Promise<boolean> {
  if (wasmFusedState().installed) return true;
  if (!tf.findBackend('wasm')) return false;
  try {
    compiled ??= await compileFused();
  } catch {
    return false; // an engine without wasm SIMD
  }
  const module = compiled;
  for (const [kernelName, kernel] of Object.entries(KERNELS)) {
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => kernel(inputs, attrs, backend as unknown as WasmBackendInternals, fused(kernelName, module, backend)),
    });
  }
  return true;
}

/** Unregister the fused kernels (the ops fall back to their composites); for tests and benchmarks. */
export function removeWasmFusedKernels(): void {
  for (const name of Object.values(FUSED_KERNEL)) {
    if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
  }
}

function fused(kernelName: string, module: CompiledFused, backend: object): FusedModule {
  let instance = instances.get(backend);
  if (instance === undefined) {
    const memory = heapMemory(backend as WasmBackendInternals);
    if (!memory) throw new FusedKernelInputError(kernelName, 'the wasm backend exposes no WebAssembly.Memory');
    instances.set(backend, (instance = instantiateFused(module, memory)));
  }
  return instance;
}

type Kernel = (
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap | undefined,
  backend: WasmBackendInternals,
  fused: FusedModule,
) => tf.TensorInfo | tf.TensorInfo[];

const KERNELS: Record<string, Kernel> = {
  [FUSED_KERNEL.gelu]: (inputs, _attrs, backend, fused) => {
    const [x] = float32(FUSED_KERNEL.gelu, inputs, ['x']);
    const y = backend.makeOutput(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (n > 0) fused.gelu(offset(backend, x), offset(backend, y), n);
    return y;
  },
  [FUSED_KERNEL.geluGrad]: (inputs, _attrs, backend, fused) => {
    const [dy, x] = float32(FUSED_KERNEL.geluGrad, inputs, ['dy', 'x']);
    sameShape(FUSED_KERNEL.geluGrad, dy, x);
    const dx = backend.makeOutput(x.shape, 'float32');
    const n = tf.util.sizeFromShape(x.shape);
    if (n > 0) fused.gelu_grad(offset(backend, dy), offset(backend, x), offset(backend, dx), n);
    return dx;
  },
  [FUSED_KERNEL.standardize]: (inputs, attrs, backend, fused) => {
    const [x] = float32(FUSED_KERNEL.standardize, inputs, ['x']);
    const { rows, C, statShape } = rowsOf(FUSED_KERNEL.standardize, x);
    const eps = epsOf(FUSED_KERNEL.standardize, attrs);
    const xhat = backend.makeOutput(x.shape, 'float32');
    const rstd = backend.makeOutput(statShape, 'float32');
    if (rows > 0 && C > 0) fused.standardize(offset(backend, x), offset(backend, xhat), offset(backend, rstd), rows, C, eps);
    return [xhat, rstd];
  },
  [FUSED_KERNEL.standardizeGrad]: (inputs, _attrs, backend, fused) => {
    const [dy, xhat, rstd] = float32(FUSED_KERNEL.standardizeGrad, inputs, ['dy', 'xhat', 'rstd']);
    sameShape(FUSED_KERNEL.standardizeGrad, dy, xhat);
    const { rows, C } = rowsOf(FUSED_KERNEL.standardizeGrad, xhat, rstd);
    const dx = backend.makeOutput(xhat.shape, 'float32');
    if (rows > 0 && C > 0) fused.standardize_grad(offset(backend, dy), offset(backend, xhat), offset(backend, rstd), offset(backend, dx), rows, C);
    return dx;
  },
  [FUSED_KERNEL.layerNorm]: (inputs, attrs, backend, fused) => {
    const [x, gamma, beta] = float32(FUSED_KERNEL.layerNorm, inputs, ['x', 'gamma', 'beta']);
    const { rows, C, statShape } = rowsOf(FUSED_KERNEL.layerNorm, x, undefined, gamma, beta);
    const eps = epsOf(FUSED_KERNEL.layerNorm, attrs);
    const y = backend.makeOutput(x.shape, 'float32');
    const mean = backend.makeOutput(statShape, 'float32');
    const rstd = backend.makeOutput(statShape, 'float32');
    if (rows > 0 && C > 0) {
      fused.layer_norm(
        offset(backend, x), offset(backend, gamma), offset(backend, beta),
        offset(backend, y), offset(backend, mean), offset(backend, rstd), rows, C, eps,
      );
    }
    return [y, mean, rstd];
  },
  [FUSED_KERNEL.layerNormGrad]: (inputs, _attrs, backend, fused) => {
    const [dy, x, mean, rstd, gamma] = float32(FUSED_KERNEL.layerNormGrad, inputs, ['dy', 'x', 'mean', 'rstd', 'gamma']);
    sameShape(FUSED_KERNEL.layerNormGrad, dy, x);
    sameShape(FUSED_KERNEL.layerNormGrad, mean, rstd);
    const { rows, C } = rowsOf(FUSED_KERNEL.layerNormGrad, x, rstd, gamma);
    const dx = backend.makeOutput(x.shape, 'float32');
    const dgamma = backend.makeOutput([C], 'float32');
    const dbeta = backend.makeOutput([C], 'float32');
    if (C > 0) {
      fused.layer_norm_grad(
        offset(backend, dy), offset(backend, x), offset(backend, mean), offset(backend, rstd), offset(backend, gamma),
        offset(backend, dx), offset(backend, dgamma), offset(backend, dbeta), rows, C,
      );
    }
    return [dx, dgamma, dbeta];
  },
};

/** The named inputs, each present and float32. */
function float32(kernel: string, inputs: tf.NamedTensorInfoMap, names: string[]): tf.TensorInfo[] {
  return names.map((name) => {
    const t = inputs[name];
    if (t === undefined) throw new FusedKernelInputError(kernel, `input '${name}' is missing`);
    if (t.dtype !== 'float32') throw new FusedKernelInputError(kernel, `input '${name}' is ${t.dtype}, not float32`);
    return t;
  });
}

function sameShape(kernel: string, a: tf.TensorInfo, b: tf.TensorInfo): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new FusedKernelInputError(kernel, `shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}

/**
 * Rows and row length of `x [..., C]`, checking a per-row statistic `[..., 1]` and
 * per-channel vectors `[C]` where given.
 */
function rowsOf(
  kernel: string,
  x: tf.TensorInfo,
  stat?: tf.TensorInfo,
  ...perChannel: tf.TensorInfo[]
): { rows: number; C: number; statShape: number[] } {
  if (x.shape.length < 1) throw new FusedKernelInputError(kernel, 'x is a scalar; it needs a channel axis');
  const C = x.shape[x.shape.length - 1]!;
  const statShape = [...x.shape.slice(0, -1), 1];
  const rows = tf.util.sizeFromShape(statShape);
  if (stat !== undefined && !tf.util.arraysEqual(stat.shape, statShape)) {
    throw new FusedKernelInputError(kernel, `a row statistic is [${stat.shape.join(', ')}], expected [${statShape.join(', ')}]`);
  }
  for (const v of perChannel) {
    if (v.shape.length !== 1 || v.shape[0] !== C) throw new FusedKernelInputError(kernel, `a per-channel input is [${v.shape.join(', ')}], expected [${C}]`);
  }
  return { rows, C, statShape };
}

function epsOf(kernel: string, attrs: tf.NamedAttrMap | undefined): number {
  const eps = attrs?.['eps'];
  if (typeof eps !== 'number' || !(eps >= 0)) throw new FusedKernelInputError(kernel, `attribute eps is ${String(eps)}, expected a number ≥ 0`);
  return eps;
}
