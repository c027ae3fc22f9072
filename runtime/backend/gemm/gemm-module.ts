/**
 * Assembles and instantiates ablate's GEMM (`gemm-wat.ts`) on a given wasm memory, with
 * fused multiply-add when the engine has relaxed SIMD.
 *
 * Node 20 (V8 11.3) ships relaxed SIMD behind `--experimental-wasm-relaxed-simd`; it is on by
 * default from V8 11.4 (Node 22). The flag only gates validation of new modules, so setting
 * it at run time, before our module is compiled, is enough; V8 flags are per process, so
 * worker threads see it too.
 */
import v8 from 'node:v8';
import { assembleWat } from '../wat-assembler.ts';
import { gemmWat } from './gemm-wat.ts';

/** `gemm(a, b, c, bias, M, K, N, transA, transB, scratch)`; see `gemm-wat.ts` for layouts. */
export type GemmFunction = (
  a: number, b: number, c: number, bias: number,
  m: number, k: number, n: number, transA: number, transB: number, scratch: number,
) => void;

// (module (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd))
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // func 0 of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // 3 × v128.const 0
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

/** Whether this engine validates relaxed SIMD, after asking V8 to enable it. */
export function enableRelaxedSimd(): boolean {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_PROBE);
}

/** Assemble the GEMM's text to a binary (fused multiply-add when `fma`). */
export function gemmBinary(fma: boolean): Promise<Uint8Array<ArrayBuffer>> {
  return assembleWat('ablate-gemm.wat', gemmWat(fma), { relaxedSimd: fma });
}

/** The GEMM compiled for this engine: with fused multiply-add when it validates relaxed SIMD. */
export async function compileGemm(): Promise<{ module: WebAssembly.Module; fma: boolean }> {
  const fma = enableRelaxedSimd();
  return { module: new WebAssembly.Module(await gemmBinary(fma)), fma };
}

/** Instantiate a compiled GEMM on `memory` (tfjs-wasm's heap, so it reads tensors in place). */
export function instantiateGemm(module: WebAssembly.Module, memory: WebAssembly.Memory): GemmFunction {
  return new WebAssembly.Instance(module, { env: { memory } }).exports['gemm'] as GemmFunction;
}
