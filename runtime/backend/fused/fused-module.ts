/**
 * Assembles ablate's fused elementwise kernels (`fused-wat.ts`) and instantiates them on a
 * given wasm memory (tfjs-wasm's heap), with fused multiply-add where the engine has relaxed
 * SIMD (`enableRelaxedSimd` from the GEMM's module).
 */
import { enableRelaxedSimd } from '../gemm/gemm-module.ts';
import { assembleWat } from '../wat-assembler.ts';
import { fusedWat } from './fused-wat.ts';

/** The exported functions; pointers are byte addresses of dense f32 data, see `fused-wat.ts`. */
export interface FusedModule {
  /** y = erf(x) over n values. */
  erf(x: number, y: number, n: number): void;
  /** y = x·Φ(x) over n values. */
  gelu(x: number, y: number, n: number): void;
  /** dx = dy·(Φ(x) + x·φ(x)) over n values. */
  gelu_grad(dy: number, x: number, dx: number, n: number): void;
  /** x̂ `[rows, C]` and rstd `[rows]` from x `[rows, C]`. */
  standardize(x: number, xhat: number, rstd: number, rows: number, c: number, eps: number): void;
  /** dx `[rows, C]` of `standardize` from dy, x̂ `[rows, C]` and rstd `[rows]`. */
  standardize_grad(dy: number, xhat: number, rstd: number, dx: number, rows: number, c: number): void;
  /** y `[rows, C]`, mean and rstd `[rows]` from x `[rows, C]`, γ and β `[C]`. */
  layer_norm(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, c: number, eps: number): void;
  /** dx `[rows, C]`, dγ and dβ `[C]` of `layer_norm` from dy, x `[rows, C]`, mean, rstd `[rows]` and γ `[C]`. */
  layer_norm_grad(
    dy: number, x: number, mean: number, rstd: number, gamma: number,
    dx: number, dgamma: number, dbeta: number, rows: number, c: number,
  ): void;
}

/** A compiled module and whether it multiplies and adds in one instruction. */
export interface CompiledFused {
  module: WebAssembly.Module;
  fma: boolean;
}

/** Assemble the kernels' text to a binary (fused multiply-add when `fma`). */
export function fusedBinary(fma: boolean): Promise<Uint8Array<ArrayBuffer>> {
  return assembleWat('ablate-fused.wat', fusedWat(fma), { relaxedSimd: fma, bulkMemory: true });
}

/** Compile the kernels for this engine: with fused multiply-add when it validates relaxed SIMD. */
export async function compileFused(): Promise<CompiledFused> {
  const fma = enableRelaxedSimd();
  return { module: new WebAssembly.Module(await fusedBinary(fma)), fma };
}

/** Instantiate compiled kernels on `memory` (synchronous: the module is already compiled). */
export function instantiateFused(compiled: CompiledFused, memory: WebAssembly.Memory): FusedModule {
  return new WebAssembly.Instance(compiled.module, { env: { memory } }).exports as unknown as FusedModule;
}
