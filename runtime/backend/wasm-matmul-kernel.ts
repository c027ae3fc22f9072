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
import { instantiateGemm, type GemmModule } from './gemm/gemm-module.ts';
import { gemmScratchBytes } from './gemm/gemm-wat.ts';

/** The parts of tfjs's BackendWasm this kernel uses. */
interface WasmBackendInternals {
  wasm: { asm: Record<string, unknown>; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number; shape: number[] } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** What `installWasmMatMul` did: whether products now use ablate's GEMM, and with FMA. */
export interface WasmMatMulState {
  installed: boolean;
  fma: boolean;
}

let state: WasmMatMulState = { installed: false, fma: false };
/** The backend instance the GEMM was instantiated on (a re-created backend has a new heap). */
let owner: unknown;
let scratch = { ptr: 0, bytes: 0 };

/** Whether wasm's matrix products are ablate's GEMM (transposed operands cost nothing extra). */
export function wasmMatMulState(): WasmMatMulState {
  return state;
}

/**
 * Replace the wasm backend's BatchMatMul and _FusedMatMul with ablate's GEMM. Call with the
 * wasm backend current. Idempotent; returns what is installed.
 */
export async function installWasmMatMul(): Promise<WasmMatMulState> {
  if (state.installed) return state;
  const backend = tf.findBackend('wasm') as unknown as WasmBackendInternals | null;
  const batchOriginal = tf.getKernel('BatchMatMul', 'wasm');
  const fusedOriginal = tf.getKernel('_FusedMatMul', 'wasm');
  if (!backend || !batchOriginal || !fusedOriginal) return state;
  const memory = Object.values(backend.wasm.asm).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
  if (!memory) return state;
  let gemm: GemmModule;
  try {
    gemm = await instantiateGemm(memory);
  } catch {
    return state; // an engine without wasm SIMD: tfjs's kernels stay
  }
  owner = backend;
  replace('BatchMatMul', batchOriginal, gemm);
  replace('_FusedMatMul', fusedOriginal, gemm);
  state = { installed: true, fma: gemm.fma };
  return state;
}

function replace(kernelName: string, original: tf.KernelConfig, gemm: GemmModule): void {
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => (args.backend === owner ? product(args, gemm) : undefined) ?? (original.kernelFunc(args) as tf.TensorInfo),
  });
}

/** `op(a) @ op(b) (+ bias)` for the cases the GEMM covers; undefined for the rest. */
function product(args: Parameters<tf.KernelFunc>[0], gemm: GemmModule): tf.TensorInfo | undefined {
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
  const out = backend.makeOutput([...outer, M, N], 'float32');
  const work = ensureScratch(backend, gemmScratchBytes(N));
  const pa = backend.dataIdMap.get(a.dataId).memoryOffset;
  const pb = backend.dataIdMap.get(b.dataId).memoryOffset;
  const pc = backend.dataIdMap.get(out.dataId).memoryOffset;
  const pBias = bias ? backend.dataIdMap.get(bias.dataId).memoryOffset : 0;
  const batch = Math.max(batchA, batchB);
  for (let i = 0; i < batch; i++) {
    gemm.gemm(
      pa + (batchA === 1 ? 0 : i * M * K * 4),
      pb + (batchB === 1 ? 0 : i * K * N * 4),
      pc + i * M * N * 4,
      pBias, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0, work,
    );
  }
  return out;
}

/** One scratch block for packing, grown when a wider product needs more. */
function ensureScratch(backend: WasmBackendInternals, bytes: number): number {
  if (scratch.bytes < bytes) {
    if (scratch.ptr !== 0) backend.wasm._free(scratch.ptr);
    scratch = { ptr: backend.wasm._malloc(bytes), bytes };
  }
  return scratch.ptr;
}
