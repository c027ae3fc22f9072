/**
 * The Swin block against an independent naive-loop float64 implementation written from
 * the Swin paper (§3.1–3.2): LayerNorm, cyclic shift by index arithmetic, window
 * attention with relative position bias and the shifted-window mask by region ids,
 * un-shift, MLP; and with eq. (14)–(15)'s channel scales Φ1, Φ2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { ParameterStore } from '../../runtime/model/parameter-store.ts';
import { seededValues } from '../ops/backend-harness.ts';
import { SwinBlock } from '../../runtime/model/swin-block.ts';
import { erf64 } from '../ops/erf-reference.ts';

type Vec = number[];
const layerNorm = (x: Vec, g: Vec, b: Vec): Vec => {
  const m = x.reduce((a, v) => a + v, 0) / x.length;
  const v = x.reduce((a, u) => a + (u - m) ** 2, 0) / x.length;
  return x.map((u, c) => ((u - m) / Math.sqrt(v + 1e-5)) * g[c]! + b[c]!);
};
const affine = (x: Vec, w: number[][], b: Vec | undefined, cout: number): Vec =>
  Array.from({ length: cout }, (_, o) => (b ? b[o]! : 0) + x.reduce((a, xv, i) => a + xv * w[i]![o]!, 0));

interface P {
  [name: string]: number[] | number[][];
}

/** One image `[H][W][C]`, window `ws × ws`, shift `s` (0 = W-MSA). */
function naiveSwinBlock(x: Vec[][], p: P, C: number, heads: number, ws: number, s: number, hidden: number, phi?: [Vec, Vec]): Vec[][] {
  const H = x.length;
  const W = x[0]!.length;
  const dh = C / heads;
  const g = (n: string) => p[n] as number[];
  const m = (n: string) => p[n] as number[][];
  const xn = x.map((row) => row.map((t) => layerNorm(t, g('norm1/gamma'), g('norm1/beta'))));
  // shifted map: position (i, j) holds original ((i + s) mod H, (j + s) mod W)
  const at = (i: number, j: number) => xn[(i + s) % H]![(j + s) % W]!;
  const region = (q: number, n: number) => (s === 0 ? 0 : q < n - ws ? 0 : q < n - s ? 1 : 2);
  const out: Vec[][] = x.map((row) => row.map(() => new Array<number>(C).fill(0)));
  for (let wi = 0; wi < H / ws; wi++) {
    for (let wj = 0; wj < W / ws; wj++) {
      const pos: [number, number][] = [];
      for (let a = 0; a < ws; a++) for (let b = 0; b < ws; b++) pos.push([wi * ws + a, wj * ws + b]);
      const qkv = pos.map(([i, j]) => affine(at(i, j), m('attn/qkv/w'), g('attn/qkv/b'), 3 * C));
      const merged = pos.map(() => new Array<number>(C).fill(0));
      for (let n = 0; n < heads; n++) {
        for (let t1 = 0; t1 < pos.length; t1++) {
          const logits = pos.map((_, t2) => {
            let dot = 0;
            for (let c = n * dh; c < (n + 1) * dh; c++) dot += qkv[t1]![c]! * qkv[t2]![C + c]!;
            const [i1, j1] = pos[t1]!;
            const [i2, j2] = pos[t2]!;
            const idx = (i1 - i2 + ws - 1) * (2 * ws - 1) + (j1 - j2 + ws - 1);
            const masked = region(i1, H) !== region(i2, H) || region(j1, W) !== region(j2, W) ? -100 : 0;
            return dot / Math.sqrt(dh) + m('attn/relative_position_bias_table')[idx]![n]! + masked;
          });
          const mx = Math.max(...logits);
          const e = logits.map((l) => Math.exp(l - mx));
          const z = e.reduce((a, b) => a + b, 0);
          for (let c = n * dh; c < (n + 1) * dh; c++) merged[t1]![c] = e.reduce((a, ev, t2) => a + (ev / z) * qkv[t2]![2 * C + c]!, 0);
        }
      }
      pos.forEach(([i, j], t) => {
        // reverse shift: shifted (i, j) is original ((i + s) mod H, (j + s) mod W)
        out[(i + s) % H]![(j + s) % W] = affine(merged[t]!, m('attn/proj/w'), g('attn/proj/b'), C);
      });
    }
  }
  return x.map((row, i) =>
    row.map((t, j) => {
      const a = out[i]![j]!.map((v, c) => v * (phi ? phi[0][c]! : 1));
      const x1 = t.map((v, c) => v + a[c]!);
      const hdn = affine(layerNorm(x1, g('norm2/gamma'), g('norm2/beta')), m('mlp/fc1/w'), g('mlp/fc1/b'), hidden).map((u) => 0.5 * u * (1 + erf64(u / Math.SQRT2)));
      const f = affine(hdn, m('mlp/fc2/w'), g('mlp/fc2/b'), C);
      return x1.map((v, c) => v + f[c]! * (phi ? phi[1][c]! : 1));
    }),
  );
}

