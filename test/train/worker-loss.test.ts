/**
 * eq. (12) split across workers (`totalLoss`'s `owned`, `computeLosses`'s exchange): each
 * worker differentiates its own modality's terms and the pair terms through its side only,
 * with the other modality's Q and E as constants. The workers' gradients must sum to the
 * gradient of the whole objective, and their reported terms to its value.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import type { CouplingInput } from '../../runtime/losses/total-loss.ts';
import { buildModel, type SegmentationModel } from '../../runtime/model/build-model.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import type { LossIR, ModelIR } from '../../schemas/run-ir.schema.ts';

const loss: LossIR = { seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.3 }, icr: { weight: 0.2, tau: 2 } };
const ir: ModelIR = { backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint: 'v3', inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false };

let model: SegmentationModel;
const batches = () => ({
  ct: { x: tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D, y: tf.randomUniform([2, 16, 16], 0, 3, 'int32', 4) },
  mri: { x: tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D, y: tf.randomUniform([2, 16, 16], 0, 3, 'int32', 6) },
});

beforeAll(async () => {
  await initBackend('cpu');
  model = buildModel(ir, { crop: [16, 16], modalities: ['ct', 'mri'], seed: 9, loss });
});
afterAll(() => model?.dispose());

/** One modality's Q and E from a training forward pass, as plain constants. */
function couplingOf(modality: 'ct' | 'mri', step: number): CouplingInput {
  return tf.tidy(() => {
    const b = batches()[modality];
    const out = model.forward(b.x, modality, { training: true, step });
    return { modality, Q: tf.keep(tf.clone(out.Q!)), E: out.E.map((e) => tf.keep(tf.clone(e))) };
  });
}

describe('eq. (12) split by modality', () => {
  it('the two workers’ gradients sum to the whole gradient, their reports to the whole loss', () => {
    const step = 3;
    const full = tf.variableGrads(() => model.computeLosses(batches(), step).total, model.trainableVariables);
    const fullTerms = tf.tidy(() => model.computeLosses(batches(), step).terms);
    const peer = { ct: couplingOf('ct', step), mri: couplingOf('mri', step) };
    const parts = (['ct', 'mri'] as const).map((m) => {
      const other = m === 'ct' ? 'mri' : 'ct';
      let reported = NaN;
      let terms: Record<string, number> = {};
      const g = tf.variableGrads(() => {
        const out = model.computeLosses({ [m]: batches()[m] }, step, { exchange: () => [peer[other]] });
        reported = out.reported.dataSync()[0]!;
        terms = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, t.dataSync()[0]!]));
        return out.total;
      }, model.trainableVariables);
      return { g, reported, terms };
    });
    // pair terms are reported once, by the owner of the first modality (ct)
    expect(Object.keys(parts[0]!.terms).sort()).toEqual(['aux/ct', 'icr', 'mcr', 'seg/ct']);
    expect(Object.keys(parts[1]!.terms).sort()).toEqual(['aux/mri', 'seg/mri']);
    for (const [k, t] of Object.entries(fullTerms)) {
      const v = parts[0]!.terms[k] ?? parts[1]!.terms[k];
      expect(v, k).toBeCloseTo(t.dataSync()[0]!, 5);
    }
    expect(parts[0]!.reported + parts[1]!.reported).toBeCloseTo(full.value.dataSync()[0]!, 5);
    let compared = 0;
    for (const v of model.trainableVariables) {
      const want = full.grads[v.name]!.dataSync();
      const a = parts[0]!.g.grads[v.name]?.dataSync();
      const b = parts[1]!.g.grads[v.name]?.dataSync();
      const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) {
        const sum = (a?.[i] ?? 0) + (b?.[i] ?? 0);
        if (Math.abs(sum - want[i]!) > 1e-4 * scale) throw new Error(`${v.name}[${i}]: workers sum to ${sum}, whole gradient ${want[i]}`);
      }
      compared++;
    }
    expect(compared).toBe(model.trainableVariables.length);
    // CT's class embeddings are constants on the MRI worker: only the CT worker differentiates them
    const ctQ = model.trainableVariables.find((v) => v.name.startsWith('ct/class_embedding'))!.name;
    expect(parts[0]!.g.grads[ctQ]).toBeDefined();
    expect(parts[1]!.g.grads[ctQ]).toBeUndefined();
    tf.dispose([full.value, full.grads, fullTerms, parts.map((p) => [p.g.value, p.g.grads]), peer.ct.Q!, [...peer.ct.E], peer.mri.Q!, [...peer.mri.E]]);
  });
});
