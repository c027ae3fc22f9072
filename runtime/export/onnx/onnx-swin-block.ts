/**
 * The Swin block (Liu et al. 2021 §3.1–3.2) in ONNX, read from ablate's `SwinBlock`:
 * pre-norm (shifted) window attention with relative position bias and the shifted
 * windows' mask, then the MLP with exact GELU; V3's per-channel scales Φ1, Φ2 (paper
 * App. B.1, eq. 14–15) as constants. Same window geometry, shift, mask and bias index
 * as `runtime/model/swin-block.ts` (both come from the same functions).
 */
import type { LayerNormLayer } from '../../model/layer-norm-layer.ts';
import type { LinearLayer } from '../../model/linear-layer.ts';
import { shiftedWindowMask } from '../../model/shift-mask.ts';
import type { SwinBlock } from '../../model/swin-block.ts';
import type { WindowAttention } from '../../model/window-attention.ts';
import { relativePositionIndex2d, relativePositionIndex3d } from '../../ops/index.ts';
import type { OnnxGraph } from './onnx-graph.ts';
import type { OnnxParameters } from './onnx-parameters.ts';
import { spatial, windowPartition, windowReverse, type MapLayout, type TokenMap } from './onnx-token-map.ts';

/** What the layers need to emit nodes: the graph, the parameters and the map layout. */
export interface OnnxContext {
  graph: OnnxGraph;
  params: OnnxParameters;
  layout: MapLayout;
  /** Shifted-window masks already written, by geometry (blocks of one stage share one). */
  masks: Map<string, string>;
}

export function linearNode(ctx: OnnxContext, layer: LinearLayer, x: string, hint: string): string {
  return ctx.graph.linear(x, ctx.params.variable(layer.w), layer.b ? ctx.params.variable(layer.b) : undefined, hint);
}

export function layerNormNode(ctx: OnnxContext, norm: LayerNormLayer, x: string, hint: string): string {
  return ctx.graph.layerNorm(x, ctx.params.variable(norm.gamma), ctx.params.variable(norm.beta), hint);
}

/** Frozen V3 scales of one block, as initializer names. */
export interface OnnxBlockScales {
  phi1: string;
  phi2: string;
}

/**
 * `softmax(q kᵀ/√dh + bias + mask) v` per window and head, then the output projection.
 * @param x `[N·nW, L, C]` windows
 */
function windowAttention(ctx: OnnxContext, attn: WindowAttention, x: string, mask: string | undefined, nW: number, hint: string): string {
  const g = ctx.graph;
  const { dim, heads, window: w } = attn.cfg;
  const dh = dim / heads;
  const L = w.d * w.h * w.w;
  // channels of qkv are (q|k|v, head, dh), as timm's reshape(B_, N, 3, heads, dh)
  const qkv = g.reshape(linearNode(ctx, attn.qkv, x, `${hint}_qkv`), [-1, L, 3, heads, dh], `${hint}_qkv_split`); // [N·nW, L, 3, h, dh]
  const qkvHeads = g.transpose(qkv, [2, 0, 3, 1, 4], `${hint}_qkv_heads`); // [3, N·nW, h, L, dh]
  const part = (i: number, name: string) => g.op('Gather', [qkvHeads, g.int64([i], [])], { axis: 0 }, `${hint}_${name}`); // [N·nW, h, L, dh]
  const q = g.op('Mul', [part(0, 'q'), g.scalar(1 / Math.sqrt(dh))], {}, `${hint}_q_scaled`);
  const kT = g.transpose(part(1, 'k'), [0, 1, 3, 2], `${hint}_kT`); // [N·nW, h, dh, L]
  let scores = g.op('MatMul', [q, kT], {}, `${hint}_scores`); // [N·nW, h, L, L]
  // relative position bias: the table gathered by the constant index (folded by runtimes)
  const index = w.d === 1 ? relativePositionIndex2d(w.h, w.w) : relativePositionIndex3d(w.d, w.h, w.w);
  const table = ctx.params.variable(attn.biasTable); // [(2wd-1)(2wh-1)(2ww-1), h]
  const gathered = g.op('Gather', [table, g.int64([...index], [L, L])], { axis: 0 }, `${hint}_bias_gather`); // [L, L, h]
  scores = g.op('Add', [scores, g.transpose(gathered, [2, 0, 1], `${hint}_bias`)], {}, `${hint}_scores_biased`);
  if (mask) {
    const perWindow = g.reshape(scores, [-1, nW, heads, L, L], `${hint}_scores_windows`); // [N, nW, h, L, L]
    scores = g.reshape(g.op('Add', [perWindow, mask], {}, `${hint}_scores_masked`), [-1, heads, L, L], `${hint}_scores_flat`);
  }
  const probs = g.op('Softmax', [scores], { axis: -1 }, `${hint}_softmax`);
  const out = g.op('MatMul', [probs, part(2, 'v')], {}, `${hint}_context`); // [N·nW, h, L, dh]
  const merged = g.reshape(g.transpose(out, [0, 2, 1, 3], `${hint}_context_tokens`), [-1, L, dim], `${hint}_merged`); // [N·nW, L, C]
  return linearNode(ctx, attn.proj, merged, `${hint}_proj`);
}

