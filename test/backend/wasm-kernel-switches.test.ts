/**
 * The switches for ablate's wasm kernels: documented values, and a clear refusal (before any
 * backend is started) of anything else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { readWasmKernelSwitches, WasmKernelSwitchError } from '../../runtime/backend/wasm-kernel-switches.ts';

describe('readWasmKernelSwitches', () => {
  it('is on when unset, empty or on, and off for the documented values', () => {
    expect(readWasmKernelSwitches({})).toEqual({ gemm: true, fused: true });
    expect(readWasmKernelSwitches({ ABLATE_WASM_GEMM: '', ABLATE_WASM_FUSED: 'on' })).toEqual({ gemm: true, fused: true });
    expect(readWasmKernelSwitches({ ABLATE_WASM_GEMM: 'xnnpack' })).toEqual({ gemm: false, fused: true });
    expect(readWasmKernelSwitches({ ABLATE_WASM_GEMM: 'off', ABLATE_WASM_FUSED: 'off' })).toEqual({ gemm: false, fused: false });
  });

  it('refuses a misspelt value, naming the variable, the values it knows and what to do', () => {
    expect(() => readWasmKernelSwitches({ ABLATE_WASM_GEMM: 'of' })).toThrow(
      "ABLATE_WASM_GEMM=of is not a known value (on, off, xnnpack); hint: unset ABLATE_WASM_GEMM to use ablate's kernels",
    );
    expect(() => readWasmKernelSwitches({ ABLATE_WASM_FUSED: 'xnnpack' })).toThrow(WasmKernelSwitchError);
  });
});

describe('initBackend with a bad switch', () => {
  const saved = process.env['ABLATE_WASM_FUSED'];
  afterEach(() => {
    if (saved === undefined) delete process.env['ABLATE_WASM_FUSED'];
    else process.env['ABLATE_WASM_FUSED'] = saved;
  });

  it('throws before trying a backend (no silent fall-back to cpu)', async () => {
    process.env['ABLATE_WASM_FUSED'] = 'false';
    await expect(initBackend()).rejects.toThrow(WasmKernelSwitchError);
  });
});
