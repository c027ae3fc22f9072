/**
 * Moving non-overlapping `p × p` (or `pd × ph × pw`) blocks between space and channels,
 * with reshapes and rank-4 transposes only (rank-5 transposes take a generic path up to
 * ~1000× slower on wasm). The channel order inside a block is `(dz, i, j, c)`, which is
 * the row order of a `[kd, kh, kw, Cin, Cout]` filter reshaped to `[kd*kh*kw*Cin, Cout]`
 * and the `(p1 p2 c)` order of Swin-Unet's patch expanding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * Fold each `ph × pw` block of pixels into the channel axis.
 * @param x `[B, H, W, C]` with `H % ph == 0`, `W % pw == 0`
 * @returns `[B, H/ph, W/pw, ph*pw*C]`, channel `(i*pw + j)*C + c`
 */
export function spaceToDepth2d(x: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  if (H % ph !== 0 || W % pw !== 0) {
    throw new OpShapeError('spaceToDepth2d', `x ${shapeText(x.shape)} with block ${ph}×${pw}`, 'H and W must be multiples of the block; pad or crop first');
  }
  const [Ho, Wo] = [H / ph, W / pw];
  return tf.tidy(() => {
    const a = tf.reshape(x, [B * Ho, ph, Wo, pw * C]); // [B*Ho, ph, Wo, pw*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*Ho, Wo, ph, pw*C]
    return tf.reshape(t, [B, Ho, Wo, ph * pw * C]); // [B, Ho, Wo, ph*pw*C]
  });
}

/**
 * Inverse of `spaceToDepth2d`: unfold channels into `ph × pw` blocks of pixels.
 * @param x `[B, h, w, ph*pw*C]`
 * @returns `[B, h*ph, w*pw, C]`
 */
export function depthToSpace2d(x: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [B, h, w, K] = x.shape;
  if (K % (ph * pw) !== 0) {
    throw new OpShapeError('depthToSpace2d', `x ${shapeText(x.shape)} with block ${ph}×${pw}`, `channels must be a multiple of ${ph * pw}`);
  }
  const C = K / (ph * pw);
  return tf.tidy(() => {
    const a = tf.reshape(x, [B * h, w, ph, pw * C]); // [B*h, w, ph, pw*C]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*h, ph, w, pw*C]
    return tf.reshape(t, [B, h * ph, w * pw, C]); // [B, h*ph, w*pw, C]
  });
}

/**
 * Fold each `pd × ph × pw` block of a volume into the channel axis. Volumes are kept at
 * rank 4 with batch and depth folded: `x[b*D + z]` is slice `z` of sample `b`.
 * @param x `[B*D, H, W, C]` with `D % pd == 0`, `H % ph == 0`, `W % pw == 0`
 * @param D depth of one sample
 * @returns `[B*(D/pd), H/ph, W/pw, pd*ph*pw*C]`, channel `((dz*ph + i)*pw + j)*C + c`
 */
export function spaceToDepth3d(x: tf.Tensor4D, D: number, pd: number, ph: number, pw: number): tf.Tensor4D {
  const [BD] = x.shape;
  if (BD % D !== 0 || D % pd !== 0) {
    throw new OpShapeError('spaceToDepth3d', `x ${shapeText(x.shape)} with depth ${D} and block ${pd}×${ph}×${pw}`, 'x.shape[0] must be B*D and D a multiple of pd');
  }
  return tf.tidy(() => {
    const s = spaceToDepth2d(x, ph, pw); // [B*D, Ho, Wo, K2]
    const [, Ho, Wo, K2] = s.shape;
    const a = tf.reshape(s, [BD / pd, pd, Ho * Wo, K2]); // [B*Do, pd, Ho*Wo, K2]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*Do, Ho*Wo, pd, K2]
    return tf.reshape(t, [BD / pd, Ho, Wo, pd * K2]); // [B*Do, Ho, Wo, pd*K2]
  });
}

/**
 * Inverse of `spaceToDepth3d`.
 * @param x `[B*d, h, w, pd*ph*pw*C]`
 * @returns `[B*d*pd, h*ph, w*pw, C]` (depth `d*pd` per sample)
 */
export function depthToSpace3d(x: tf.Tensor4D, pd: number, ph: number, pw: number): tf.Tensor4D {
  const [Bd, h, w, K] = x.shape;
  if (K % (pd * ph * pw) !== 0) {
    throw new OpShapeError('depthToSpace3d', `x ${shapeText(x.shape)} with block ${pd}×${ph}×${pw}`, `channels must be a multiple of ${pd * ph * pw}`);
  }
  const K2 = K / pd;
  return tf.tidy(() => {
    const a = tf.reshape(x, [Bd, h * w, pd, K2]); // [B*d, h*w, pd, K2]
    const t = tf.transpose(a, [0, 2, 1, 3]); // [B*d, pd, h*w, K2]
    const s = tf.reshape(t, [Bd * pd, h, w, K2]) as tf.Tensor4D; // [B*d*pd, h, w, ph*pw*C]
    return depthToSpace2d(s, ph, pw); // [B*d*pd, h*ph, w*pw, C]
  });
}
