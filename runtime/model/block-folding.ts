/**
 * Moving non-overlapping blocks of tokens between space and channels for token maps of
 * either dimensionality (`[B*D, H, W, C]`, README.md). Every strided operation of the
 * backbones (patch embedding, patch merging, patch expanding, strided and transposed
 * convolutions with kernel = stride) is one of these plus a linear layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthToSpace2d, depthToSpace3d, spaceToDepth2d, spaceToDepth3d } from '../ops/index.ts';
import type { Extent3, Grid } from './token-grid.ts';

/**
 * @param x `[B*D, H, W, C]` on `grid`
 * @returns `[B*D/e.d, H/e.h, W/e.w, e.d*e.h*e.w*C]`, channel order (dz, i, j, c)
 */
export function foldBlocks(x: tf.Tensor4D, grid: Grid, e: Extent3): tf.Tensor4D {
  if (e.d === 1) return spaceToDepth2d(x, e.h, e.w);
  return spaceToDepth3d(x, grid.D, e.d, e.h, e.w);
}

/**
 * Inverse of `foldBlocks`.
 * @param x `[B*d, h, w, e.d*e.h*e.w*C]`
 * @returns `[B*d*e.d, h*e.h, w*e.w, C]`
 */
export function unfoldBlocks(x: tf.Tensor4D, e: Extent3): tf.Tensor4D {
  if (e.d === 1) return depthToSpace2d(x, e.h, e.w);
  return depthToSpace3d(x, e.d, e.h, e.w);
}
