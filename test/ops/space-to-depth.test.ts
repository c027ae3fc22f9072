import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { depthToSpace2d, depthToSpace3d, spaceToDepth2d, spaceToDepth3d } from '../../runtime/ops/space-to-depth.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { OpShapeError } from '../../runtime/ops/op-shape-error.ts';

// Values are distinct integers, so equality is exact and any misplaced element shows.
const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('spaceToDepth2d / depthToSpace2d', () => {
  it('moves each block into channels in (i, j, c) order', () => {
    const [B, H, W, C, ph, pw] = [2, 4, 6, 3, 2, 3];
    const x = iota(B * H * W * C);
    const expected = new Float32Array(x.length);
    const [Ho, Wo] = [H / ph, W / pw];
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++)
          for (let c = 0; c < C; c++) {
            const [oy, i, ox, j] = [Math.floor(y / ph), y % ph, Math.floor(xx / pw), xx % pw];
            expected[((b * Ho + oy) * Wo + ox) * (ph * pw * C) + (i * pw + j) * C + c] = x[((b * H + y) * W + xx) * C + c]!;
          }
    const got = tf.tidy(() => spaceToDepth2d(tf.tensor4d(x, [B, H, W, C]), ph, pw));
    expect(got.shape).toEqual([B, Ho, Wo, ph * pw * C]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(expected));
    const back = tf.tidy(() => depthToSpace2d(got, ph, pw));
    expect(back.shape).toEqual([B, H, W, C]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x));
    tf.dispose([got, back]);
  });

  it('rejects a block that does not divide the image', () => {
    expect(() => spaceToDepth2d(tf.zeros([1, 5, 4, 1]) as tf.Tensor4D, 2, 2)).toThrow(OpShapeError);
  });
});

describe('spaceToDepth3d / depthToSpace3d on [B*D, H, W, C]', () => {
  it('moves each block into channels in (dz, i, j, c) order', () => {
    const [B, D, H, W, C, pd, ph, pw] = [2, 4, 4, 2, 2, 2, 2, 2];
    const x = iota(B * D * H * W * C);
    const [Do, Ho, Wo] = [D / pd, H / ph, W / pw];
    const K = pd * ph * pw * C;
    const expected = new Float32Array(x.length);
    for (let b = 0; b < B; b++)
      for (let z = 0; z < D; z++)
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < W; xx++)
            for (let c = 0; c < C; c++) {
              const ch = (((z % pd) * ph + (y % ph)) * pw + (xx % pw)) * C + c;
              const o = (((b * Do + Math.floor(z / pd)) * Ho + Math.floor(y / ph)) * Wo + Math.floor(xx / pw)) * K + ch;
              expected[o] = x[(((b * D + z) * H + y) * W + xx) * C + c]!;
            }
    const got = tf.tidy(() => spaceToDepth3d(tf.tensor4d(x, [B * D, H, W, C]), D, pd, ph, pw));
    expect(got.shape).toEqual([B * Do, Ho, Wo, K]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(expected));
    const back = tf.tidy(() => depthToSpace3d(got, pd, ph, pw));
    expect(back.shape).toEqual([B * D, H, W, C]);
    expect(Array.from(back.dataSync())).toEqual(Array.from(x));
    tf.dispose([got, back]);
  });

  it('rejects a depth that is not a multiple of the block', () => {
    expect(() => spaceToDepth3d(tf.zeros([6, 2, 2, 1]) as tf.Tensor4D, 3, 2, 2, 2)).toThrow(/D a multiple of pd/);
  });
});
