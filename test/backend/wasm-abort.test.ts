/**
 * A wasm abort (the 4 GiB heap ran out) reaches the user with its cause and what to do,
 * from the main thread and from a training worker. The messages are the ones tfjs-wasm
 * printed here when a 3D step outgrew the heap.
 */
import { describe, expect, it } from 'vitest';
import { describeError } from '../../cli/describe-error.ts';
import { isWasmAbort, WASM_ABORT_HINT } from '../../runtime/backend/wasm-abort.ts';
import { TrainingWorkerError } from '../../runtime/train/parallel/parallel-engine.ts';

const ABORT = 'Aborted(). Build with -sASSERTIONS for more info.';

describe('wasm aborts', () => {
  it('are recognised, other errors are not', () => {
    expect(isWasmAbort(ABORT)).toBe(true);
    expect(isWasmAbort('memory access out of bounds')).toBe(true);
    expect(isWasmAbort('linear: x [2, 16, 16, 2], w [1, 8]')).toBe(false);
  });

  it('get the heap hint in the main thread', () => {
    const e = new Error(ABORT);
    e.name = 'RuntimeError';
    expect(describeError(e)).toBe(`RuntimeError: ${ABORT}\n  = hint: ${WASM_ABORT_HINT}`);
  });

  it('get the heap hint from a training worker, with the worker and its modality', () => {
    const e = new TrainingWorkerError(0, ['ct'], 'RuntimeError', ABORT);
    expect(describeError(e)).toBe(`RuntimeError: training worker 0 (ct): ${ABORT}\n  = hint: ${WASM_ABORT_HINT}`);
    expect(new TrainingWorkerError(1, ['mri'], 'OpShapeError', 'linear: x [2, 16, 16, 2]').hint).toBeUndefined();
  });
});
