/**
 * Test helper (not a test file): switch the wasm backend between ablate's fused GELU and
 * layer-norm kernels and the ops' tfjs composites, so one test body checks both paths.
 */
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { installWasmFusedKernels, removeWasmFusedKernels, wasmFusedState } from '../../runtime/backend/wasm-fused-kernels.ts';

const original = process.env['ABLATE_WASM_FUSED'];

/** Both paths, labelled for `describe.each`. */
export const FUSED_PATHS = [
  { fused: true, label: 'fused wasm kernels' },
  { fused: false, label: 'composites (fused kernels absent)' },
];

/**
 * With `fused`, make sure the kernels are registered on wasm; without, unregister them and set
 * `ABLATE_WASM_FUSED=off` so that later `initBackend('wasm')` calls do not install them again.
 * @throws Error when the kernels cannot be installed (an engine without wasm SIMD)
 */
export async function useFusedKernels(fused: boolean): Promise<void> {
  if (fused) {
    if (original === undefined) delete process.env['ABLATE_WASM_FUSED'];
    else process.env['ABLATE_WASM_FUSED'] = original;
    await initBackend('wasm');
    if (!(await installWasmFusedKernels())) throw new Error('the fused kernels could not be installed on this engine');
  } else {
    process.env['ABLATE_WASM_FUSED'] = 'off';
    removeWasmFusedKernels();
  }
  if (wasmFusedState().installed !== fused) throw new Error(`fused kernels installed: ${!fused}, expected ${fused}`);
}
