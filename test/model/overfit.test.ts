/**
 * A tiny Joint V3 model with every loss term on (seg, aux, L_mcr, L_icr) overfits one
 * fixed CT batch and one fixed MRI batch on the wasm backend: the total of eq. (12) falls
 * by ≥ 90% within a bounded number of Adam steps. A model-level check that gradients flow
 * through every part (the training loop has its own tests).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel } from '../../runtime/model/build-model.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';

/** A disc (class 1) and a bar (class 2) on background; CT bright, MRI inverted. One sample. */
function phantom(modality: 'ct' | 'mri', shift: number): { x: tf.Tensor4D; y: tf.Tensor3D } {
  const [B, S] = [1, 16];
  const labels = new Int32Array(B * S * S);
  const image = new Float32Array(B * S * S);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) {
        const p = (b * S + i) * S + j;
        const disc = (i - 6 - b - shift) ** 2 + (j - 6 + b) ** 2 < 12;
        const bar = i > 11 && j > 3 + b && j < 13;
        labels[p] = disc ? 1 : bar ? 2 : 0;
        const v = labels[p]!;
        image[p] = modality === 'ct' ? v * 1.0 + 0.1 * Math.sin(p) : 1.5 - v * 0.7 + 0.1 * Math.cos(p);
      }
    }
  }
  return { x: tf.tensor4d(image, [B, S, S, 1]), y: tf.tensor3d(labels, [B, S, S], 'int32') };
}

it('tiny V3 + CR: the eq. (12) total falls by ≥ 90% on one batch per modality (wasm)', async () => {
  await initBackend('wasm');
  const model = buildModel(
    { backbone: { ...BACKBONE_VARIANTS.swin_unet_tiny!, embed: 8, heads: [2, 2] }, joint: 'v3', inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false },
    { crop: [16, 16], modalities: ['ct', 'mri'], seed: 4, loss: { seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.1, tau: 4 } } },
  );
  const batches = { ct: phantom('ct', 0), mri: phantom('mri', 1) };
  const optimizer = tf.train.adam(0.02);
  const losses: number[] = [];
  for (let step = 0; step < 150; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.computeLosses(batches, step).total, model.trainableVariables);
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      return value.dataSync()[0]!;
    });
    losses.push(loss);
    if (loss < 0.1 * losses[0]!) break;
  }
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]!).toBeLessThan(0.1 * losses[0]!);
  optimizer.dispose();
  model.dispose();
  tf.dispose([batches.ct.x, batches.ct.y, batches.mri.x, batches.mri.y]);
}, 120_000);
