/**
 * Bilinear resizing as two matmuls with constant interpolation matrices, so its gradient
 * is right on every backend. tfjs's own ResizeBilinear gradient ignores
 * `halfPixelCenters` (the convention of PyTorch's `align_corners=False`, which upsampling
 * heads use) on every backend, and the cpu backend's gradient fails for non-square
 * images (it swaps H and W); see test/ops/resize-bilinear.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from './matmul.ts';
import { OpShapeError, shapeText } from './op-shape-error.ts';

/**
 * `[outSize, inSize]` row-stochastic matrix of 1D linear interpolation.
 * Half-pixel centres (default, PyTorch `align_corners=False`): source coordinate
 * `(o + 0.5)·in/out − 0.5`, clamped to the edge; `alignCorners`: `o·(in−1)/(out−1)`.
 */
export function interpolationMatrix(inSize: number, outSize: number, alignCorners = false): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    let src = alignCorners ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : ((o + 0.5) * inSize) / outSize - 0.5;
    src = Math.min(Math.max(src, 0), inSize - 1);
    const i0 = Math.floor(src);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const f = src - i0;
    m[o * inSize + i0] += 1 - f;
    m[o * inSize + i1] += f;
  }
  return m;
}

/**
 * Bilinear resize of a channels-last image.
 * @param x `[B, H, W, C]`
 * @param size `[Ho, Wo]`
 * @param alignCorners default false: half-pixel centres, as PyTorch `align_corners=False`
 *   and `tf.image.resizeBilinear(x, size, false, true)`
 * @returns `[B, Ho, Wo, C]`
 */
export function resizeBilinear(x: tf.Tensor4D, size: [number, number], alignCorners = false): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const [Ho, Wo] = size;
  if (x.rank !== 4 || !(Ho > 0 && Wo > 0 && Number.isInteger(Ho) && Number.isInteger(Wo))) {
    throw new OpShapeError('resizeBilinear', `x ${shapeText(x.shape)} to ${Ho}×${Wo}`, 'x must be [B, H, W, C] and the size two positive integers');
  }
  return tf.tidy(() => {
    const rhT = tf.transpose(tf.tensor2d(interpolationMatrix(H, Ho, alignCorners), [Ho, H])); // [H, Ho]
    const rwT = tf.transpose(tf.tensor2d(interpolationMatrix(W, Wo, alignCorners), [Wo, W])); // [W, Wo]
    // rows: interpolate along H as [B*W*C, H] @ [H, Ho] (the small matrix is the XNNPACK weight)
    const a = tf.reshape(tf.transpose(tf.reshape(x, [B, H, W * C]), [0, 2, 1]), [B * W * C, H]); // [B*W*C, H]
    const ra = tf.reshape(matmul(a, rhT), [B, W * C, Ho]); // [B, W*C, Ho]
    const rows = tf.reshape(tf.transpose(ra, [0, 2, 1]), [B * Ho, W, C]); // [B*Ho, W, C]
    // columns: along W as [B*Ho*C, W] @ [W, Wo]
    const b = tf.reshape(tf.transpose(rows, [0, 2, 1]), [B * Ho * C, W]); // [B*Ho*C, W]
    const rb = tf.reshape(matmul(b, rwT), [B * Ho, C, Wo]); // [B*Ho, C, Wo]
    return tf.reshape(tf.transpose(rb, [0, 2, 1]), [B, Ho, Wo, C]); // [B, Ho, Wo, C]
  });
}
