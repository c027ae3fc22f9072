/**
 * BatchMatMul and _FusedMatMul on the wasm backend through ablate's GEMM (`gemm/`), which
 * runs on tfjs-wasm's own heap: operands are read and the product written in place.
 *
 * It multiplies with fused multiply-adds where the engine has relaxed SIMD (1.2–1.6× tfjs's
 * XNNPACK products on the paper's shapes, `bench/gemm.bench.ts`) and takes transposed
 * operands at full speed (tfjs-wasm sends every transposed or batched product to a scalar
 * loop). Whatever it does not cover goes to tfjs's kernel: non-float32 operands, fused
 * activations other than linear, biases that are not a vector of N, and batch dimensions
 * that broadcast other than all-or-nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compileGemm, instantiateGemm, type GemmFunction } from './gemm/gemm-module.ts';
import { gemmScratchBytes } from './gemm/gemm-wat.ts';
import { heapMemory, heapOffset, type WasmBackendInternals } from './wasm-backend-internals.ts';

/** What `installWasmMatMul` did: whether products now use ablate's GEMM, and with FMA. */
export interface WasmMatMulState {
  installed: boolean;
  fma: boolean;
}

/** The GEMM on one backend's heap, and its packing scratch there (grown when a wider product needs more). */
interface HeapGemm {
  gemm: GemmFunction;
  scratch: { ptr: number; bytes: number };
}

let state: WasmMatMulState = { installed: false, fma: false };
/** One instance per backend object: a re-created wasm backend has a new heap. */
const instances = new WeakMap<object, HeapGemm | null>();

/** Whether wasm's matrix products are ablate's GEMM (transposed operands cost nothing extra). */
export function wasmMatMulState(): WasmMatMulState {
  return state;
}

/**
 * Whether the current backend's products take transposed and batched operands at full speed:
 * ablate's GEMM on wasm, and every other backend. tfjs-wasm's own BatchMatMul runs those in
 * a scalar loop, so ops reformulate them when this is false.
 */
export function productsTakeTransposes(): boolean {
  return tf.getBackend() !== 'wasm' || state.installed;
}

/**
 * Replace the wasm backend's BatchMatMul and _FusedMatMul with ablate's GEMM (compiled once
 * per process, instantiated on each wasm backend's heap when first used). Idempotent;
 * returns what is installed.
 */
export async function installWasmMatMul(): Promise<WasmMatMulState> {
  if (state.installed) return state;
  const batchOriginal = tf.getKernel('BatchMatMul', 'wasm');
  const fusedOriginal = tf.getKernel('_FusedMatMul', 'wasm');
  if (!tf.findBackend('wasm') || !batchOriginal || !fusedOriginal) return state;
  let compiled: { module: WebAssembly.Module; fma: boolean };
  try {
    compiled = await compileGemm();
  } catch {
    return state; // an engine without wasm SIMD: tfjs's kernels stay
  }
  for (const original of [batchOriginal, fusedOriginal]) {
    tf.unregisterKernel(original.kernelName, 'wasm');
    tf.registerKernel({
      kernelName: original.kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => product(args, compiled.module) ?? (original.kernelFunc(args) as tf.TensorInfo),
    });
  }
  state = { installed: true, fma: compiled.fma };
  return state;
}

/** The GEMM on `backend`'s heap (null when it exposes no memory: tfjs's kernels run there). */
function heapGemm(backend: WasmBackendInternals, module: WebAssembly.Module): HeapGemm | null {
  let instance = instances.get(backend);
  if (instance === undefined) {
    const memory = heapMemory(backend);
    instance = memory ? { gemm: instantiateGemm(module, memory), scratch: { ptr: 0, bytes: 0 } } : null;
    instances.set(backend, instance);
  }
  return instance;
}

/** `op(a) @ op(b) (+ bias)` for the cases the GEMM covers; undefined for the rest. */
function product(args: Parameters<tf.KernelFunc>[0], module: WebAssembly.Module): tf.TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if ((activation !== undefined && activation !== 'linear') || preluActivationWeights) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [M, K] = transposeA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const N = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (M === 0 || N === 0 || K === 0) return undefined;
  if (bias && tf.util.sizeFromShape(bias.shape) !== N) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!sameOuter && batchA !== 1 && batchB !== 1) return undefined;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);

  const backend = args.backend as unknown as WasmBackendInternals;
  const heap = heapGemm(backend, module);
  if (!heap) return undefined;
  const out = backend.makeOutput([...outer, M, N], 'float32');
  const work = ensureScratch(backend, heap, gemmScratchBytes(N));
  const pa = heapOffset(backend, a);
  const pb = heapOffset(backend, b);
  const pc = heapOffset(backend, out);
  const pBias = bias ? heapOffset(backend, bias) : 0;
  const batch = Math.max(batchA, batchB);
  for (let i = 0; i < batch; i++) {
    heap.gemm(
      pa + (batchA === 1 ? 0 : i * M * K * 4),
      pb + (batchB === 1 ? 0 : i * K * N * 4),
      pc + i * M * N * 4,
      pBias, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0, work,
    );
  }
  return out;
}

/** The heap's scratch block, grown to at least `bytes`. */
function ensureScratch(backend: WasmBackendInternals, heap: HeapGemm, bytes: number): number {
  if (heap.scratch.bytes < bytes) {
    if (heap.scratch.ptr !== 0) backend.wasm._free(heap.scratch.ptr);
    heap.scratch = { ptr: backend.wasm._malloc(bytes), bytes };
  }
  return heap.scratch.ptr;
}
