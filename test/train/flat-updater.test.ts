/**
 * The flat optimizer as wasm over a shared memory (`flat-updater.ts`) against its
 * JavaScript loops (`flat-optimizer.ts`, tested against the tfjs optimizers): bit-identical
 * parameters and slots for every optimizer, with one or two gradient sources, ranges that
 * start and end anywhere (vector body and scalar tail), and the fallbacks.
 */
import { describe, expect, it } from 'vitest';
import { applyFlatUpdate, flatSlotNames, sumOfSquares, type UpdateRange } from '../../runtime/train/flat-optimizer.ts';
import { wasmFlatUpdater } from '../../runtime/train/flat-updater.ts';
import { allocateShared, SharedArenaTooLargeError, viewsOf } from '../../runtime/train/parallel/shared-buffers.ts';
import { layoutOf } from '../../runtime/train/parameter-layout.ts';
import { OPTIMIZER_SPECS, specName, values } from './flat-optimizer-cases.ts';


/** Three "variables" of 37, 8 and 22 values: segment ends fall inside vectors. */
const layout = layoutOf([
  { name: 'a', shape: [37] },
  { name: 'b', shape: [2, 4] },
  { name: 'c', shape: [22] },
]);

/** Ranges as the parallel trainer makes them: variable a from both workers, b from worker 0, c from both, split at `cut`. */
function rangesOf(grads: Float32Array[], cut: number): UpdateRange[] {
  const [a, b, c] = layout.segments;
  return [
    { lo: a!.offset + 1, hi: cut, sources: grads },
    { lo: cut, hi: a!.offset + a!.size, sources: grads },
    { lo: b!.offset, hi: b!.offset + b!.size, sources: [grads[0]!] },
    { lo: c!.offset, hi: c!.offset + c!.size, sources: grads },
  ];
}

describe('wasm flat updater', () => {
  for (const spec of OPTIMIZER_SPECS) {
    const name = specName(spec);
    it(`${name}: bit-identical to the JavaScript loops over 4 steps`, async () => {
      const memory = allocateShared(layout, spec, 2);
      const views = viewsOf(memory);
      const updater = await wasmFlatUpdater(memory.arena);
      // the reference: plain (non-shared) copies updated by the JavaScript loops
      const params = values(layout.total, 0);
      const slots = Object.fromEntries(flatSlotNames(spec).map((s, i) => [s, values(layout.total, 5 + i).map(Math.abs)]));
      views.params.set(params);
      for (const [s, v] of Object.entries(slots)) views.slots[s]!.set(v);
      for (let t = 0; t < 4; t++) {
        const shares = [values(layout.total, 10 + t), values(layout.total, 20 + t)];
        shares.forEach((g, w) => views.grads[w]!.set(g));
        const update = { lr: spec.lr, scale: t === 2 ? 0.5 : 1, t };
        applyFlatUpdate(spec, params, slots, rangesOf(shares, 13), update);
        updater.apply(spec, views.params, views.slots, rangesOf(views.grads, 13), update);
        expect(Array.from(views.params), `params after step ${t}`).toEqual(Array.from(params));
        for (const s of Object.keys(slots)) expect(Array.from(views.slots[s]!), `${s} after step ${t}`).toEqual(Array.from(slots[s]!));
      }
      // the gradients were read, not written
      expect(Array.from(views.grads[1]!)).toEqual(Array.from(values(layout.total, 23)));
    });
  }

  it('sums squares like the JavaScript loop (to rounding: it adds in another order)', async () => {
    const spec = OPTIMIZER_SPECS[0]!;
    const memory = allocateShared(layout, spec, 2);
    const views = viewsOf(memory);
    const updater = await wasmFlatUpdater(memory.arena);
    views.grads[0]!.set(values(layout.total, 1));
    views.grads[1]!.set(values(layout.total, 2));
    const ranges = rangesOf(views.grads, 9);
    const want = sumOfSquares(ranges);
    expect(want).toBeGreaterThan(10);
    expect(Math.abs(updater.sumOfSquares(ranges) - want)).toBeLessThan(1e-12 * want);
  });

  it('falls back to the JavaScript loops for buffers elsewhere and for three sources', async () => {
    const spec = OPTIMIZER_SPECS[3]!;
    const memory = allocateShared(layout, spec, 2);
    const updater = await wasmFlatUpdater(memory.arena);
    const params = values(layout.total, 0);
    const slots = { m: new Float32Array(layout.total), v: new Float32Array(layout.total) };
    const three = [1, 2, 3].map((k) => values(layout.total, k));
    const copy = { params: params.slice(), m: slots.m.slice(), v: slots.v.slice() };
    const ranges: UpdateRange[] = [{ lo: 0, hi: layout.total, sources: three }];
    updater.apply(spec, params, slots, ranges, { lr: 0.01, scale: 1, t: 0 });
    applyFlatUpdate(spec, copy.params, { m: copy.m, v: copy.v }, ranges, { lr: 0.01, scale: 1, t: 0 });
    expect(Array.from(params)).toEqual(Array.from(copy.params));
    expect(updater.sumOfSquares(ranges)).toBe(sumOfSquares(ranges));
  });
});

describe('allocateShared', () => {
  it('puts parameters, slots and gradients in one shared wasm memory, 16-byte aligned', () => {
    const memory = allocateShared(layout, OPTIMIZER_SPECS[3]!, 2);
    const views = viewsOf(memory);
    const all = [views.params, views.slots['m']!, views.slots['v']!, ...views.grads];
    expect(all.every((v) => v.buffer === memory.arena.buffer && v.byteOffset % 16 === 0 && v.length === layout.total)).toBe(true);
    // no two regions overlap
    const starts = all.map((v) => v.byteOffset).sort((x, y) => x - y);
    starts.slice(1).forEach((s, i) => expect(s - starts[i]!).toBeGreaterThanOrEqual(4 * layout.total));
  });

  it('refuses more than 4 GiB with the size and a hint, before allocating', () => {
    const huge = layoutOf([{ name: 'w', shape: [300_000_000] }]); // 1.2 GB each: params, m, v, 2 gradients
    expect(() => allocateShared(huge, OPTIMIZER_SPECS[3]!, 2)).toThrow(SharedArenaTooLargeError);
    expect(() => allocateShared(huge, OPTIMIZER_SPECS[3]!, 2)).toThrow(/need 5\.6 GiB of shared memory.*hint: train in one thread \(--workers 1\)/);
  });
});
