/**
 * Swin window partition and its inverse at rank ≤ 4 (rank-5/6 transposes, as the
 * reference implementations use, take a generic path on wasm up to ~1000× slower).
 * Window order is sample-major, then window row, then window column (then depth first
 * in 3D); token order inside a window is row-major (depth, row, column), as timm's
 * `window_partition`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * @param x `[B, H, W, C]` with `H % wh == 0`, `W % ww == 0`
 * @returns `[B*nW, wh*ww, C]`, `nW = (H/wh)*(W/ww)`
 */
export function windowPartition2d(x: tf.Tensor4D, wh: number, ww: number): tf.Tensor3D {
  const [B, H, W, C] = x.shape;
  if (H % wh !== 0 || W % ww !== 0) {
    throw new OpShapeError('windowPartition2d', `x ${shapeText(x.shape)} with window ${wh}×${ww}`, 'the window must divide H and W; pad the token grid first');
  }
  const [nH, nW] = [H / wh, W / ww];
  return tf.tidy(() => {
    const a = tf.reshape(x, [B * nH, wh, nW, ww * C]); // [B*nH, wh, nW, ww*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*nH, nW, wh, ww*C]
    return tf.reshape(t, [B * nH * nW, wh * ww, C]); // [B*nW, wh*ww, C]
  });
}

/**
 * Inverse of `windowPartition2d`.
 * @param windows `[B*nW, wh*ww, C]`
 * @returns `[B, H, W, C]`
 */
export function windowReverse2d(windows: tf.Tensor3D, wh: number, ww: number, H: number, W: number): tf.Tensor4D {
  const [BnW, N, C] = windows.shape;
  const [nH, nW] = [H / wh, W / ww];
  if (N !== wh * ww || !Number.isInteger(nH) || !Number.isInteger(nW) || BnW % (nH * nW) !== 0) {
    throw new OpShapeError('windowReverse2d', `windows ${shapeText(windows.shape)} for ${H}×${W} with window ${wh}×${ww}`, 'pass the H, W and window used by windowPartition2d');
  }
  const B = BnW / (nH * nW);
  return tf.tidy(() => {
    const a = tf.reshape(windows, [B * nH, nW, wh, ww * C]); // [B*nH, nW, wh, ww*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*nH, wh, nW, ww*C]
    return tf.reshape(t, [B, H, W, C]); // [B, H, W, C]
  });
}

/**
 * Volume windows for volumes kept at rank 4 (`[B*D, H, W, C]`, slice z of sample b at
 * `b*D + z`).
 * @returns `[B*nW, wd*wh*ww, C]`, `nW = (D/wd)*(H/wh)*(W/ww)`
 */
export function windowPartition3d(x: tf.Tensor4D, D: number, wd: number, wh: number, ww: number): tf.Tensor3D {
  const [BD, H, W, C] = x.shape;
  if (BD % D !== 0 || D % wd !== 0 || H % wh !== 0 || W % ww !== 0) {
    throw new OpShapeError('windowPartition3d', `x ${shapeText(x.shape)} with depth ${D} and window ${wd}×${wh}×${ww}`, 'x.shape[0] must be B*D and the window must divide D, H and W');
  }
  const nHW = (H / wh) * (W / ww);
  return tf.tidy(() => {
    const planes = windowPartition2d(x, wh, ww); // [B*D*nHW, wh*ww, C]
    const a = tf.reshape(planes, [(BD / wd), wd, nHW, wh * ww * C]); // [B*nD, wd, nHW, wh*ww*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*nD, nHW, wd, wh*ww*C]
    return tf.reshape(t, [(BD / wd) * nHW, wd * wh * ww, C]); // [B*nW, wd*wh*ww, C]
  });
}

/**
 * Inverse of `windowPartition3d`.
 * @param windows `[B*nW, wd*wh*ww, C]`
 * @returns `[B*D, H, W, C]`
 */
export function windowReverse3d(windows: tf.Tensor3D, wd: number, wh: number, ww: number, D: number, H: number, W: number): tf.Tensor4D {
  const [BnW, N, C] = windows.shape;
  const nW = (D / wd) * (H / wh) * (W / ww);
  if (N !== wd * wh * ww || !Number.isInteger(nW) || D % wd !== 0 || H % wh !== 0 || W % ww !== 0 || BnW % nW !== 0) {
    throw new OpShapeError('windowReverse3d', `windows ${shapeText(windows.shape)} for ${D}×${H}×${W} with window ${wd}×${wh}×${ww}`, 'pass the D, H, W and window used by windowPartition3d');
  }
  const B = BnW / nW;
  const nHW = (H / wh) * (W / ww);
  return tf.tidy(() => {
    const a = tf.reshape(windows, [B * (D / wd), nHW, wd, wh * ww * C]); // [B*nD, nHW, wd, wh*ww*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*nD, wd, nHW, wh*ww*C]
    const planes = tf.reshape(t, [B * D * nHW, wh * ww, C]) as tf.Tensor3D; // [B*D*nHW, wh*ww, C]
    return windowReverse2d(planes, wh, ww, H, W); // [B*D, H, W, C]
  });
}
