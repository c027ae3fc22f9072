/**
 * The graph builder (pure data) and the tfjs model count parameters independently; every
 * module of the graph must hold exactly the runtime variables under its path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../compiler/graph/build-graph.ts';
import { walk } from '../../compiler/graph/model-graph.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { buildModel } from '../../runtime/model/build-model.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';

beforeAll(async () => {
  await initBackend('cpu');
});

interface Case {
  name: string;
  model: ModelIR;
  crop: number[];
  modalities: string[];
}

const eam = { stages: [1, 2], heads: 2 };
const tiny2d = BACKBONE_VARIANTS.swin_unet_tiny!;
const tiny3d = BACKBONE_VARIANTS.nnformer_tiny!;
const three2d: ModelIR['backbone'] = { ...(tiny2d as Extract<ModelIR['backbone'], { kind: 'swin_unet' }>), depths: [2, 1, 2], decoderDepths: [1, 2, 2], heads: [2, 2, 4], patch: [2, 2] as [number, number] };
const three3d: ModelIR['backbone'] = { ...(tiny3d as Extract<ModelIR['backbone'], { kind: 'nnformer' }>), depths: [1, 2, 1], decoderDepths: [2, 1, 1], heads: [2, 2, 4], window: [[2, 2, 2], [2, 2, 1]] as [number, number, number][] };

const cases: Case[] = [
  { name: '2D separate, no EAM', model: { backbone: tiny2d, joint: 'separate', inChannels: 3, numClasses: 4, eam: null, classEmbedding: false, keepQueryAtInference: false }, crop: [16, 16], modalities: ['ct'] },
  { name: '2D v1 + EAM at scale 1', model: { backbone: tiny2d, joint: 'v1', inChannels: 3, numClasses: 4, eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false }, crop: [16, 16], modalities: ['ct', 'mri'] },
  { name: '2D 3 stages v2 + EAMs 1..2', model: { backbone: three2d, joint: 'v2', inChannels: 3, numClasses: 5, eam, classEmbedding: true, keepQueryAtInference: false }, crop: [32, 32], modalities: ['ct', 'mri'] },
  { name: '2D 3 stages v3, Q folded', model: { backbone: three2d, joint: 'v3', inChannels: 1, numClasses: 3, eam, classEmbedding: true, keepQueryAtInference: false }, crop: [32, 32], modalities: ['ct', 'mri'] },
  { name: '2D 3 stages v3, Q kept', model: { backbone: three2d, joint: 'v3', inChannels: 1, numClasses: 3, eam, classEmbedding: true, keepQueryAtInference: true }, crop: [32, 32], modalities: ['ct', 'mri'] },
  { name: '2D EAM at scale 2 only (input reduction)', model: { backbone: three2d, joint: 'v2', inChannels: 3, numClasses: 4, eam: { stages: [2], heads: 2 }, classEmbedding: true, keepQueryAtInference: false }, crop: [32, 32], modalities: ['ct', 'mri'] },
  { name: '3D separate', model: { backbone: tiny3d, joint: 'separate', inChannels: 1, numClasses: 3, eam: null, classEmbedding: false, keepQueryAtInference: false }, crop: [8, 8, 8], modalities: ['ct', 'mri'] },
  { name: '3D 3 stages v3 + EAMs', model: { backbone: three3d, joint: 'v3', inChannels: 1, numClasses: 3, eam, classEmbedding: true, keepQueryAtInference: false }, crop: [16, 16, 8], modalities: ['ct', 'mri'] },
];

describe('graph parameter counts equal the tfjs model', () => {
  for (const c of cases) {
    it(c.name, () => {
      const graph = buildGraph(c);
      const m = buildModel(c.model, { crop: c.crop, modalities: c.modalities, seed: 3 });
      try {
        expect(m.parameterCount()).toBe(graph.training.params);
        const names = [...m.namedVariables.keys()];
        for (const node of walk(graph.modules)) {
          if (node.phase === 'inference') continue;
          const held = names.filter((n) => n === node.path || n.startsWith(`${node.path}/`)).reduce((s, n) => s + m.namedVariables.get(n)!.size, 0);
          expect(held, node.path).toBe(node.params);
        }
        const inf = m.inferenceModel();
        expect(inf.parameterCount()).toBe(graph.inference.params);
        inf.dispose();
      } finally {
        m.dispose();
      }
    });
  }

  it("Swin-Unet's reference configuration builds with 27,168,900 backbone parameters", () => {
    const model: ModelIR = { backbone: BACKBONE_VARIANTS.swin_unet_reference!, joint: 'separate', inChannels: 3, numClasses: 9, eam: null, classEmbedding: false, keepQueryAtInference: false };
    const m = buildModel(model, { crop: [224, 224], modalities: ['ct'], seed: 0 });
    try {
      const embedding = 2 * (3 * 3 + 3);
      expect(m.parameterCount() - embedding).toBe(27_168_900);
      expect(m.parameterCount()).toBe(buildGraph({ model, crop: [224, 224], modalities: ['ct'] }).training.params);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).toBe(0);
  });
});