/** One volume `[D][H][W][C]`, window `w = [wd, wh, ww]`, shift `sh = [sd, sh, sw]` (3D Swin / nnFormer). */
function naiveSwinBlock3d(x: Vec[][][], p: P, C: number, heads: number, w: [number, number, number], sft: [number, number, number], hidden: number): Vec[][][] {
  const [D, H, W] = [x.length, x[0]!.length, x[0]![0]!.length];
  const [wd, wh, ww] = w;
  const dh = C / heads;
  const g = (n: string) => p[n] as number[];
  const m = (n: string) => p[n] as number[][];
  const xn = x.map((sl) => sl.map((row) => row.map((t) => layerNorm(t, g('norm1/gamma'), g('norm1/beta')))));
  const at = (z: number, i: number, j: number) => xn[(z + sft[0]) % D]![(i + sft[1]) % H]![(j + sft[2]) % W]!;
  const region = (q: number, n: number, win: number, s: number) => (s === 0 ? 0 : q < n - win ? 0 : q < n - s ? 1 : 2);
  const out: Vec[][][] = x.map((sl) => sl.map((row) => row.map(() => new Array<number>(C).fill(0))));
  for (let wz = 0; wz < D / wd; wz++) for (let wi = 0; wi < H / wh; wi++) for (let wj = 0; wj < W / ww; wj++) {
    const pos: [number, number, number][] = [];
    for (let c = 0; c < wd; c++) for (let a = 0; a < wh; a++) for (let b = 0; b < ww; b++) pos.push([wz * wd + c, wi * wh + a, wj * ww + b]);
    const qkv = pos.map(([z, i, j]) => affine(at(z, i, j), m('attn/qkv/w'), g('attn/qkv/b'), 3 * C));
    const merged = pos.map(() => new Array<number>(C).fill(0));
    for (let n = 0; n < heads; n++) {
      for (let t1 = 0; t1 < pos.length; t1++) {
        const [z1, i1, j1] = pos[t1]!;
        const logits = pos.map(([z2, i2, j2], t2) => {
          let dot = 0;
          for (let c = n * dh; c < (n + 1) * dh; c++) dot += qkv[t1]![c]! * qkv[t2]![C + c]!;
          const idx = ((z1 - z2 + wd - 1) * (2 * wh - 1) + (i1 - i2 + wh - 1)) * (2 * ww - 1) + (j1 - j2 + ww - 1);
          const differ = region(z1, D, wd, sft[0]) !== region(z2, D, wd, sft[0]) || region(i1, H, wh, sft[1]) !== region(i2, H, wh, sft[1]) || region(j1, W, ww, sft[2]) !== region(j2, W, ww, sft[2]);
          return dot / Math.sqrt(dh) + m('attn/relative_position_bias_table')[idx]![n]! + (differ ? -100 : 0);
        });
        const mx = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - mx));
        const zsum = e.reduce((a, b) => a + b, 0);
        for (let c = n * dh; c < (n + 1) * dh; c++) merged[t1]![c] = e.reduce((a, ev, t2) => a + (ev / zsum) * qkv[t2]![2 * C + c]!, 0);
      }
    }
    pos.forEach(([z, i, j], t) => {
      out[(z + sft[0]) % D]![(i + sft[1]) % H]![(j + sft[2]) % W] = affine(merged[t]!, m('attn/proj/w'), g('attn/proj/b'), C);
    });
  }
  return x.map((sl, z) =>
    sl.map((row, i) =>
      row.map((t, j) => {
        const x1 = t.map((v, c) => v + out[z]![i]![j]![c]!);
        const hdn = affine(layerNorm(x1, g('norm2/gamma'), g('norm2/beta')), m('mlp/fc1/w'), g('mlp/fc1/b'), hidden).map((u) => 0.5 * u * (1 + erf64(u / Math.SQRT2)));
        const f = affine(hdn, m('mlp/fc2/w'), g('mlp/fc2/b'), C);
        return x1.map((v, c) => v + f[c]!);
      }),
    ),
  );
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SwinBlock against naive loops', () => {
  const [H, W, C, heads, ws, hidden] = [8, 12, 6, 2, 4, 12];
  const cases: [string, boolean, boolean][] = [
    ['W-MSA', false, false],
    ['SW-MSA (shift 2, masked windows)', true, false],
    ['SW-MSA with channel scales Φ1, Φ2 (eq. 14–15)', true, true],
  ];
  for (const [name, shifted, modulated] of cases) {
    it(name, () => {
      const store = new ParameterStore(3);
      const prefix = 'ct/encoder/stage0/block1';
      const block = new SwinBlock(store, prefix, { dim: C, heads, grid: { D: 1, H, W }, window: { d: 1, h: ws, w: ws }, shifted, mlpRatio: 2, qkvBias: true, dropPath: 0 });
      const params: P = {};
      let seed = 50;
      for (const [n, v] of store.variables) {
        const values = seededValues(v.size, seed++, n.endsWith('/w') ? 0.4 : 0.3).map((u) => (n.endsWith('/gamma') ? 1 + u : u));
        v.assign(tf.tensor(values, v.shape));
        params[n.slice(prefix.length + 1)] = v.arraySync() as number[] | number[][];
      }
      const xv = seededValues(H * W * C, 7, 1);
      const phi: [Vec, Vec] = [seededValues(C, 8, 1), seededValues(C, 9, 1)];
      const got = tf.tidy(() => {
        const modulation = modulated ? { phi1: tf.tensor1d(phi[0]), phi2: tf.tensor1d(phi[1]) } : undefined;
        return block.apply(tf.tensor4d(xv, [1, H, W, C]), { dropPath: undefined, modulation }).dataSync();
      });
      const x: Vec[][] = Array.from({ length: H }, (_, i) => Array.from({ length: W }, (_, j) => xv.slice((i * W + j) * C, (i * W + j + 1) * C)));
      const want = naiveSwinBlock(x, params, C, heads, ws, shifted ? ws / 2 : 0, hidden, modulated ? phi : undefined).flat(2);
      let err = 0;
      want.forEach((v, k) => (err = Math.max(err, Math.abs(v - got[k]!) / Math.max(1, Math.abs(v)))));
      expect(err).toBeLessThan(1e-5);
      block.dispose();
      store.dispose();
    });
  }
});

