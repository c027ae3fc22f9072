/**
 * Trainable 2D convolution on every backend. wasm has no Conv2DBackpropFilter, so
 * `tf.conv2d` cannot be trained there; this op is patches + matmul, whose gradients
 * are slices, pads and matmuls.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear } from './matmul.ts';
import { extractPatches } from './patches.ts';
import { convStride1 } from './conv-stride1.ts';
import { planAxis, perAxis, type ConvPadding } from './conv-geometry.ts';
import { spaceToDepth2d } from './space-to-depth.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** stride per axis `[sh, sw]` or one for both; default 1 */
  strides?: number | [number, number];
  /** TensorFlow 'same' or 'valid' padding; default 'same' */
  padding?: ConvPadding;
}

/**
 * Channels-last 2D convolution (cross-correlation, as `tf.conv2d`), with a bias.
 *
 * Paths: a 1×1 kernel is a `linear` on (decimated) pixels; a kernel equal to the
 * stride over sizes it divides (patch embedding) is `spaceToDepth2d` + `linear`;
 * a stride-1 kernel is XNNPACK's Conv2D with a hand-written gradient
 * (`convStride1`); other strides are `extractPatches` (im2col) + `linear`.
 *
 * @param x `[B, H, W, Cin]`
 * @param w `[kh, kw, Cin, Cout]` (the `tf.conv2d` filter layout)
 * @param b `[Cout]`, optional
 * @returns `[B, Ho, Wo, Cout]`, `Ho = ceil(H/sh)` for 'same', `ceil((H-kh+1)/sh)` for 'valid'
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D, options: Conv2dOptions = {}): tf.Tensor4D {
  const [sh, sw] = perAxis(options.strides ?? 1, 2) as [number, number];
  const padding = options.padding ?? 'same';
  const [, H, W, Cin] = x.shape;
  const [kh, kw, wCin, Cout] = w.shape;
  if (x.rank !== 4 || w.rank !== 4 || wCin !== Cin) {
    throw new OpShapeError('conv2d', `x ${shapeText(x.shape)}, w ${shapeText(w.shape)}`, 'x must be [B, H, W, Cin] and w [kh, kw, Cin, Cout]');
  }
  const rows = { kernel: kh, stride: sh, ...planAxis(H, kh, sh, padding) };
  const cols = { kernel: kw, stride: sw, ...planAxis(W, kw, sw, padding) };
  if (rows.out <= 0 || cols.out <= 0) {
    throw new OpShapeError('conv2d', `x ${shapeText(x.shape)} is smaller than the kernel ${kh}×${kw}`, "use padding 'same' or a larger input");
  }
  return tf.tidy(() => {
    const wm = tf.reshape(w, [kh * kw * Cin, Cout]); // [kh*kw*Cin, Cout]
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1) return linear(x, wm, b) as tf.Tensor4D;
    if (kh === sh && kw === sw && H % sh === 0 && W % sw === 0) {
      return linear(spaceToDepth2d(x, sh, sw), wm, b) as tf.Tensor4D; // [B, H/sh, W/sw, Cout]
    }
    if (sh === 1 && sw === 1) {
      const y = convStride1(x, 1, tf.reshape(w, [1, kh, kw, Cin, Cout]), { kernel: 1, stride: 1, padBefore: 0, out: 1 }, rows, cols);
      return b === undefined ? y : tf.add(y, b); // [B, Ho, Wo, Cout]
    }
    const patches = extractPatches(x, rows, cols); // [B, Ho, Wo, kh*kw*Cin]
    return linear(patches, wm, b) as tf.Tensor4D; // [B, Ho, Wo, Cout]
  });
}
