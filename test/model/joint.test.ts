/**
 * Joint architectures (App. E.1, Fig. 3): which variables each modality's forward pass
 * reaches, which are shared, which are per modality; and that every trained variable
 * gets a gradient from eq. (12).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel, type SegmentationModel } from '../../runtime/model/build-model.ts';
import { ModelConfigError } from '../../runtime/model/model-config-error.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import type { LossIR, ModelIR } from '../../schemas/run-ir.schema.ts';

const loss: LossIR = { seg: { ce: 0.5, dice: 0.5 }, aux: { weight: 0.4, ce: 1, dice: 1 }, mcr: { weight: 0.1 }, icr: { weight: 0.1, tau: 4 } };

function tinyModel(joint: ModelIR['joint']): SegmentationModel {
  const ir: ModelIR = { backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint, inChannels: 3, numClasses: 3, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false };
  return buildModel(ir, { crop: [8, 8], modalities: ['ct', 'mri'], seed: 5, loss, variableNamespace: `${joint}/` });
}

const batch = (seed: number) => ({
  x: tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
  y: tf.randomUniform([2, 8, 8], 0, 3, 'int32', seed),
});

/** Variables with a non-zero gradient from modality `m`'s forward pass alone. */
function reached(model: SegmentationModel, m: string): Set<string> {
  const b = batch(1);
  const byId = new Map([...model.namedVariables].map(([n, v]) => [v.name, n]));
  const out = new Set<string>();
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const r = model.forward(b.x, m, { training: true });
      const terms = [tf.sum(tf.square(r.logits)), ...r.aux.map((a) => tf.sum(tf.square(a))), ...r.E.map((e) => tf.sum(tf.square(e)))];
      return tf.addN(terms) as tf.Scalar;
    }, model.trainableVariables);
    for (const [id, g] of Object.entries(grads)) if (tf.max(tf.abs(g)).dataSync()[0]! > 0) out.add(byId.get(id)!);
  });
  b.x.dispose();
  b.y.dispose();
  return out;
}

const groups = (names: Iterable<string>) => [...new Set([...names].map((n) => n.split('/').slice(0, 2).join('/')))].sort();

beforeAll(async () => {
  await initBackend('cpu');
});

