/**
 * The memory the parallel trainer's threads share (`SharedArrayBuffer`s, no copies between
 * threads): the flat parameters, the optimizer slots, one gradient buffer per worker with a
 * flag per variable saying whether that worker produced its gradient this step, and the
 * coupling exchange (`coupling-exchange.ts`).
 */
import { flatSlotNames, type UpdateRange } from '../flat-optimizer.ts';
import type { OptimizerSpec } from '../optimizer.ts';
import type { ParameterLayout } from '../parameter-layout.ts';

/** Floats each worker may publish per step for the pair terms (Q and E of its modalities). */
export const EXCHANGE_CAPACITY = 1 << 22;
/** Header ints per worker: a count, then 8 per published tensor. */
export const EXCHANGE_HEADER = 1 + 8 * 64;

/** Plain data (structured-clonable): what is sent to each worker at start. */
export interface SharedMemory {
  params: SharedArrayBuffer;
  slots: Record<string, SharedArrayBuffer>;
  grads: SharedArrayBuffer[];
  /** Int32 `[workers × variables]`: 1 where worker w wrote variable i's gradient this step. */
  hasGrad: SharedArrayBuffer;
  /** Int32 `[workers + 1]`: per worker the stamp of the step it last published, then the abort flag. */
  control: SharedArrayBuffer;
  exchangeHeaders: SharedArrayBuffer[];
  exchangeData: SharedArrayBuffer[];
}

/**
 * Raises the abort flag (`control[workers]`) and wakes every thread waiting on `control`,
 * so no worker keeps waiting for a peer that failed.
 */
export function raiseAbort(control: Int32Array, workers: number): void {
  Atomics.store(control, workers, 1);
  for (let w = 0; w <= workers; w++) Atomics.notify(control, w);
}

/** Typed views of `SharedMemory`. */
export interface SharedViews {
  params: Float32Array;
  slots: Record<string, Float32Array>;
  grads: Float32Array[];
  hasGrad: Int32Array;
  control: Int32Array;
  exchangeHeaders: Int32Array[];
  exchangeData: Float32Array[];
}

export function allocateShared(layout: ParameterLayout, optimizer: OptimizerSpec, workers: number): SharedMemory {
  const floats = (n: number) => new SharedArrayBuffer(4 * n);
  return {
    params: floats(layout.total),
    slots: Object.fromEntries(flatSlotNames(optimizer).map((s) => [s, floats(layout.total)])),
    grads: Array.from({ length: workers }, () => floats(layout.total)),
    hasGrad: floats(workers * layout.segments.length),
    control: floats(workers + 1),
    exchangeHeaders: Array.from({ length: workers }, () => floats(EXCHANGE_HEADER)),
    exchangeData: Array.from({ length: workers }, () => floats(EXCHANGE_CAPACITY)),
  };
}

export function viewsOf(memory: SharedMemory): SharedViews {
  return {
    params: new Float32Array(memory.params),
    slots: Object.fromEntries(Object.entries(memory.slots).map(([k, b]) => [k, new Float32Array(b)])),
    grads: memory.grads.map((b) => new Float32Array(b)),
    hasGrad: new Int32Array(memory.hasGrad),
    control: new Int32Array(memory.control),
    exchangeHeaders: memory.exchangeHeaders.map((b) => new Int32Array(b)),
    exchangeData: memory.exchangeData.map((b) => new Float32Array(b)),
  };
}

/**
 * The parts of `[lo, hi)` to update this step: every variable some worker has a gradient
 * for, with the buffers to sum. Variables no worker reached are left alone, as the serial
 * optimizer leaves a variable without a gradient.
 */
export function updateRanges(layout: ParameterLayout, views: SharedViews, lo: number, hi: number): UpdateRange[] {
  const n = layout.segments.length;
  const out: UpdateRange[] = [];
  layout.segments.forEach((seg, i) => {
    const a = Math.max(lo, seg.offset);
    const b = Math.min(hi, seg.offset + seg.size);
    if (a >= b) return;
    const sources = views.grads.filter((_, w) => views.hasGrad[w * n + i] === 1);
    if (sources.length > 0) out.push({ lo: a, hi: b, sources });
  });
  return out;
}
