/**
 * The environment switches for ablate's own wasm kernels: `ABLATE_WASM_GEMM` (matrix
 * products; `xnnpack` or `off` keeps tfjs's XNNPACK products) and `ABLATE_WASM_FUSED` (GELU
 * and layer norm; `off` keeps tfjs's composites). Unset, empty or `on` means on. Anything
 * else is refused: a misspelt switch would otherwise be ignored without a word.
 */

export interface WasmKernelSwitches {
  gemm: boolean;
  fused: boolean;
}

/** An ablate wasm-kernel switch has a value it does not know. */
export class WasmKernelSwitchError extends Error {
  override readonly name = 'WasmKernelSwitchError';
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: readonly string[],
  ) {
    super(`${variable}=${value} is not a known value (${allowed.join(', ')}); hint: unset ${variable} to use ablate's kernels`);
  }
}

function readSwitch(env: Readonly<Record<string, string | undefined>>, variable: string, offValues: readonly string[]): boolean {
  const value = env[variable];
  if (value === undefined || value === '' || value === 'on') return true;
  if (offValues.includes(value)) return false;
  throw new WasmKernelSwitchError(variable, value, ['on', ...offValues]);
}

/** @throws WasmKernelSwitchError for a value other than those documented above. */
export function readWasmKernelSwitches(env: Readonly<Record<string, string | undefined>> = process.env): WasmKernelSwitches {
  return {
    gemm: readSwitch(env, 'ABLATE_WASM_GEMM', ['off', 'xnnpack']),
    fused: readSwitch(env, 'ABLATE_WASM_FUSED', ['off']),
  };
}
