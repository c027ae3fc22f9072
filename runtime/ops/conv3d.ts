/**
 * Trainable 3D convolution for volumes kept at rank 4. On wasm, `tf.conv3d`'s input
 * gradient is wrong in every configuration, its filter gradient wrong for stride > 1,
 * and rank-5 tensors take slow generic paths; this op is in-plane patches, then depth
 * patches, then one matmul.
 *
 * Volume layout: `[B*D, H, W, C]`, slice `z` of sample `b` at index `b*D + z`;
 * the depth `D` is passed explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './matmul.ts';
import { extractPatches } from './patches.ts';
import { convStride1 } from './conv-stride1.ts';
import { planAxis, perAxis, type ConvPadding } from './conv-geometry.ts';
import { spaceToDepth3d } from './space-to-depth.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/** Options of `conv3d`. */
export interface Conv3dOptions {
  /** stride `[sd, sh, sw]` or one for all axes; default 1 */
  strides?: number | [number, number, number];
  /** TensorFlow 'same' or 'valid' padding; default 'same' */
  padding?: ConvPadding;
}

/**
 * Channels-last 3D convolution (cross-correlation, as `tf.conv3d`), with a bias.
 *
 * Paths: a kernel equal to the stride over sizes it divides (patch embedding such as
 * 4×4×2, or 2×2×2 down-sampling) is `spaceToDepth3d` + `linear`; stride 1 is `kd` XNNPACK
 * Conv2Ds shifted along depth, with a hand-written gradient (`convStride1`); other strides
 * are in-plane then depth im2col + `linear`.
 *
 * @param x `[B*D, H, W, Cin]`
 * @param D depth of one sample
 * @param w `[kd, kh, kw, Cin, Cout]` (the `tf.conv3d` filter layout)
 * @param b `[Cout]`, optional
 * @returns `[B*Do, Ho, Wo, Cout]`; sizes per axis as `convOutputSize`
 */
export function conv3d(x: tf.Tensor4D, D: number, w: tf.Tensor, b?: tf.Tensor1D, options: Conv3dOptions = {}): tf.Tensor4D {
  const [sd, sh, sw] = perAxis(options.strides ?? 1, 3) as [number, number, number];
  const padding = options.padding ?? 'same';
  const [BD, H, W, Cin] = x.shape;
  const [kd, kh, kw, wCin, Cout] = w.shape as [number, number, number, number, number];
  if (x.rank !== 4 || w.rank !== 5 || wCin !== Cin || !(D > 0) || BD % D !== 0) {
    throw new OpShapeError(
      'conv3d',
      `x ${shapeText(x.shape)} with depth ${D}, w ${shapeText(w.shape)}`,
      'x must be [B*D, H, W, Cin] (batch and depth folded) and w [kd, kh, kw, Cin, Cout]',
    );
  }
  const B = BD / D;
  const depth = { kernel: kd, stride: sd, ...planAxis(D, kd, sd, padding) };
  const rows = { kernel: kh, stride: sh, ...planAxis(H, kh, sh, padding) };
  const cols = { kernel: kw, stride: sw, ...planAxis(W, kw, sw, padding) };
  if (depth.out <= 0 || rows.out <= 0 || cols.out <= 0) {
    throw new OpShapeError('conv3d', `volume ${D}×${H}×${W} is smaller than the kernel ${kd}×${kh}×${kw}`, "use padding 'same' or a larger input");
  }
  return tf.tidy(() => {
    const wm = tf.reshape(w, [kd * kh * kw * Cin, Cout]); // [kd*kh*kw*Cin, Cout]
    if (kd === sd && kh === sh && kw === sw && D % sd === 0 && H % sh === 0 && W % sw === 0) {
      return linear(spaceToDepth3d(x, D, sd, sh, sw), wm, b) as tf.Tensor4D; // [B*Do, Ho, Wo, Cout]
    }
    if (sd === 1 && sh === 1 && sw === 1) {
      const y = convStride1(x, D, w, depth, rows, cols); // [B*Do, Ho, Wo, Cout]
      return b === undefined ? y : tf.add(y, b);
    }
    const [Ho, Wo] = [rows.out, cols.out];
    const plane = extractPatches(x, rows, cols); // [B*D, Ho, Wo, kh*kw*Cin]
    const K2 = kh * kw * Cin;
    let cols3: tf.Tensor4D = tf.reshape(plane, [B, D, Ho * Wo, K2]); // [B, D, Ho*Wo, K2]
    if (kd !== 1 || sd !== 1) {
      cols3 = extractPatches(cols3, depth, { kernel: 1, stride: 1, padBefore: 0, out: Ho * Wo }); // [B, Do, Ho*Wo, kd*K2]
    }
    const y = linear(cols3, wm, b); // [B, Do, Ho*Wo, Cout]
    return tf.reshape(y, [B * depth.out, Ho, Wo, Cout]); // [B*Do, Ho, Wo, Cout]
  });
}
