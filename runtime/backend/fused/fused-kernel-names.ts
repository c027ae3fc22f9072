/**
 * Names and contracts of ablate's fused kernels, for the ops that call them
 * (`runtime/ops/gelu.ts`, `runtime/ops/layer-norm.ts`) and the wasm backend that registers
 * them (`../wasm-fused-kernels.ts`). All tensors float32; `[..., C]` means any leading shape.
 */
import * as tf from '@tensorflow/tfjs-core';

export const FUSED_KERNEL = {
  /** inputs `{ x }` (any shape) → `x·Φ(x)`, exact (erf) GELU. */
  gelu: 'AblateGelu',
  /** inputs `{ dy, x }` (same shape) → `dy·(Φ(x) + x·φ(x))`. */
  geluGrad: 'AblateGeluGrad',
  /** inputs `{ x [..., C] }`, attrs `{ eps }` → `[xhat [..., C], rstd [..., 1]]`, rstd = 1/√(biased var + eps). */
  standardize: 'AblateStandardize',
  /** inputs `{ dy [..., C], xhat [..., C], rstd [..., 1] }` → dx `[..., C]`. */
  standardizeGrad: 'AblateStandardizeGrad',
  /** inputs `{ x [..., C], gamma [C], beta [C] }`, attrs `{ eps }` → `[y [..., C], mean [..., 1], rstd [..., 1]]`. */
  layerNorm: 'AblateLayerNorm',
  /** inputs `{ dy [..., C], x [..., C], mean [..., 1], rstd [..., 1], gamma [C] }` → `[dx [..., C], dgamma [C], dbeta [C]]`. */
  layerNormGrad: 'AblateLayerNormGrad',
} as const;

export type FusedKernelName = (typeof FUSED_KERNEL)[keyof typeof FUSED_KERNEL];

/** Whether the current backend has `kernel` registered (the wasm backend after `installWasmFusedKernels`). */
export function hasFusedKernel(kernel: FusedKernelName): boolean {
  const backend = tf.getBackend();
  return backend !== undefined && backend !== null && tf.getKernel(kernel, backend) !== undefined;
}
