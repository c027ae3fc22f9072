/**
 * The tensor ops the models train through, correct (values and gradients) on the wasm
 * and cpu backends and fast on wasm. Layout is channels-last everywhere; volumes are
 * rank 4 with batch and depth folded, `[B*D, H, W, C]`. See README.md in this folder.
 */
export { matmul, linear } from './matmul.ts';
export { conv2d, type Conv2dOptions } from './conv2d.ts';
export { conv3d, type Conv3dOptions } from './conv3d.ts';
export { convTranspose2d, convTranspose3d } from './transposed-conv.ts';
export { spaceToDepth2d, depthToSpace2d, spaceToDepth3d, depthToSpace3d } from './space-to-depth.ts';
export { convOutputSize, type ConvPadding } from './conv-geometry.ts';
export { layerNorm, standardize, LAYER_NORM_EPS } from './layer-norm.ts';
export { gelu } from './gelu.ts';
export { softmax, logSoftmax } from './softmax.ts';
export { oneHotMatrix, oneHotGather } from './one-hot-gather.ts';
export {
  relativePositionIndex2d,
  relativePositionIndex3d,
  relativePositionTableSize2d,
  relativePositionTableSize3d,
} from './relative-position-index.ts';
export { roll } from './roll.ts';
export { windowPartition2d, windowReverse2d, windowPartition3d, windowReverse3d } from './window-partition.ts';
export { OpShapeError } from './op-shape-error.ts';
export { resizeBilinear, interpolationMatrix } from './resize-bilinear.ts';
export { windowAttentionCore } from './window-attention-core.ts';
export { groupedProduct } from './window-attention-depthwise.ts';
export { transposeMatrix } from './transpose-matrix.ts';
export { scaleChannels } from './channel-scale.ts';
