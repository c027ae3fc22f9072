import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** File names of the wasm binaries shipped in `@tensorflow/tfjs-backend-wasm/dist/`. */
export const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/**
 * Absolute directory (with trailing separator) holding the tfjs wasm binaries,
 * resolved from this project's node_modules. Passed to `setWasmPaths`, whose
 * prefix the Emscripten loader reads with `fs.readFileSync` in Node, so a plain
 * file path works (no `file://` URL, no HTTP server).
 * Returns undefined when the package or its SIMD binary is missing.
 */
export function wasmBinaryDir(): string | undefined {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  } catch {
    return undefined;
  }
  const dir = path.join(path.dirname(pkgJson), 'dist') + path.sep;
  return existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir : undefined;
}
