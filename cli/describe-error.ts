/**
 * How the CLI prints a runtime failure: the error's own message (DataError, NiftiError,
 * NonFiniteLossError and the tracking errors already name the file, case or term and end
 * with a hint), prefixed with its kind. Stacks only with ABLATE_DEBUG=1.
 */
import { isWasmAbort, WASM_ABORT_HINT } from '../runtime/backend/wasm-abort.ts';

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  const kind = error.name && error.name !== 'Error' ? error.name : 'error';
  const hint = (error as { hint?: unknown }).hint ?? (isWasmAbort(error.message) ? WASM_ABORT_HINT : undefined);
  const text = `${kind}: ${error.message}` + (typeof hint === 'string' && !error.message.includes('hint:') ? `\n  = hint: ${hint}` : '');
  return process.env['ABLATE_DEBUG'] === '1' && error.stack ? `${text}\n${error.stack}` : text;
}
