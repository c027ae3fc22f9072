/**
 * Starts the wasm backend in a fresh Node process with the given environment and reports
 * what it installed: ablate's kernels are installed once per process, so switches read at
 * start-up (ABLATE_WASM_GEMM, ABLATE_WASM_FUSED) are tested in a child. Not a test file.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');

/** What a child process's `initBackend('wasm')` installed. */
export interface ChildBackendState {
  note: string;
  gemm: { installed: boolean; fma: boolean };
  fused: { installed: boolean; fma: boolean };
}

export function wasmBackendInChild(env: Record<string, string>): ChildBackendState {
  const script = [
    "const { initBackend } = await import('./runtime/backend/select-backend.ts');",
    "const { wasmMatMulState } = await import('./runtime/backend/wasm-matmul-kernel.ts');",
    "const { wasmFusedState } = await import('./runtime/backend/wasm-fused-kernels.ts');",
    "const { note } = await initBackend('wasm');",
    'console.log(JSON.stringify({ note, gemm: wasmMatMulState(), fused: wasmFusedState() }));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildBackendState;
}
