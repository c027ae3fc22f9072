/**
 * Window partition and reverse (Swin, Liu et al. 2021 §3.2; nnFormer's volume windows)
 * for token maps of either dimensionality, kept at rank 4. Pure functions over the
 * rank-4 kernels of `runtime/ops/window-partition.ts`.
 *
 * Window order: sample, then window depth, row, column; token order inside a window:
 * depth, row, column.
 */
import * as tf from '@tensorflow/tfjs-core';
import { windowPartition2d, windowPartition3d, windowReverse2d, windowReverse3d } from '../ops/index.ts';
import type { Extent3, Grid } from './token-grid.ts';

/**
 * @param x `[B*D, H, W, C]` with the window dividing every axis of `grid`
 * @returns `[B*nW, wd*wh*ww, C]`
 */
export function windowPartition(x: tf.Tensor4D, grid: Grid, win: Extent3): tf.Tensor3D {
  if (grid.D === 1 && win.d === 1) return windowPartition2d(x, win.h, win.w);
  return windowPartition3d(x, grid.D, win.d, win.h, win.w);
}

/**
 * Inverse of `windowPartition`.
 * @param windows `[B*nW, wd*wh*ww, C]`
 * @returns `[B*D, H, W, C]`
 */
export function windowReverse(windows: tf.Tensor3D, grid: Grid, win: Extent3): tf.Tensor4D {
  if (grid.D === 1 && win.d === 1) return windowReverse2d(windows, win.h, win.w, grid.H, grid.W);
  return windowReverse3d(windows, win.d, win.h, win.w, grid.D, grid.H, grid.W);
}
