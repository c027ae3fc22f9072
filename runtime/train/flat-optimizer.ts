/**
 * SGD and AdamW over flat `Float32Array`s: every parameter of the model concatenated in one
 * buffer (`ParameterLayout`), each optimizer slot in another of the same length. This is the
 * update the parallel trainer runs (`runtime/train/parallel/`): each worker updates its own
 * range of the shared buffers, reading the gradient as the sum of every worker's share.
 *
 * Same semantics as `optimizer.ts` (PyTorch's `torch.optim.SGD` and `AdamW`), element by
 * element; the arithmetic is float64, rounded to float32 when stored.
 * No tfjs here: plain loops over shared memory.
 */
import type { OptimizerSpec } from './optimizer.ts';

/** The slot buffers an optimizer keeps, by the names checkpoints store them under (`optimizer.ts`). */
export function flatSlotNames(spec: OptimizerSpec): string[] {
  if (spec.kind === 'adamw') return ['m', 'v'];
  return spec.momentum === 0 ? [] : ['velocity'];
}

/** A run of elements `[lo, hi)` to update, and the gradient buffers whose sum is its gradient. */
export interface UpdateRange {
  lo: number;
  hi: number;
  sources: readonly Float32Array[];
}

/**
 * A range's gradient as at most two buffers to add (`b` null for one): the loops below stay
 * plain typed-array loops, which V8 runs several times faster than per-element calls or
 * closures. More than two sources (more than two workers) are summed into a copy first.
 */
function twoSources(range: UpdateRange): { a: Float32Array; b: Float32Array | null; offset: number } {
  const { lo, hi, sources } = range;
  if (sources.length <= 2) return { a: sources[0]!, b: sources[1] ?? null, offset: 0 };
  const sum = new Float32Array(hi - lo);
  for (const s of sources) for (let i = lo; i < hi; i++) sum[i - lo]! += s[i]!;
  return { a: sum, b: null, offset: -lo };
}

/** `Σ g_i²` over the ranges (float64), for clipping by global norm. */
export function sumOfSquares(ranges: readonly UpdateRange[]): number {
  let sum = 0;
  for (const range of ranges) {
    const { a, b, offset } = twoSources(range);
    if (b === null) {
      for (let i = range.lo; i < range.hi; i++) {
        const g = a[i + offset]!;
        sum += g * g;
      }
    } else {
      for (let i = range.lo; i < range.hi; i++) {
        const g = a[i]! + b[i]!;
        sum += g * g;
      }
    }
  }
  return sum;
}

export interface FlatUpdate {
  lr: number;
  /** Clipping factor applied to every gradient (1 when not clipped). */
  scale: number;
  /** Updates already applied before this one (the optimizer's step count). */
  t: number;
}

/**
 * One optimizer step over `ranges` of `params`, with `slots` (by `flatSlotNames`) updated in
 * place.
 * - SGD: `g ← g + wd·p; v ← (t = 0 ? g : μ·v + g); p ← p − lr·(nesterov ? g + μ·v : v)`;
 * - AdamW: `p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 *   p ← p − lr·(m/c1)/(√(v/c2) + ε)`, `c_k = 1 − β_k^(t+1)`.
 */
export function applyFlatUpdate(
  spec: OptimizerSpec,
  params: Float32Array,
  slots: Readonly<Record<string, Float32Array>>,
  ranges: readonly UpdateRange[],
  { lr, scale, t }: FlatUpdate,
): void {
  if (spec.kind === 'sgd') {
    const { momentum, nesterov, weightDecay } = spec;
    const v = slots.velocity;
    if (momentum !== 0 && !v) throw new Error('flat SGD with momentum needs a velocity slot');
    // Branch-free forms of PyTorch's rules: at t = 0 the velocity is g (μ0 = 0); the step is
    // v (heavy ball) or g + μ·v (Nesterov), i.e. cg·g + cv·v.
    const mu0 = t === 0 ? 0 : momentum;
    const cg = nesterov ? 1 : 0;
    const cv = nesterov ? momentum : 1;
    for (const range of ranges) {
      const { a, b, offset } = twoSources(range);
      const { lo, hi } = range;
      if (momentum === 0) {
        for (let i = lo; i < hi; i++) {
          const p = params[i]!;
          params[i] = p - lr * ((b === null ? a[i + offset]! : a[i]! + b[i]!) * scale + weightDecay * p);
        }
      } else if (b === null) {
        for (let i = lo; i < hi; i++) {
          const p = params[i]!;
          const g = a[i + offset]! * scale + weightDecay * p;
          const vNext = mu0 * v![i]! + g;
          v![i] = vNext;
          params[i] = p - lr * (cg * g + cv * vNext);
        }
      } else {
        for (let i = lo; i < hi; i++) {
          const p = params[i]!;
          const g = (a[i]! + b[i]!) * scale + weightDecay * p;
          const vNext = mu0 * v![i]! + g;
          v![i] = vNext;
          params[i] = p - lr * (cg * g + cv * vNext);
        }
      }
    }
    return;
  }
  const { beta1, beta2, eps, weightDecay } = spec;
  const m = slots.m;
  const v = slots.v;
  if (!m || !v) throw new Error('flat AdamW needs m and v slots');
  const c1 = 1 - beta1 ** (t + 1);
  const c2 = 1 - beta2 ** (t + 1);
  const decay = 1 - lr * weightDecay;
  for (const range of ranges) {
    const { a, b, offset } = twoSources(range);
    for (let i = range.lo; i < range.hi; i++) {
      const g = (b === null ? a[i + offset]! : a[i]! + b[i]!) * scale;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! * decay - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}
