/**
 * The ops composed into one shifted-window Swin block (Liu et al. 2021, Fig. 3b), on
 * wasm, against a reference written the way timm writes it (rank-5/6 transposes,
 * tf.gather for the relative position bias, gather-based roll, composite LayerNorm and
 * GELU, tf.matMul) on the cpu backend. Values and the gradients of all 14 inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import * as ops from '../../runtime/ops/index.ts';
import { expectSameValueAndGrads, valueAndGrads, type InputSpec } from './backend-harness.ts';

const [B, H, W, C, heads, ws, shift, hidden] = [2, 4, 4, 8, 2, 2, 1, 16];
const N = ws * ws;
const hd = C / heads;
const nW = (H / ws) * (W / ws);
const T = ops.relativePositionTableSize2d(ws, ws);
const index = ops.relativePositionIndex2d(ws, ws);

/** timm's shifted-window mask: 0 within a region, -100 across regions; [nW, N, N]. */
function shiftMask(): Float32Array {
  const region = new Int32Array(H * W);
  const bands = (n: number) => [[0, n - ws], [n - ws, n - shift], [n - shift, n]] as const;
  let id = 0;
  for (const [h0, h1] of bands(H)) for (const [w0, w1] of bands(W)) {
    for (let y = h0; y < h1; y++) for (let x = w0; x < w1; x++) region[y * W + x] = id;
    id++;
  }
  const out = new Float32Array(nW * N * N);
  for (let wy = 0; wy < H / ws; wy++)
    for (let wx = 0; wx < W / ws; wx++) {
      const win = wy * (W / ws) + wx;
      const r = (t: number) => region[(wy * ws + Math.floor(t / ws)) * W + wx * ws + (t % ws)]!;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[(win * N + i) * N + j] = r(i) === r(j) ? 0 : -100;
    }
  return out;
}
const mask = shiftMask();

const specs: InputSpec[] = [
  [B, H, W, C], [C], [C], [C, 3 * C], [3 * C], [T, heads], [C, C], [C], [C], [C], [C, hidden], [hidden], [hidden, C], [C],
].map((shape, i) => ({ shape, seed: 200 + i }));

/** The block with runtime/ops (what the model code does). */
function oursBlock(x: tf.Tensor, g1: tf.Tensor, b1: tf.Tensor, wqkv: tf.Tensor, bqkv: tf.Tensor, table: tf.Tensor, wp: tf.Tensor, bp: tf.Tensor, g2: tf.Tensor, b2: tf.Tensor, w1: tf.Tensor, c1: tf.Tensor, w2: tf.Tensor, c2: tf.Tensor): tf.Tensor {
  const h = ops.layerNorm(x, g1 as tf.Tensor1D, b1 as tf.Tensor1D);
  // cyclic shift
  const shifted = ops.roll(ops.roll(h, -shift, 1), -shift, 2) as tf.Tensor4D;
  // partition windows
  const win = ops.windowPartition2d(shifted, ws, ws); // [B*nW, N, C]
  // W-MSA / SW-MSA
  const qkv = tf.reshape(ops.linear(win, wqkv, bqkv), [B * nW, N, 3 * heads, hd]);
  const t = tf.reshape(tf.transpose(qkv, [0, 2, 1, 3]), [B * nW, 3, heads * N, hd]); // [B*nW, 3, heads*N, hd]
  const part = (i: number) => tf.reshape(tf.slice(t, [0, i, 0, 0], [B * nW, 1, heads * N, hd]), [B * nW * heads, N, hd]);
  const [q, k, v] = [tf.mul(part(0), 1 / Math.sqrt(hd)), part(1), part(2)];
  const bias = tf.transpose(tf.reshape(ops.oneHotGather(table as tf.Tensor2D, ops.oneHotMatrix(index, T)), [N, N, heads]), [2, 0, 1]); // [heads, N, N]
  let att = tf.add(tf.reshape(ops.matmul(q, k, false, true), [B * nW, heads, N, N]), bias);
  att = tf.add(tf.reshape(att, [B, nW, heads, N * N]), tf.tensor3d(mask, [nW, 1, N * N]));
  att = ops.softmax(tf.reshape(att, [B * nW * heads, N, N]));
  const o = tf.reshape(tf.transpose(tf.reshape(ops.matmul(att, v), [B * nW, heads, N, hd]), [0, 2, 1, 3]), [B * nW, N, C]);
  const proj = ops.linear(o, wp, bp) as tf.Tensor3D;
  // merge windows, reverse cyclic shift
  const merged = ops.roll(ops.roll(ops.windowReverse2d(proj, ws, ws, H, W), shift, 1), shift, 2);
  const y = tf.add(x, merged);
  return tf.add(y, ops.linear(ops.gelu(ops.linear(ops.layerNorm(y, g2 as tf.Tensor1D, b2 as tf.Tensor1D), w1, c1)), w2, c2));
}

