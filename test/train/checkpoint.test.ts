import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, restoreVariables, saveCheckpoint } from '../../runtime/train/checkpoint.ts';
import { clipByGlobalNorm } from '../../runtime/train/clip-gradients.ts';
import { assertFiniteLosses, NonFiniteLossError } from '../../runtime/train/non-finite-guard.ts';
import { Sgd } from '../../runtime/train/optimizer.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('checkpoints', () => {
  it('round-trips variables, optimizer slots and loop position, replacing the previous one', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'ablate-ckpt-')), 'last');
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]), true, 'ckpt_w');
    const opt = new Sgd([w], { momentum: 0.9, nesterov: false, weightDecay: 0 });
    tf.tidy(() => opt.apply({ [w.name]: tf.ones([2, 2]) }, 0.1));
    await saveCheckpoint(dir, [w], opt.getState(), { specHash: 'a'.repeat(64), step: 1, epoch: 0, extra: { rng: 7 } });
    tf.tidy(() => opt.apply({ [w.name]: tf.ones([2, 2]) }, 0.1));
    await saveCheckpoint(dir, [w], opt.getState(), { specHash: 'a'.repeat(64), step: 2, epoch: 0, extra: { rng: 8 } });
    expect(await readdir(path.dirname(dir))).toEqual(['last']);

    const loaded = await loadCheckpoint(dir);
    expect(loaded?.meta).toEqual({ specHash: 'a'.repeat(64), step: 2, epoch: 0, optimizerStep: 2, extra: { rng: 8 } });
    const w2 = tf.variable(tf.zeros([2, 2]), true, 'ckpt_w2');
    restoreVariables(dir, [w2], new Map([['ckpt_w2', loaded!.model.get('ckpt_w')!]]));
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(Array.from(loaded!.optimizer.slots.get('velocity/ckpt_w')!.dataSync())).toEqual([1.9, 1.9, 1.9, 1.9].map((x) => Math.fround(x)));
  });

  it('reports a truncated tensor file and a shape mismatch with the folder name', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'ablate-ckpt-')), 'c');
    const w = tf.variable(tf.ones([3]), true, 'ckpt_t');
    await saveCheckpoint(dir, [w], { step: 0, slots: new Map() }, { specHash: 'b'.repeat(64), step: 0, epoch: 0, extra: {} });
    const loaded = await loadCheckpoint(dir);
    const other = tf.variable(tf.ones([4]), true, 'ckpt_t4');
    expect(() => restoreVariables(dir, [other], new Map([['ckpt_t4', loaded!.model.get('ckpt_t')!]]))).toThrow(
      /shape \[3\] in the checkpoint but \[4\] in the model/,
    );
    await writeFile(path.join(dir, 'tensors.bin'), Buffer.alloc(4));
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/tensors.bin is truncated/);
    expect(await loadCheckpoint(path.join(dir, 'missing'))).toBeNull();
  });
});

describe('gradient clipping and the non-finite guard', () => {
  it('scales by maxNorm / ‖g‖ when the global norm exceeds it', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(clipped.a!.dataSync()[0]).toBeCloseTo(0.6, 5);
    expect(clipped.b!.dataSync()[1]).toBeCloseTo(0.8, 5);
    const untouched = clipByGlobalNorm(grads, 10);
    expect(Array.from(untouched.grads.b!.dataSync())).toEqual([0, 4]);
  });

  it('names the term and the configuring line', () => {
    const locate = (p: string) => (p === 'loss.icr' ? 'cardiac.abl:12:9' : undefined);
    expect(() => assertFiniteLosses({ 'seg/ct': 0.5, 'icr': Number.NaN }, 17, locate)).toThrow(
      "loss term 'icr' became NaN at step 17 (configured at cardiac.abl:12:9)",
    );
    try {
      assertFiniteLosses({ 'seg/mri': Infinity }, 3);
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteLossError);
      expect((e as NonFiniteLossError).term).toBe('seg/mri');
    }
    expect(() => assertFiniteLosses({ a: 1, b: 0 }, 0)).not.toThrow();
  });
});
