/**
 * Runs the flat optimizer (`flat-optimizer.ts`) as WebAssembly when its buffers live in one
 * wasm memory (the parallel trainer's shared arena): the same float64 arithmetic, four
 * values per iteration (`flat-update-wat.ts`). Ranges it cannot take (buffers elsewhere,
 * more than two gradient sources) go to the JavaScript loops.
 */
import { assembleWat } from '../backend/wat-assembler.ts';
import type { OptimizerSpec } from './optimizer.ts';
import { applyFlatUpdate, sumOfSquares, type FlatUpdate, type UpdateRange } from './flat-optimizer.ts';
import { flatUpdateWat } from './flat-update-wat.ts';

/** `sumOfSquares` and `applyFlatUpdate`, however they are computed. */
export interface FlatUpdater {
  sumOfSquares(ranges: readonly UpdateRange[]): number;
  apply(spec: OptimizerSpec, params: Float32Array, slots: Readonly<Record<string, Float32Array>>, ranges: readonly UpdateRange[], update: FlatUpdate): void;
}

/** The JavaScript loops. */
export const jsFlatUpdater: FlatUpdater = { sumOfSquares, apply: applyFlatUpdate };

interface Exports {
  sgd(p: number, a: number, b: number, n: number, lr: number, scale: number, wd: number): void;
  sgdMomentum(p: number, v: number, a: number, b: number, n: number, lr: number, scale: number, wd: number, mu0: number, cg: number, cv: number): void;
  adamw(
    p: number, m: number, v: number, a: number, b: number, n: number,
    lr: number, scale: number, beta1: number, omb1: number, beta2: number, omb2: number, c1: number, c2: number, eps: number, decay: number,
  ): void;
  sumsq(a: number, b: number, n: number): number;
}

/**
 * An updater whose loops run as wasm on `memory` (a shared memory holding the parameters,
 * slots and gradients). Falls back to `jsFlatUpdater` where a buffer is not on `memory`.
 */
export async function wasmFlatUpdater(memory: WebAssembly.Memory): Promise<FlatUpdater> {
  const binary = await assembleWat('ablate-flat-update.wat', flatUpdateWat(), { threads: true });
  const x = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } }).exports as unknown as Exports;
  const onMemory = (a: Float32Array) => a.buffer === memory.buffer;
  /** Byte address of element i of a view on `memory`. */
  const at = (a: Float32Array, i: number) => a.byteOffset + 4 * i;
  /** The range's one or two sources as addresses (b = 0 for one); undefined when wasm cannot take it. */
  const sourcesOf = (r: UpdateRange): [number, number] | undefined => {
    if (r.sources.length > 2 || !r.sources.every(onMemory)) return undefined;
    return [at(r.sources[0]!, r.lo), r.sources[1] ? at(r.sources[1], r.lo) : 0];
  };

  return {
    sumOfSquares(ranges) {
      let sum = 0;
      for (const r of ranges) {
        const s = sourcesOf(r);
        sum += s ? x.sumsq(s[0], s[1], r.hi - r.lo) : sumOfSquares([r]);
      }
      return sum;
    },
    apply(spec, params, slots, ranges, update) {
      const { lr, scale, t } = update;
      const slotViews = Object.values(slots);
      if (!onMemory(params) || !slotViews.every(onMemory)) {
        applyFlatUpdate(spec, params, slots, ranges, update);
        return;
      }
      for (const r of ranges) {
        const s = sourcesOf(r);
        if (!s) {
          applyFlatUpdate(spec, params, slots, [r], update);
          continue;
        }
        const n = r.hi - r.lo;
        const p = at(params, r.lo);
        if (spec.kind === 'sgd') {
          if (spec.momentum === 0) {
            x.sgd(p, s[0], s[1], n, lr, scale, spec.weightDecay);
          } else {
            const v = slots.velocity;
            if (!v) throw new Error('flat SGD with momentum needs a velocity slot');
            // as flat-optimizer.ts: velocity g at t = 0; step v (heavy ball) or g + μ·v (Nesterov)
            x.sgdMomentum(p, at(v, r.lo), s[0], s[1], n, lr, scale, spec.weightDecay, t === 0 ? 0 : spec.momentum, spec.nesterov ? 1 : 0, spec.nesterov ? spec.momentum : 1);
          }
        } else {
          const { m, v } = slots;
          if (!m || !v) throw new Error('flat AdamW needs m and v slots');
          const { beta1, beta2, eps, weightDecay } = spec;
          x.adamw(p, at(m, r.lo), at(v, r.lo), s[0], s[1], n, lr, scale, beta1, 1 - beta1, beta2, 1 - beta2, 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1), eps, 1 - lr * weightDecay);
        }
      }
    },
  };
}
