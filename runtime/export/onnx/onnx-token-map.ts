/**
 * Token maps in the exported graph, and the rearrangements the backbones make of them.
 *
 * Inside the ONNX graph a token map is channels-last with the batch axis dynamic and the
 * per-sample grid static: `[N, H, W, C]` for 2D models, `[N, D, H, W, C]` for 3D ones
 * (the same memory as ablate's `[B*D, H, W, C]`, runtime/model/README.md). Every strided
 * operation of the backbones is a block fold/unfold plus a MatMul, as in
 * `runtime/model/block-folding.ts`: channel order inside a block `(dz, i, j, c)`.
 * Window partition uses the same order as `runtime/model/windows.ts`: windows by sample,
 * depth, row, column; tokens inside a window by depth, row, column.
 */
import type { Extent3, Grid } from '../../model/token-grid.ts';
import type { OnnxGraph } from './onnx-graph.ts';

export interface TokenMap {
  /** Value name in the graph. */
  name: string;
  /** Per-sample grid (`D = 1` in 2D). */
  grid: Grid;
  channels: number;
}

/** Whether maps carry a depth axis (3D models), fixed for one graph. */
export interface MapLayout {
  volumetric: boolean;
}

/** Spatial sizes in tensor order: `[D, H, W]` or `[H, W]`. */
export function spatial(layout: MapLayout, g: Grid | Extent3): number[] {
  const [d, h, w] = 'D' in g ? [g.D, g.H, g.W] : [g.d, g.h, g.w];
  return layout.volumetric ? [d, h, w] : [h, w];
}

export function gridOf(layout: MapLayout, sizes: readonly number[]): Grid {
  return layout.volumetric ? { D: sizes[0]!, H: sizes[1]!, W: sizes[2]! } : { D: 1, H: sizes[0]!, W: sizes[1]! };
}

/**
 * Split every spatial axis into (outer, block) and move the blocks after the outer axes:
 * `[N, n1·e1, …, C]` → `[N, n1, …, e1, …, C]` as a rank-(2r+2) value.
 */
function splitBlocks(g: OnnxGraph, layout: MapLayout, x: TokenMap, e: Extent3, hint: string): { value: string; outer: number[]; block: number[] } {
  const sizes = spatial(layout, x.grid);
  const block = spatial(layout, e);
  const outer = sizes.map((n, a) => n / block[a]!);
  const r = sizes.length;
  const split = g.reshape(x.name, [-1, ...outer.flatMap((n, a) => [n, block[a]!]), x.channels], `${hint}_split`);
  const perm = [0, ...outer.map((_, a) => 1 + 2 * a), ...outer.map((_, a) => 2 + 2 * a), 2 * r + 1];
  return { value: g.transpose(split, perm, `${hint}_blocks`), outer, block };
}

/** `[N, n·e, C]` → `[N, n, e·C]` per spatial axis, channel order `(dz, i, j, c)` (foldBlocks). */
export function foldBlocks(g: OnnxGraph, layout: MapLayout, x: TokenMap, e: Extent3, hint: string): TokenMap {
  const { value, outer, block } = splitBlocks(g, layout, x, e, hint);
  const channels = block.reduce((p, b) => p * b, x.channels);
  return { name: g.reshape(value, [-1, ...outer, channels], hint), grid: gridOf(layout, outer), channels };
}

/** Inverse of `foldBlocks`: `[N, n, e·C]` → `[N, n·e, C]` (unfoldBlocks). */
export function unfoldBlocks(g: OnnxGraph, layout: MapLayout, x: TokenMap, e: Extent3, hint: string): TokenMap {
  const outer = spatial(layout, x.grid);
  const block = spatial(layout, e);
  const r = outer.length;
  const channels = x.channels / block.reduce((p, b) => p * b, 1);
  const split = g.reshape(x.name, [-1, ...outer, ...block, channels], `${hint}_split`);
  const perm = [0, ...outer.flatMap((_, a) => [1 + a, 1 + r + a]), 2 * r + 1];
  const sizes = outer.map((n, a) => n * block[a]!);
  return { name: g.reshape(g.transpose(split, perm, `${hint}_interleave`), [-1, ...sizes, channels], hint), grid: gridOf(layout, sizes), channels };
}

/** `[N, D, H, W, C]` → `[N·nW, L, C]` windows (windowPartition). */
export function windowPartition(g: OnnxGraph, layout: MapLayout, x: TokenMap, win: Extent3, hint: string): string {
  const { value, block } = splitBlocks(g, layout, x, win, hint);
  const L = block.reduce((p, b) => p * b, 1);
  return g.reshape(value, [-1, L, x.channels], hint);
}

/** Inverse of `windowPartition`: `[N·nW, L, C]` → the map on `grid` (windowReverse). */
export function windowReverse(g: OnnxGraph, layout: MapLayout, windows: string, grid: Grid, win: Extent3, channels: number, hint: string): TokenMap {
  const block = spatial(layout, win);
  const outer = spatial(layout, grid).map((n, a) => n / block[a]!);
  const L = block.reduce((p, b) => p * b, 1);
  const folded: TokenMap = { name: g.reshape(windows, [-1, ...outer, L * channels], `${hint}_fold`), grid: gridOf(layout, outer), channels: L * channels };
  return unfoldBlocks(g, layout, folded, win, hint);
}
