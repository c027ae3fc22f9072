/**
 * A fused kernel (`fused-kernel-names.ts`) was called with tensors outside its contract,
 * which the ops in `runtime/ops` never do: a direct `runKernel` call got the dtype or shapes
 * wrong. `kernel` names the kernel, `detail` quotes what it got.
 */
export class FusedKernelInputError extends Error {
  override readonly name = 'FusedKernelInputError';
  constructor(
    readonly kernel: string,
    readonly detail: string,
  ) {
    super(`${kernel}: ${detail}; hint: call it through runtime/ops (gelu, layerNorm, standardize), which check shapes and fall back for non-float32 tensors`);
  }
}
