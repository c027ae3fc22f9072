/**
 * Stochastic depth ("drop path", Huang et al. 2016), as Swin-Unet and nnFormer use it:
 * in training, a residual branch is zeroed per sample with probability `rate` and the
 * kept samples are scaled by `1 / (1 - rate)`. The per-sample draws come from a seeded
 * generator in JS, so a given (seed, step, block) always drops the same samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';

/** Where the draws of one forward pass come from; undefined means evaluation mode. */
export interface DropPathSource {
  /** A generator for the named block (seeded by the caller from seed, step and name). */
  forBlock(name: string): () => number;
}

/** A `DropPathSource` seeded by `${seed}:${step}:${block}`. */
export function seededDropPath(seed: number, step: number): DropPathSource {
  return { forBlock: (name) => seedrandom(`${seed}:${step}:${name}`) };
}

/**
 * @param x `[B*D, H, W, C]` a residual branch, `D` rows per sample
 * @returns `x` with whole samples zeroed and the rest scaled; `x` itself when `rate` is 0
 *   or `rng` is undefined
 */
export function dropPath(x: tf.Tensor4D, D: number, rate: number, rng: (() => number) | undefined): tf.Tensor4D {
  if (rate <= 0 || rng === undefined) return x;
  const BD = x.shape[0];
  const scale = new Float32Array(BD);
  for (let b = 0; b < BD / D; b++) {
    const keep = rng() >= rate ? 1 / (1 - rate) : 0;
    scale.fill(keep, b * D, (b + 1) * D);
  }
  return tf.mul(x, tf.tensor4d(scale, [BD, 1, 1, 1]));
}
