/**
 * Recognising a dead wasm backend. When a tfjs-wasm allocation fails (the wasm heap is
 * capped at 4 GiB), the module aborts with emscripten's bare "Aborted()" (or a memory
 * access out of bounds) and nothing says why; this names the likely cause and what to do.
 */

/** True when `message` is how the wasm module reports that it aborted. */
export function isWasmAbort(message: string): boolean {
  return /\bAborted\(\)|memory access out of bounds|Cannot enlarge memory|Out of memory/i.test(message);
}

export const WASM_ABORT_HINT =
  'the wasm backend aborted, most likely because its 4 GiB heap ran out: use a smaller data.crop, train.batch or model ' +
  '(embed, depths), train with one worker thread per modality (--workers auto: each worker holds one modality’s activations), ' +
  'or use --backend node where @tensorflow/tfjs-node installs';
