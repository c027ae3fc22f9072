/**
 * Cases shared by the flat optimizer's tests: every optimizer kind and momentum variant,
 * and deterministic values. Not a test file.
 */
import type { OptimizerSpec } from '../../runtime/train/optimizer.ts';

export const OPTIMIZER_SPECS: OptimizerSpec[] = [
  { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-2 },
  { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0 },
  { kind: 'sgd', lr: 0.1, momentum: 0, nesterov: false, weightDecay: 1e-3 },
  { kind: 'adamw', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 },
];

/** n values of a smooth, signed, uneven sequence; `k` picks the sequence. */
export const values = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + 1.3 * k) * (1 + (i % 3)));

/** A readable name for a spec. */
export const specName = (spec: OptimizerSpec): string =>
  `${spec.kind}${spec.kind === 'sgd' ? ` μ=${spec.momentum} nesterov=${spec.nesterov}` : ''}`;
