/** CE, soft Dice, eq. (9) auxiliary loss and eq. (12) total against naive loops. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { auxLoss } from '../../runtime/losses/aux-loss.ts';
import { crossEntropy } from '../../runtime/losses/cross-entropy.ts';
import { diceLoss } from '../../runtime/losses/dice-loss.ts';
import { downsampleLabels } from '../../runtime/losses/labels.ts';
import { LossInputError } from '../../runtime/losses/loss-input-error.ts';
import { totalLoss } from '../../runtime/losses/total-loss.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

const value = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]!);

let s = 777;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1) * 3;

function naiveSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

// 2 samples of 3×2 pixels, 3 classes
const [BD, H, W, K] = [2, 3, 2, 3];
const logits = Array.from({ length: BD * H * W * K }, rand);
const labels = [0, 1, 2, 2, 1, 0, 1, 1, 0, 2, 2, 2];
const probs = Array.from({ length: BD * H * W }, (_, p) => naiveSoftmax(logits.slice(p * K, (p + 1) * K)));

describe('crossEntropy', () => {
  it('is the mean over pixels of -log p[label]', () => {
    const expected = -labels.reduce((acc, y, p) => acc + Math.log(probs[p]![y]!), 0) / labels.length;
    expect(value(() => crossEntropy(tf.tensor4d(logits, [BD, H, W, K]), tf.tensor3d(labels, [BD, H, W], 'int32')))).toBeCloseTo(expected, 5);
  });

  it('names both shapes when labels do not fit', () => {
    expect(() => crossEntropy(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([1, 4, 4], 'int32'))).toThrow(/logits \[1, 2, 2, 3\] and labels \[1, 4, 4\] differ/);
  });
});

describe('diceLoss', () => {
  it('is 1 - (2Σpg + s)/(Σp + Σg + s) per class, pooled over the batch, averaged over classes', () => {
    const smooth = 1e-5;
    let perClass = 0;
    for (let c = 0; c < K; c++) {
      let inter = 0;
      let sp = 0;
      let sg = 0;
      labels.forEach((y, p) => {
        inter += probs[p]![c]! * (y === c ? 1 : 0);
        sp += probs[p]![c]!;
        sg += y === c ? 1 : 0;
      });
      perClass += 1 - (2 * inter + smooth) / (sp + sg + smooth);
    }
    expect(value(() => diceLoss(tf.tensor4d(logits, [BD, H, W, K]), tf.tensor3d(labels, [BD, H, W], 'int32')))).toBeCloseTo(perClass / K, 5);
  });

  it('is ≈ 0 for a confident correct prediction, and ignores the background when asked', () => {
    const y = tf.tensor3d([0, 1, 1, 2], [1, 2, 2], 'int32');
    const confident = tf.mul(tf.cast(tf.oneHot(y, 3), 'float32'), 50) as tf.Tensor4D;
    expect(value(() => diceLoss(confident, y))).toBeLessThan(1e-6);
    // background predicted everywhere: class 0 scores 2·1/(4+1) → 0.6 loss, classes 1, 2 → 1
    const allBackground = tf.mul(tf.cast(tf.oneHot(tf.zeros([1, 2, 2], 'int32') as tf.Tensor3D, 3), 'float32'), 50) as tf.Tensor4D;
    expect(value(() => diceLoss(allBackground, y))).toBeCloseTo((0.6 + 1 + 1) / 3, 4);
    expect(value(() => diceLoss(allBackground, y, { includeBackground: false }))).toBeCloseTo(1, 4);
  });
});

describe('auxiliary loss (eq. 9)', () => {
  it('down-samples labels by taking the first element of each block, per axis and per sample depth', () => {
    // 2 samples × depth 2, 4×4 pixels; value = sample*1000 + z*100 + y*10 + x
    const vals: number[] = [];
    for (let b = 0; b < 2; b++) for (let z = 0; z < 2; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) vals.push(b * 1000 + z * 100 + y * 10 + x);
    const out = tf.tidy(() => downsampleLabels(tf.tensor3d(vals, [4, 4, 4], 'int32'), 2, 2, 2, 2).arraySync());
    expect(out).toEqual([
      [[0, 2], [20, 22]],
      [[1000, 1002], [1020, 1022]],
    ]);
  });

  it('sums ce·CE + dice·DSC over scales against the down-sampled labels', () => {
    const y = tf.tensor3d(labels.concat(labels).slice(0, 2 * 2 * 4), [2, 2, 4], 'int32');
    const half = tf.tensor4d(Array.from({ length: 2 * 1 * 2 * K }, rand), [2, 1, 2, K]);
    const full = tf.tensor4d(Array.from({ length: 2 * 2 * 4 * K }, rand), [2, 2, 4, K]);
    const yHalf = downsampleLabels(y, 1, 1, 2, 2);
    const expected = value(() => tf.addN([tf.mul(crossEntropy(half, yHalf), 0.3), tf.mul(diceLoss(half, yHalf), 0.7), tf.mul(crossEntropy(full, y), 0.3), tf.mul(diceLoss(full, y), 0.7)]));
    expect(value(() => auxLoss([half, full], y, 1, { ce: 0.3, dice: 0.7 }))).toBeCloseTo(expected, 5);
  });
});

describe('total loss (eq. 12)', () => {
  it('adds seg + α·aux + β·mcr + γ·icr and reports each unweighted term', () => {
    const y = tf.tensor3d(labels, [BD, H, W], 'int32');
    const lg = tf.tensor4d(logits, [BD, H, W, K]);
    const Qa = tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
    const Qb = tf.tensor2d([[0, 1], [0, 1], [1, 1]]);
    const Ea = [tf.tensor3d([[[0, 1, 0], [1, 0, 0], [0, 0, 1]]])];
    const Eb = [tf.tensor3d([[[1, 0, 0], [1, 0, 0], [0, 1, 0]]])];
    const aux = [tf.tensor4d(Array.from({ length: BD * 3 * 2 * K }, rand), [BD, 3, 2, K])];
    const input = (modality: string, Q: tf.Tensor2D, E: tf.Tensor3D[]) => ({ modality, logits: lg, labels: y, depth: 1, aux, E, Q });
    const loss = { seg: { ce: 0.4, dice: 0.6 }, aux: { weight: 0.5, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.2, tau: 4 } };
    const out = totalLoss([input('ct', Qa, Ea), input('mri', Qb, Eb)], loss);
    expect(Object.keys(out.terms).sort()).toEqual(['aux/ct', 'aux/mri', 'icr', 'mcr', 'seg/ct', 'seg/mri']);
    const t = Object.fromEntries(Object.entries(out.terms).map(([k, v]) => [k, v.dataSync()[0]!]));
    expect(t['seg/ct']).toBeCloseTo(value(() => tf.add(tf.mul(crossEntropy(lg, y), 0.4), tf.mul(diceLoss(lg, y), 0.6))), 5);
    expect(t.mcr).toBeCloseTo(1, 5); // row 0 orthogonal, rows 1 and 2 parallel
    const expected = t['seg/ct']! + t['seg/mri']! + 0.5 * (t['aux/ct']! + t['aux/mri']!) + 0.1 * t.mcr! + 0.2 * t.icr!;
    expect(out.total.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('skips null terms, and says what is missing when aux has no heads', () => {
    const y = tf.tensor3d(labels, [BD, H, W], 'int32');
    const lg = tf.tensor4d(logits, [BD, H, W, K]);
    const only = totalLoss([{ modality: 'ct', logits: lg, labels: y, depth: 1, aux: [], E: [], Q: undefined }], { seg: { ce: 1, dice: 0 }, aux: null, mcr: null, icr: null });
    expect(Object.keys(only.terms)).toEqual(['seg/ct']);
    expect(() => totalLoss([{ modality: 'ct', logits: lg, labels: y, depth: 1, aux: [], E: [], Q: undefined }], { seg: { ce: 1, dice: 0 }, aux: { weight: 1, ce: 1, dice: 1 }, mcr: null, icr: null })).toThrow(LossInputError);
  });
});
