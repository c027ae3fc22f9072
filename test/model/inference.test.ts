/**
 * Inference without EAMs (§2.1, App. B): the inference model holds no EAM, auxiliary-head
 * or class-embedding parameters (unless V3 keeps its query) and gives the training
 * graph's main-head logits; saved and loaded, it gives them again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel, type SegmentationModel } from '../../runtime/model/build-model.ts';
import { loadInferenceModel, saveInferenceModel, WeightsFileError } from '../../runtime/model/parameters.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-inference-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await initBackend('cpu');
});

function model(joint: ModelIR['joint'], keep: boolean, dims: 2 | 3 = 2): SegmentationModel {
  const ir: ModelIR = {
    backbone: dims === 2 ? BACKBONE_VARIANTS.swin_unet_tiny! : BACKBONE_VARIANTS.nnformer_tiny!,
    joint, inChannels: 1, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: keep,
  };
  return buildModel(ir, { crop: dims === 2 ? [8, 8] : [8, 8, 8], modalities: ['ct', 'mri'], seed: 9 });
}

/** Make the trained-looking state: every variable moved away from its initial value. */
function perturb(m: SegmentationModel): void {
  let seed = 1;
  for (const v of m.trainableVariables) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', seed++))));
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

const cases: [ModelIR['joint'], boolean, 2 | 3][] = [
  ['separate', false, 2],
  ['v1', false, 2],
  ['v2', false, 2],
  ['v3', false, 2],
  ['v3', true, 2],
  ['v3', false, 3],
];

describe('inferenceModel()', () => {
  for (const [joint, keep, dims] of cases) {
    it(`${dims}D ${joint}${keep ? ' (query kept)' : ''}: no training-only weights, same logits, same after save/load`, async () => {
      const m = model(joint, keep, dims);
      perturb(m);
      const inf = m.inferenceModel();
      const names = [...inf.weights.keys()];
      expect(names.filter((n) => /\/(eam|aux)\d/.test(n))).toEqual([]);
      const queryNames = names.filter((n) => n.includes('/class_embedding/') || n.startsWith('shared/modulation/'));
      if (keep) expect(queryNames.length).toBeGreaterThan(0);
      else expect(queryNames).toEqual([]);
      if (joint === 'v3' && !keep) expect(names.some((n) => /^mri\/modulation\/.+\/phi1$/.test(n))).toBe(true);

      const x = tf.randomNormal(dims === 2 ? [2, 8, 8, 1] : [8, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
      for (const mod of ['ct', 'mri']) {
        const a = tf.tidy(() => m.forward(x, mod, { training: true }).logits);
        const b = tf.tidy(() => inf.predict(x, mod));
        const c = tf.tidy(() => m.forward(x, mod).logits);
        expect(maxDiff(b, c)).toBe(0);
        // drop path is 0 in the tiny configs, so training mode gives the same main head
        expect(maxDiff(a, b)).toBeLessThan(1e-6);
        tf.dispose([a, b, c]);
      }
      const folder = join(dir, `${dims}d-${joint}-${keep}`);
      await saveInferenceModel(inf, folder);
      const loaded = await loadInferenceModel(folder);
      expect(loaded.parameterCount()).toBe(inf.parameterCount());
      expect([...loaded.weights.keys()].sort()).toEqual([...names].sort());
      for (const mod of ['ct', 'mri']) {
        const b = tf.tidy(() => inf.predict(x, mod));
        const d = tf.tidy(() => loaded.predict(x, mod));
        expect(maxDiff(b, d)).toBe(0);
        tf.dispose([b, d]);
      }
      loaded.dispose();
      inf.dispose();
      m.dispose();
      x.dispose();
    });
  }

  it('holds fewer parameters than the training model by exactly the EAMs, aux heads and queries', () => {
    const m = model('v2', false);
    const inf = m.inferenceModel();
    const dropped = [...m.namedVariables].filter(([n]) => /\/(eam|aux)\d|\/class_embedding\//.test(n)).reduce((s, [, v]) => s + v.size, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(inf.parameterCount()).toBe(m.parameterCount() - dropped);
    inf.dispose();
    m.dispose();
  });

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    const m = model('v3', false);
    const inf = m.inferenceModel();
    tf.tidy(() => {
      inf.predict(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, 'ct');
      m.forward(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, 'mri', { training: true });
    });
    inf.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadInferenceModel errors', () => {
  it('names the file and the problem', async () => {
    await expect(loadInferenceModel(join(dir, 'missing'))).rejects.toThrow(/model\.json: not found/);
    const m = model('v2', false);
    const inf = m.inferenceModel();
    const folder = join(dir, 'truncated');
    await saveInferenceModel(inf, folder);
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(8));
    await expect(loadInferenceModel(folder)).rejects.toThrow(WeightsFileError);
    await expect(loadInferenceModel(folder)).rejects.toThrow(/truncated/);
    inf.dispose();
    m.dispose();
  });
});
