/**
 * Where each model parameter lives in a flat buffer of all of them (the parallel trainer's
 * shared parameters, gradients and optimizer slots): segments in variable order, packed.
 */

export interface ParameterSegment {
  name: string;
  shape: number[];
  /** First element in the flat buffer. */
  offset: number;
  /** Number of elements. */
  size: number;
}

export interface ParameterLayout {
  segments: ParameterSegment[];
  /** Elements in all. */
  total: number;
}

/** Packs named tensors (anything with a name and a shape, e.g. `tf.Variable`s) in order. */
export function layoutOf(tensors: ReadonlyArray<{ name: string; shape: readonly number[] }>): ParameterLayout {
  const segments: ParameterSegment[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    segments.push({ name: t.name, shape: [...t.shape], offset, size });
    offset += size;
  }
  return { segments, total: offset };
}

/** `[lo, hi)` of part `index` of `parts` near-equal contiguous parts of `total` elements. */
export function partRange(total: number, parts: number, index: number): [number, number] {
  const lo = Math.floor((total * index) / parts);
  const hi = Math.floor((total * (index + 1)) / parts);
  return [lo, hi];
}
