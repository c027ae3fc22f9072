/**
 * The backends `ablate` can train on, fastest first.
 * - `node-gpu`: `@tensorflow/tfjs-node-gpu` (libtensorflow + CUDA), tfjs backend `tensorflow`
 * - `node`: `@tensorflow/tfjs-node` (libtensorflow on CPU), tfjs backend `tensorflow`
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD, single-threaded in Node)
 * - `cpu`: `@tensorflow/tfjs-backend-cpu` (pure JS; slow, but the numerical reference)
 */
export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';

/** Order tried when no backend is forced. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** Parse a `--backend` value; returns undefined for an unknown name. */
export function parseBackendName(text: string): BackendName | undefined {
  return (BACKEND_PREFERENCE as readonly string[]).includes(text) ? (text as BackendName) : undefined;
}
