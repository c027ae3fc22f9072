/**
 * The flat-buffer optimizer (what the parallel trainer's workers run) against the tfjs
 * optimizers (`optimizer.ts`, themselves tested against PyTorch's pseudo-code): same
 * parameters after several steps, with the gradient given as a sum of two workers' shares,
 * clipping scales, weight decay, and a variable left without a gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { applyFlatUpdate, flatSlotNames, sumOfSquares, type UpdateRange } from '../../runtime/train/flat-optimizer.ts';
import { createOptimizer } from '../../runtime/train/optimizer.ts';
import { layoutOf, partRange } from '../../runtime/train/parameter-layout.ts';
import { OPTIMIZER_SPECS, specName, values } from './flat-optimizer-cases.ts';

beforeAll(async () => {
  await initBackend('cpu');
});


describe('flat optimizer', () => {
  for (const spec of OPTIMIZER_SPECS) {
    it(`${specName(spec)} equals the tfjs optimizer`, () => {
      const vars = [tf.variable(tf.tensor(values(6, 0), [2, 3]), true, `a-${JSON.stringify(spec)}`), tf.variable(tf.tensor(values(4, 1), [4]), true, `b-${JSON.stringify(spec)}`), tf.variable(tf.tensor(values(5, 2), [5]), true, `c-${JSON.stringify(spec)}`)];
      const layout = layoutOf(vars);
      const params = new Float32Array(layout.total);
      layout.segments.forEach((s, i) => params.set(vars[i]!.dataSync() as Float32Array, s.offset));
      const slots = Object.fromEntries(flatSlotNames(spec).map((n) => [n, new Float32Array(layout.total)]));
      const reference = createOptimizer(spec, vars);
      for (let t = 0; t < 4; t++) {
        const scale = t === 2 ? 0.5 : 1;
        // two workers' shares; variable c gets no gradient at all (skipped by both optimizers)
        const shareA = values(layout.total, 10 + t);
        const shareB = values(layout.total, 20 + t);
        const grads: Record<string, tf.Tensor> = {};
        layout.segments.slice(0, 2).forEach((s, i) => {
          const sum = Float32Array.from({ length: s.size }, (_, j) => (shareA[s.offset + j]! + shareB[s.offset + j]!) * scale);
          grads[vars[i]!.name] = tf.tensor(sum, s.shape);
        });
        reference.apply(grads, spec.lr);
        tf.dispose(Object.values(grads));
        const ranges: UpdateRange[] = layout.segments.slice(0, 2).map((s) => ({ lo: s.offset, hi: s.offset + s.size, sources: [shareA, shareB] }));
        // updated in two halves, as two workers do
        const [, mid] = partRange(layout.total, 2, 0);
        const half = (lo: number, hi: number) => ranges.flatMap((r) => (Math.max(r.lo, lo) < Math.min(r.hi, hi) ? [{ ...r, lo: Math.max(r.lo, lo), hi: Math.min(r.hi, hi) }] : []));
        applyFlatUpdate(spec, params, slots, half(0, mid), { lr: spec.lr, scale, t });
        applyFlatUpdate(spec, params, slots, half(mid, layout.total), { lr: spec.lr, scale, t });
      }
      layout.segments.forEach((s, i) => {
        const want = vars[i]!.dataSync();
        for (let j = 0; j < s.size; j++) expect(params[s.offset + j]!).toBeCloseTo(want[j]!, 5);
      });
      // c untouched
      expect(Array.from(params.subarray(layout.segments[2]!.offset))).toEqual(Array.from(values(5, 2)));
      const state = reference.getState();
      for (const [key, t] of state.slots) {
        const [slot, ...rest] = key.split('/');
        const s = layout.segments.find((x) => x.name === rest.join('/'))!;
        const want = t.dataSync();
        for (let j = 0; j < s.size; j++) expect(slots[slot!]![s.offset + j]!).toBeCloseTo(want[j]!, 5);
      }
      tf.dispose([...state.slots.values()]);
      reference.dispose();
      tf.dispose(vars);
    });
  }

  it('sums the squares of the summed gradient (for clipping by global norm)', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([1, -2, 0, 0.5]);
    // (2)² + 0² + 3² over [0, 3), and (4.5)² for [3, 4) read from a and b
    expect(sumOfSquares([{ lo: 0, hi: 3, sources: [a, b] }, { lo: 3, hi: 4, sources: [a, b] }])).toBeCloseTo(4 + 0 + 9 + 20.25, 10);
    expect(sumOfSquares([{ lo: 0, hi: 2, sources: [a] }])).toBe(5);
  });

  it('splits a buffer into near-equal contiguous parts', () => {
    expect([0, 1, 2].map((i) => partRange(10, 3, i))).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(partRange(1, 2, 0)).toEqual([0, 0]);
  });
});
