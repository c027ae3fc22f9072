/**
 * Integer label maps as the losses need them: one-hot, and nearest down-sampling to the
 * resolution of an auxiliary head (eq. 9's `Y_λ`). Labels are constants of the loss (no
 * gradient flows into them), `[B*D, H, W]` int32 class indices `0..K-1`, channels-last
 * volumes folded as in runtime/model/README.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LossInputError } from './loss-input-error.ts';

/** `[B*D, H, W]` or `[B*D, H, W, 1]` → `[B*D, H, W]` int32. */
export function labelMap(y: tf.Tensor): tf.Tensor3D {
  if (y.rank === 4 && y.shape[3] === 1) return tf.reshape(tf.cast(y, 'int32'), y.shape.slice(0, 3) as [number, number, number]) as tf.Tensor3D;
  if (y.rank !== 3) throw new LossInputError(`labels of shape [${y.shape.join(', ')}]`, 'pass integer class maps [B*D, H, W] (or [B*D, H, W, 1])');
  return (y.dtype === 'int32' ? y : tf.cast(y, 'int32')) as tf.Tensor3D;
}

/** `[B*D, H, W]` → `[B*D, H, W, K]` float32 one-hot. */
export function oneHotLabels(y: tf.Tensor3D, classes: number): tf.Tensor4D {
  return tf.cast(tf.oneHot(y, classes), 'float32') as tf.Tensor4D;
}

/**
 * Nearest down-sampling by integer factors, taking the first element of each block
 * (PyTorch's `F.interpolate(mode='nearest')` for integer factors).
 * @param y `[B*D, H, W]` int32, `D` slices per sample
 * @returns `[B*D/fd, H/fh, W/fw]`
 */
export function downsampleLabels(y: tf.Tensor3D, D: number, fd: number, fh: number, fw: number): tf.Tensor3D {
  const [BD, H, W] = y.shape;
  if (H % fh !== 0 || W % fw !== 0 || D % fd !== 0 || BD % D !== 0) {
    throw new LossInputError(`labels [${y.shape.join(', ')}] (depth ${D}) cannot be reduced by ${fd}×${fh}×${fw}`, 'the label map must have the size of the model input');
  }
  return tf.tidy(() => {
    let t: tf.Tensor = tf.reshape(y, [BD * (H / fh), fh, W / fw, fw]); // [B*D*H', fh, W', fw]
    t = tf.slice(t, [0, 0, 0, 0], [BD * (H / fh), 1, W / fw, 1]); // [B*D*H', 1, W', 1]
    if (fd > 1) {
      t = tf.reshape(t, [BD / fd, fd, (H / fh) * (W / fw)]); // [B*D', fd, H'*W']
      t = tf.slice(t, [0, 0, 0], [BD / fd, 1, (H / fh) * (W / fw)]); // [B*D', 1, H'*W']
    }
    return tf.reshape(t, [BD / fd, H / fh, W / fw]) as tf.Tensor3D; // [B*D', H', W']
  });
}
