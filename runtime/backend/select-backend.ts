/**
 * Run-time choice of the TensorFlow.js backend: node-gpu → node → wasm (SIMD) → cpu,
 * or exactly one when the user forces it (`--backend`). See DESIGN.md, "TensorFlow.js
 * backends", for why this order and what each one lacks.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers registers all of them.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_PREFERENCE, type BackendName } from './backend-name.ts';
import { BackendUnavailableError, GradientsMissingError } from './backend-error.ts';
import { wasmBinaryDir } from './wasm-paths.ts';
import { installZeroCopyIdentity } from './wasm-identity-kernel.ts';
import { installFastSlice } from './wasm-slice-kernel.ts';
import { installWasmMatMul, wasmMatMulState } from './wasm-matmul-kernel.ts';
import { installWasmFusedKernels, wasmFusedState } from './wasm-fused-kernels.ts';
import { readWasmKernelSwitches, type WasmKernelSwitches } from './wasm-kernel-switches.ts';

/** What `initBackend` started. `note` is one line for logs and MLflow tags. */
export interface BackendInfo {
  name: BackendName;
  note: string;
}

/** npm packages of the native backends; both register the tfjs backend `tensorflow`. */
const NATIVE_PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

let wasmPathsSet = false;

/**
 * Start a backend and make it current.
 *
 * @param preferred when given, only that backend is tried and a failure throws
 *   `BackendUnavailableError`; when omitted, backends are tried in
 *   `BACKEND_PREFERENCE` order and the first that starts wins (cpu always does).
 * @returns the backend started and a note on what was skipped and why.
 * @throws GradientsMissingError if no gradients are registered (should not happen:
 *   this module imports tfjs-layers).
 * @throws WasmKernelSwitchError if ABLATE_WASM_GEMM or ABLATE_WASM_FUSED has an unknown value.
 */
export async function initBackend(preferred?: BackendName): Promise<BackendInfo> {
  assertGradientsRegistered();
  // before any backend is tried: a bad switch must not send the run to another backend
  const switches = readWasmKernelSwitches();
  const order = preferred ? [preferred] : BACKEND_PREFERENCE;
  const attempts: { backend: BackendName; reason: string }[] = [];
  for (const name of order) {
    const failure = await tryStart(name, switches);
    if (failure === undefined) {
      const skipped = attempts.map((a) => `${a.backend}: ${a.reason}`);
      return { name, note: [describe(name), ...skipped.map((s) => `skipped ${s}`)].join('; ') };
    }
    attempts.push({ backend: name, reason: failure });
  }
  throw new BackendUnavailableError(
    preferred ?? 'any',
    attempts,
    preferred === 'node' || preferred === 'node-gpu'
      ? `install ${NATIVE_PACKAGES[preferred]} (its install script downloads libtensorflow), or use --backend wasm`
      : 'use --backend cpu, which needs no native code',
  );
}

/** Returns undefined on success, otherwise why the backend could not start. */
async function tryStart(name: BackendName, switches: WasmKernelSwitches): Promise<string | undefined> {
  try {
    switch (name) {
      case 'node-gpu':
      case 'node': {
        const pkg = NATIVE_PACKAGES[name];
        // A variable specifier keeps tsc and bundlers from requiring the optional package.
        await import(pkg);
        if (!tf.findBackend('tensorflow')) return `${pkg} loaded but registered no 'tensorflow' backend`;
        return (await tf.setBackend('tensorflow')) ? undefined : `${pkg}: setBackend('tensorflow') failed`;
      }
      case 'wasm': {
        if (!wasmPathsSet) {
          const dir = wasmBinaryDir();
          if (dir === undefined) return '@tensorflow/tfjs-backend-wasm or its .wasm files not found';
          setWasmPaths(dir);
          wasmPathsSet = true;
        }
        if (!(await tf.setBackend('wasm'))) return 'the wasm module failed to instantiate';
        installZeroCopyIdentity();
        installFastSlice();
        // the switches keep tfjs's own kernels (for comparison in benchmarks)
        if (switches.gemm) await installWasmMatMul();
        if (switches.fused) await installWasmFusedKernels(); // GELU, layer norm
        return undefined;
      }
      case 'cpu': {
        if (!(await tf.setBackend('cpu'))) return "setBackend('cpu') failed";
        // The cpu backend prints an "install tfjs-node" banner on first write; the note says it.
        (tf.backend() as { firstUse?: boolean }).firstUse = false;
        return undefined;
      }
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return 'not installed';
    return firstLine(err);
  }
}

function describe(name: BackendName): string {
  switch (name) {
    case 'node-gpu':
      return 'node-gpu (libtensorflow with CUDA; falls back to its CPU kernels if no GPU is visible)';
    case 'node':
      return 'node (libtensorflow, CPU)';
    case 'wasm': {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      // the replaced kernels are named so a run's backend tag says which code produced it
      const arithmetic = (fma: boolean) => (fma ? 'fused multiply-add' : 'multiply, add');
      const kernels = ['Identity', 'Slice', 'SplitV'];
      const gemm = wasmMatMulState();
      if (gemm.installed) kernels.push(`matrix products (${arithmetic(gemm.fma)})`);
      const fused = wasmFusedState();
      if (fused.installed) kernels.push(`GELU/layer norm (${arithmetic(fused.fma)})`);
      return `wasm (${simd ? 'SIMD' : 'no SIMD'}, single-threaded in Node) with ablate's kernels for ${kernels.slice(0, -1).join(', ')} and ${kernels.at(-1)}`;
    }
    case 'cpu':
      return 'cpu (pure JavaScript)';
  }
}

function assertGradientsRegistered(): void {
  for (const kernel of ['Sum', 'BatchMatMul', 'Conv2D']) {
    if (!tf.getGradient(kernel)) throw new GradientsMissingError(kernel);
  }
}

/** Error messages of the wasm loader can embed the whole minified module: keep one short line. */
function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
