import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { windowPartition2d, windowPartition3d, windowReverse2d, windowReverse3d } from '../../runtime/ops/window-partition.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('windowPartition2d / windowReverse2d', () => {
  it('orders windows (b, row, col) and tokens row-major, as timm', () => {
    const [B, H, W, C, wh, ww] = [2, 4, 6, 2, 2, 3];
    const x = iota(B * H * W * C);
    const [nH, nW] = [H / wh, W / ww];
    const expected = new Float32Array(x.length);
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++)
          for (let c = 0; c < C; c++) {
            const win = (b * nH + Math.floor(y / wh)) * nW + Math.floor(xx / ww);
            const tok = (y % wh) * ww + (xx % ww);
            expected[(win * wh * ww + tok) * C + c] = x[((b * H + y) * W + xx) * C + c]!;
          }
    const w = tf.tidy(() => windowPartition2d(tf.tensor4d(x, [B, H, W, C]), wh, ww));
    expect(w.shape).toEqual([B * nH * nW, wh * ww, C]);
    expect(Array.from(w.dataSync())).toEqual(Array.from(expected));
    const back = tf.tidy(() => windowReverse2d(w, wh, ww, H, W));
    expect(back.shape).toEqual([B, H, W, C]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x));
    tf.dispose([w, back]);
  });

  it('rejects a window that does not divide the grid', () => {
    expect(() => windowPartition2d(tf.zeros([1, 7, 7, 1]) as tf.Tensor4D, 2, 2)).toThrow(OpShapeError);
  });
});

describe('windowPartition3d / windowReverse3d on [B*D, H, W, C]', () => {
  it('orders windows (b, depth, row, col) and tokens (dz, dy, dx)', () => {
    const [B, D, H, W, C, wd, wh, ww] = [2, 4, 4, 6, 2, 2, 2, 3];
    const x = iota(B * D * H * W * C);
    const [nD, nH, nW] = [D / wd, H / wh, W / ww];
    const N = wd * wh * ww;
    const expected = new Float32Array(x.length);
    for (let b = 0; b < B; b++)
      for (let z = 0; z < D; z++)
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < W; xx++)
            for (let c = 0; c < C; c++) {
              const win = ((b * nD + Math.floor(z / wd)) * nH + Math.floor(y / wh)) * nW + Math.floor(xx / ww);
              const tok = ((z % wd) * wh + (y % wh)) * ww + (xx % ww);
              expected[(win * N + tok) * C + c] = x[(((b * D + z) * H + y) * W + xx) * C + c]!;
            }
    const w = tf.tidy(() => windowPartition3d(tf.tensor4d(x, [B * D, H, W, C]), D, wd, wh, ww));
    expect(w.shape).toEqual([B * nD * nH * nW, N, C]);
    expect(Array.from(w.dataSync())).toEqual(Array.from(expected));
    const back = tf.tidy(() => windowReverse3d(w, wd, wh, ww, D, H, W));
    expect(back.shape).toEqual([B * D, H, W, C]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x));
    tf.dispose([w, back]);
  });
});