describe('parameter sharing per joint variant', () => {
  const models: SegmentationModel[] = [];
  afterAll(() => models.forEach((m) => m.dispose()));
  const make = (j: ModelIR['joint']) => {
    const m = tinyModel(j);
    models.push(m);
    return m;
  };

  it('separate: nothing shared', () => {
    const m = make('separate');
    expect(groups(m.namedVariables.keys())).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/decoder', 'ct/eam1', 'ct/embedding', 'ct/encoder', 'mri/aux1', 'mri/class_embedding', 'mri/decoder', 'mri/eam1', 'mri/embedding', 'mri/encoder']);
    expect(groups(reached(m, 'ct'))).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/decoder', 'ct/eam1', 'ct/embedding', 'ct/encoder']);
  });

  it('v1: per-modality encoders and EAMs, one shared decoder', () => {
    const m = make('v1');
    expect(groups(m.namedVariables.keys())).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/eam1', 'ct/embedding', 'ct/encoder', 'mri/aux1', 'mri/class_embedding', 'mri/eam1', 'mri/embedding', 'mri/encoder', 'shared/decoder']);
    expect(groups(reached(m, 'mri'))).toEqual(['mri/aux1', 'mri/class_embedding', 'mri/eam1', 'mri/embedding', 'mri/encoder', 'shared/decoder']);
    const p = m.modules.paths;
    expect(p.get('ct')!.decoder).toBe(p.get('mri')!.decoder);
    expect(p.get('ct')!.encoder).not.toBe(p.get('mri')!.encoder);
  });

  it('v2: shared encoder and decoder, EAMs and Q per modality; Q reaches no backbone weight', () => {
    const m = make('v2');
    expect(groups(m.namedVariables.keys())).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/eam1', 'ct/embedding', 'mri/aux1', 'mri/class_embedding', 'mri/eam1', 'mri/embedding', 'shared/decoder', 'shared/encoder']);
    expect(groups(reached(m, 'ct'))).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/eam1', 'ct/embedding', 'shared/decoder', 'shared/encoder']);
    const p = m.modules.paths;
    expect(p.get('ct')!.encoder).toBe(p.get('mri')!.encoder);
    expect(p.get('ct')!.eams[0]!.eam).not.toBe(p.get('mri')!.eams[0]!.eam);
  });

  it('v3: v2 plus shared channel-modulation projections, one W2/W3 per block', () => {
    const m = make('v3');
    expect(groups(m.namedVariables.keys())).toEqual(['ct/aux1', 'ct/class_embedding', 'ct/eam1', 'ct/embedding', 'mri/aux1', 'mri/class_embedding', 'mri/eam1', 'mri/embedding', 'shared/decoder', 'shared/encoder', 'shared/modulation']);
    const blocks = [...m.namedVariables.keys()].filter((n) => /^shared\/(en|de)coder\/stage\d+\/block\d+\/norm1\/gamma$/.test(n)).length;
    expect([...m.namedVariables.keys()].filter((n) => n.startsWith('shared/modulation/') && n.endsWith('/w2')).length).toBe(blocks);
    expect(groups(reached(m, 'mri'))).toEqual(['mri/aux1', 'mri/class_embedding', 'mri/eam1', 'mri/embedding', 'shared/decoder', 'shared/encoder', 'shared/modulation']);
  });

  it('v3 channel scales differ per modality: the same image gives different logits for ct and mri', () => {
    const m = models.find((x) => x.ir.joint === 'v3')!;
    const d = tf.tidy(() => {
      const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const ct = m.forward(x, 'ct').logits;
      const mri = m.forward(x, 'mri').logits;
      return tf.max(tf.abs(tf.sub(ct, mri))).dataSync()[0]!;
    });
    expect(d).toBeGreaterThan(1e-6);
  });

  it('eq. (12) reaches every trainable variable in every variant', () => {
    for (const m of models) {
      const a = batch(7);
      const b = batch(8);
      const missing = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => m.computeLosses({ ct: a, mri: b }, 0).total, m.trainableVariables);
        return m.trainableVariables.filter((v) => !grads[v.name] || tf.max(tf.abs(grads[v.name]!)).dataSync()[0] === 0).map((v) => v.name);
      });
      expect(missing, m.ir.joint).toEqual([]);
      tf.dispose([a.x, a.y, b.x, b.y]);
    }
  });

  it('rejects v3 without class embeddings, a modality called shared, and unknown modalities', () => {
    const ir: ModelIR = { backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint: 'v3', inChannels: 3, numClasses: 3, eam: null, classEmbedding: false, keepQueryAtInference: false };
    expect(() => buildModel(ir, { crop: [8, 8], modalities: ['ct'], seed: 1 })).toThrow(ModelConfigError);
    expect(() => buildModel({ ...ir, joint: 'v2' }, { crop: [8, 8], modalities: ['shared'], seed: 1 })).toThrow(/may not be called 'shared'/);
    const m = models[0]!;
    expect(() => m.forward(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, 'pet')).toThrow(/unknown modality 'pet'/);
    // tfjs variable names are the parameter names (checkpoints key on them): a second live model needs its own namespace
    expect(() => tinyModel(m.ir.joint)).toThrow(/tfjs variable 'separate\/ct\/class_embedding\/Q' already exists.*variableNamespace/);
    expect(m.namedVariables.get('ct/embedding/conv1/w')!.name).toBe('separate/ct/embedding/conv1/w');
  });
});

describe('configuration errors name the Run IR path', () => {
  it('window, heads and EAM scale', () => {
    const base: ModelIR = { backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint: 'v2', inChannels: 3, numClasses: 3, eam: null, classEmbedding: true, keepQueryAtInference: false };
    const err = (ir: ModelIR, crop: number[]) => {
      try {
        buildModel(ir, { crop, modalities: ['ct'], seed: 1, variableNamespace: 'err/' }).dispose();
      } catch (e) {
        return e as ModelConfigError;
      }
      throw new Error('expected a ModelConfigError');
    };
    const w = err({ ...base, backbone: { ...(base.backbone as Extract<ModelIR['backbone'], { kind: 'swin_unet' }>), window: [5, 5] } }, [24, 24]);
    expect(w.irPath).toBe('model.backbone.window');
    expect(w.message).toMatch(/window 5×5 does not divide the token grid 12×12/);
    expect(err({ ...base, backbone: { ...(base.backbone as Extract<ModelIR['backbone'], { kind: 'swin_unet' }>), heads: [3, 2] } }, [8, 8]).irPath).toBe('model.backbone.heads');
    expect(err({ ...base, eam: { stages: [2], heads: 2 } }, [8, 8]).irPath).toBe('model.eam.stages');
    expect(err(base, [10, 10]).irPath).toBe('data.crop');
  });
});
