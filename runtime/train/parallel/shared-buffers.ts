/**
 * The memory the parallel trainer's threads share (no copies between threads): the flat
 * parameters, the optimizer slots and one gradient buffer per worker in one shared
 * `WebAssembly.Memory` (the arena, so the optimizer can run as wasm over it:
 * `flat-updater.ts`), a flag per variable and worker saying whether that worker produced its
 * gradient this step, and the coupling exchange (`coupling-exchange.ts`).
 */
import { flatSlotNames, type UpdateRange } from '../flat-optimizer.ts';
import type { OptimizerSpec } from '../optimizer.ts';
import type { ParameterLayout } from '../parameter-layout.ts';

/** Floats each worker may publish per step for the pair terms (Q and E of its modalities). */
export const EXCHANGE_CAPACITY = 1 << 22;
/** Header ints per worker: a count, then 8 per published tensor. */
export const EXCHANGE_HEADER = 1 + 8 * 64;

/** Floats `[offset, offset + length)` of the arena. */
export interface FloatRegion {
  offset: number;
  length: number;
}

/** Plain data (structured-clonable): what is sent to each worker at start. */
export interface SharedMemory {
  /** Shared wasm memory holding `params`, `slots` and `grads`. */
  arena: WebAssembly.Memory;
  params: FloatRegion;
  slots: Record<string, FloatRegion>;
  grads: FloatRegion[];
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

/** Bytes in a wasm page, and pages in the largest wasm memory (4 GiB). */
const PAGE = 65536;
const MAX_PAGES = 65536;

/** The arena would exceed the 4 GiB a wasm memory can address. */
export class SharedArenaTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(
      `the parallel trainer's parameters, gradients and optimizer state need ${(bytes / 2 ** 30).toFixed(1)} GiB ` +
        'of shared memory, more than the 4 GiB a wasm memory holds; hint: train in one thread (--workers 1)',
    );
    this.name = 'SharedArenaTooLargeError';
  }
}

export function allocateShared(layout: ParameterLayout, optimizer: OptimizerSpec, workers: number): SharedMemory {
  // regions start on 16-byte boundaries, so the update's vector loads stay aligned
  const stride = Math.ceil(layout.total / 4) * 4;
  let next = 0;
  const region = (): FloatRegion => {
    const r = { offset: next, length: layout.total };
    next += stride;
    return r;
  };
  const params = region();
  const slots = Object.fromEntries(flatSlotNames(optimizer).map((s) => [s, region()]));
  const grads = Array.from({ length: workers }, region);
  const pages = Math.max(1, Math.ceil((4 * next) / PAGE));
  if (pages > MAX_PAGES) throw new SharedArenaTooLargeError(4 * next);
  const floats = (n: number) => new SharedArrayBuffer(4 * n);
  return {
    arena: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
    params,
    slots,
    grads,
    hasGrad: floats(workers * layout.segments.length),
    control: floats(workers + 1),
    exchangeHeaders: Array.from({ length: workers }, () => floats(EXCHANGE_HEADER)),
    exchangeData: Array.from({ length: workers }, () => floats(EXCHANGE_CAPACITY)),
  };
}

export function viewsOf(memory: SharedMemory): SharedViews {
  const view = (r: FloatRegion) => new Float32Array(memory.arena.buffer, 4 * r.offset, r.length);
  return {
    params: view(memory.params),
    slots: Object.fromEntries(Object.entries(memory.slots).map(([k, r]) => [k, view(r)])),
    grads: memory.grads.map(view),
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