describe('3D SwinBlock (volume windows) against naive loops', () => {
  it('SW-MSA on 2 volumes of 4×4×6, window 2×2×2 → shift 1×1×1, rolled within each volume', () => {
    const [B, D, H, W, C, heads, hidden] = [2, 4, 4, 6, 4, 2, 8];
    const store = new ParameterStore(4);
    const prefix = 'ct/encoder/stage0/block1';
    const block = new SwinBlock(store, prefix, { dim: C, heads, grid: { D, H, W }, window: { d: 2, h: 2, w: 2 }, shifted: true, mlpRatio: 2, qkvBias: true, dropPath: 0 });
    const params: P = {};
    let seed = 70;
    for (const [n, v] of store.variables) {
      const values = seededValues(v.size, seed++, n.endsWith('/w') ? 0.4 : 0.3).map((u) => (n.endsWith('/gamma') ? 1 + u : u));
      v.assign(tf.tensor(values, v.shape));
      params[n.slice(prefix.length + 1)] = v.arraySync() as number[] | number[][];
    }
    const xv = seededValues(B * D * H * W * C, 12, 1);
    const got = tf.tidy(() => block.apply(tf.tensor4d(xv, [B * D, H, W, C]), { dropPath: undefined, modulation: undefined }).dataSync());
    const want: number[] = [];
    for (let b = 0; b < B; b++) {
      const x: Vec[][][] = Array.from({ length: D }, (_, z) =>
        Array.from({ length: H }, (_, i) => Array.from({ length: W }, (_, j) => xv.slice((((b * D + z) * H + i) * W + j) * C, (((b * D + z) * H + i) * W + j + 1) * C))),
      );
      want.push(...naiveSwinBlock3d(x, params, C, heads, [2, 2, 2], [1, 1, 1], hidden).flat(3));
    }
    let err = 0;
    want.forEach((v, k) => (err = Math.max(err, Math.abs(v - got[k]!) / Math.max(1, Math.abs(v)))));
    expect(err).toBeLessThan(1e-5);
    block.dispose();
    store.dispose();
  });
});
