/**
 * Output size and padding of a convolution along one axis, with TensorFlow's conventions
 * (the same as `tf.conv2d`/`tf.conv3d`): 'same' gives `ceil(size / stride)` outputs and
 * puts the odd padding element after; 'valid' gives `ceil((size - kernel + 1) / stride)`.
 */
export type ConvPadding = 'same' | 'valid';

/** Output size and leading zero-padding of one spatial axis. */
export interface AxisPlan {
  /** number of outputs */
  out: number;
  /** zeros added before the first input element */
  padBefore: number;
}

/** Plan one axis of a convolution with `kernel` taps and `stride`. */
export function planAxis(size: number, kernel: number, stride: number, padding: ConvPadding): AxisPlan {
  if (padding === 'valid') return { out: Math.max(0, Math.ceil((size - kernel + 1) / stride)), padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** Number of outputs of a convolution along one axis (see `planAxis`). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: ConvPadding): number {
  return planAxis(size, kernel, stride, padding).out;
}

/** A scalar or a per-axis tuple. */
export type PerAxis<N extends 2 | 3> = number | (N extends 2 ? [number, number] : [number, number, number]);

/** Broadcast a scalar to `n` axes. */
export function perAxis(v: number | readonly number[], n: number): number[] {
  return typeof v === 'number' ? Array<number>(n).fill(v) : [...v];
}