/** The same block as timm writes it, with plain tfjs ops (cpu has every gradient). */
function referenceBlock(x: tf.Tensor, g1: tf.Tensor, b1: tf.Tensor, wqkv: tf.Tensor, bqkv: tf.Tensor, table: tf.Tensor, wp: tf.Tensor, bp: tf.Tensor, g2: tf.Tensor, b2: tf.Tensor, w1: tf.Tensor, c1: tf.Tensor, w2: tf.Tensor, c2: tf.Tensor): tf.Tensor {
  const ln = (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(z, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const dense = (z: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.reshape(tf.matMul(tf.reshape(z, [-1, w.shape[0]!]), w), [...z.shape.slice(0, -1), w.shape[1]!]), b);
  const rollRef = (z: tf.Tensor, s: number, axis: number) => {
    const n = z.shape[axis]!;
    return tf.gather(z, tf.tensor1d(Array.from({ length: n }, (_, i) => (((i - s) % n) + n) % n), 'int32'), axis);
  };
  const h = ln(x, g1, b1);
  const shifted = rollRef(rollRef(h, -shift, 1), -shift, 2);
  const win = tf.reshape(tf.transpose(tf.reshape(shifted, [B, H / ws, ws, W / ws, ws, C]), [0, 1, 3, 2, 4, 5]), [-1, N, C]);
  const qkv = tf.transpose(tf.reshape(dense(win, wqkv, bqkv), [B * nW, N, 3, heads, hd]), [2, 0, 3, 1, 4]); // [3, B_, heads, N, hd]
  const [q, k, v] = tf.unstack(qkv).map((z) => tf.reshape(z, [B * nW * heads, N, hd])) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const bias = tf.transpose(tf.reshape(tf.gather(table, tf.tensor1d(Array.from(index), 'int32')), [N, N, heads]), [2, 0, 1]);
  let att = tf.add(tf.reshape(tf.matMul(tf.mul(q, 1 / Math.sqrt(hd)), k, false, true), [B * nW, heads, N, N]), bias);
  att = tf.add(tf.reshape(att, [B, nW, heads, N, N]), tf.reshape(tf.tensor(mask), [1, nW, 1, N, N]));
  att = tf.softmax(tf.reshape(att, [B * nW * heads, N, N]));
  const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [B * nW, heads, N, hd]), [0, 2, 1, 3]), [B * nW, N, C]);
  const proj = dense(o, wp, bp);
  const merged6 = tf.transpose(tf.reshape(proj, [B, H / ws, W / ws, ws, ws, C]), [0, 1, 3, 2, 4, 5]);
  const merged = rollRef(rollRef(tf.reshape(merged6, [B, H, W, C]), shift, 1), shift, 2);
  const y = tf.add(x, merged);
  const m = dense(ln(y, g2, b2), w1, c1);
  const gelu = tf.mul(tf.mul(0.5, m), tf.add(1, tf.erf(tf.mul(m, Math.SQRT1_2))));
  return tf.add(y, dense(gelu, w2, c2));
}

describe('a shifted-window Swin block built from runtime/ops', () => {
  it('matches a timm-style reference on cpu, values and all 14 gradients', async () => {
    type Block = (...xs: tf.Tensor[]) => tf.Tensor;
    const ours = await valueAndGrads('wasm', oursBlock as Block, specs);
    const ref = await valueAndGrads('cpu', referenceBlock as Block, specs);
    expectSameValueAndGrads(ours, ref);
  });
});