/** Cyclic shift of every shifted axis by `sign · shift` (spatial axes 1.. of the map). */
function cyclicShift(ctx: OnnxContext, block: SwinBlock, x: string, sign: 1 | -1, hint: string): string {
  const sizes = spatial(ctx.layout, block.cfg.grid);
  const shifts = spatial(ctx.layout, block.shift);
  let y = x;
  shifts.forEach((s, a) => {
    if (s > 0) y = ctx.graph.roll(y, sign * s, 1 + a, sizes[a]!, `${hint}_roll${a}`);
  });
  return y;
}

/** One Swin block on `x` (its grid is the block's). */
export function swinBlockNodes(ctx: OnnxContext, block: SwinBlock, x: TokenMap, scales: OnnxBlockScales | undefined, hint: string): TokenMap {
  const g = ctx.graph;
  const { grid, dim } = block.cfg;
  const win = block.window;
  const shifted = block.shift.d + block.shift.h + block.shift.w > 0;
  const L = win.d * win.h * win.w;
  const nW = (grid.D / win.d) * (grid.H / win.h) * (grid.W / win.w);
  let mask: string | undefined;
  if (shifted) {
    const key = JSON.stringify([grid, win, block.shift]);
    mask = ctx.masks.get(key);
    if (!mask) {
      const values = shiftedWindowMask(grid, win, block.shift); // [nW, L, L]
      mask = g.initializer(`attn_mask_${grid.D}x${grid.H}x${grid.W}`, values, [nW, 1, L, L]);
      ctx.masks.set(key, mask);
    }
  }
  let h = layerNormNode(ctx, block.norm1, x.name, `${hint}_norm1`);
  // cyclic shift
  if (shifted) h = cyclicShift(ctx, block, h, -1, `${hint}_shift`);
  // partition windows
  const windows = windowPartition(g, ctx.layout, { ...x, name: h }, win, `${hint}_windows`); // [N·nW, L, C]
  // W-MSA / SW-MSA
  const attended = windowAttention(ctx, block.attn, windows, mask, nW, `${hint}_attn`);
  // merge windows
  h = windowReverse(g, ctx.layout, attended, grid, win, dim, `${hint}_merge`).name;
  // reverse cyclic shift
  if (shifted) h = cyclicShift(ctx, block, h, 1, `${hint}_unshift`);
  // eq. 14: X' = X + Φ1 ⊗ MSA(Norm(X))
  if (scales) h = g.op('Mul', [h, scales.phi1], {}, `${hint}_phi1`);
  const x1 = g.op('Add', [x.name, h], {}, `${hint}_residual1`);
  // eq. 15: X_{l+1} = X' + Φ2 ⊗ FFN(Norm(X'))
  const hidden = g.gelu(linearNode(ctx, block.fc1, layerNormNode(ctx, block.norm2, x1, `${hint}_norm2`), `${hint}_fc1`), `${hint}_gelu`);
  let f = linearNode(ctx, block.fc2, hidden, `${hint}_fc2`);
  if (scales) f = g.op('Mul', [f, scales.phi2], {}, `${hint}_phi2`);
  return { ...x, name: g.op('Add', [x1, f], {}, `${hint}_out`) };
}
