import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../compiler/graph/build-graph.ts';
import { GraphError } from '../../compiler/graph/graph-error.ts';
import { walk, type ModelGraph } from '../../compiler/graph/model-graph.ts';
import { renderGraph } from '../../compiler/graph/render-graph.ts';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';

const swinUnetReference: ModelIR['backbone'] = {
  kind: 'swin_unet', dims: 2, patch: [4, 4], embed: 96, depths: [2, 2, 2, 2], decoderDepths: [2, 2, 2, 2],
  heads: [3, 6, 12, 24], window: [7, 7], mlpRatio: 4, qkvBias: true, dropPath: 0.1,
};

function model(over: Partial<ModelIR> = {}): ModelIR {
  return { backbone: swinUnetReference, joint: 'separate', inChannels: 3, numClasses: 9, eam: null, classEmbedding: false, keepQueryAtInference: false, ...over };
}

/**
 * Swin-Unet's parameter count in closed form, written from the published architecture
 * (not from the graph builder): a Swin block of width d with h heads and window 7 has
 * 12d² + 13d + 169h parameters.
 */
function swinUnetClosedForm(C: number, heads: number[], classes: number, inChannels: number, patch: number): number {
  const block = (d: number, h: number) => 12 * d * d + 13 * d + 169 * h;
  const dims = heads.map((_, k) => C * 2 ** k);
  let n = patch * patch * inChannels * C + C + 2 * C; // patch embedding + its norm
  dims.forEach((d, k) => (n += 2 * block(d, heads[k]!))); // encoder
  dims.slice(0, -1).forEach((d) => (n += 8 * d * d + 8 * d)); // patch merging
  n += 2 * dims[3]!; // bottleneck norm
  n += dims[3]! * 2 * dims[3]! + 2 * dims[2]!; // first ×2 expand + norm(4C)
  for (let k = 2; k >= 0; k--) {
    const d = dims[k]!;
    n += 2 * d * d + d; // skip concat linear
    n += 2 * block(d, heads[k]!);
    if (k > 0) n += d * 2 * d + d; // ×2 expand + norm(d/2)
  }
  n += 2 * C; // norm_up
  n += C * patch * patch * C + 2 * C; // final ×4 expand + norm
  n += C * classes; // 1×1 head, no bias
  return n;
}

describe('buildGraph: Swin-Unet reference configuration (224², patch 4, embed 96, window 7, 9 classes)', () => {
  const graph = buildGraph({ model: model(), crop: [224, 224], modalities: ['ct'] });
  const embedding = 2 * (3 * 3 + 3);

  it('counts within 0.5% of the published 27.17M', () => {
    const backbone = graph.training.params - embedding;
    expect(Math.abs(backbone - 27.17e6) / 27.17e6).toBeLessThan(0.005);
  });

  it('equals the closed-form count of the published architecture exactly', () => {
    expect(swinUnetClosedForm(96, [3, 6, 12, 24], 9, 3, 4)).toBe(27_168_900);
    expect(graph.training.params - embedding).toBe(27_168_900);
  });

  it('has nothing training-only without EAMs: training and inference agree', () => {
    expect(graph.inference).toEqual(graph.training);
  });

  it('gives analytic shapes: tokens 56², bottleneck 7² × 768, logits 224² × 9', () => {
    const enc = graph.modules.find((m) => m.path === 'ct/encoder')!;
    expect(enc.children[0]!.output).toEqual([{ name: 'B' }, { name: 'H', size: 56 }, { name: 'W', size: 56 }, { name: 'C', size: 96 }]);
    expect(enc.output).toEqual([{ name: 'B' }, { name: 'H', size: 7 }, { name: 'W', size: 7 }, { name: 'C', size: 768 }]);
    const dec = graph.modules.find((m) => m.path === 'ct/decoder')!;
    expect(dec.output).toEqual([{ name: 'B' }, { name: 'H', size: 224 }, { name: 'W', size: 224 }, { name: 'K', size: 9 }]);
  });

  it('shifts odd blocks by half a window and stops shifting where the window covers the grid', () => {
    const notes = [...walk(graph.modules)].filter((m) => m.kind === 'SwinBlock').map((m) => `${m.path}: ${m.note}`);
    expect(notes).toContain('ct/encoder/stage0/block1: SW-MSA window 7×7, shift 3×3, 3 heads');
    expect(notes).toContain('ct/encoder/stage3/block1: W-MSA window 7×7, 24 heads');
  });

  it('counts FLOPs of a linear layer as 2 · tokens · Cin · Cout', () => {
    const head = [...walk(graph.modules)].find((m) => m.path === 'ct/decoder/head')!;
    expect(head.flops).toBe(2 * 224 * 224 * 96 * 9);
  });
});

describe('buildGraph: training-only parts and joint variants', () => {
  const withEams = (joint: ModelIR['joint'], keep = false): ModelGraph =>
    buildGraph({
      model: model({ joint, eam: { stages: [1, 2, 3], heads: 8 }, classEmbedding: true, keepQueryAtInference: keep, numClasses: 5 }),
      crop: [224, 224],
      modalities: ['ct', 'mri'],
    });

  it('marks EAMs, aux heads and class embeddings training-only, and drops them from the inference total', () => {
    const g = withEams('v2');
    const trainingOnly = g.modules.filter((m) => m.phase === 'training').map((m) => m.path);
    expect(trainingOnly).toEqual(['ct/class_embedding', 'mri/class_embedding', 'ct/eam1', 'ct/aux1', 'ct/eam2', 'ct/aux2', 'ct/eam3', 'ct/aux3', 'mri/eam1', 'mri/aux1', 'mri/eam2', 'mri/aux2', 'mri/eam3', 'mri/aux3']);
    const dropped = g.modules.filter((m) => m.phase === 'training').reduce((n, m) => n + m.params, 0);
    expect(g.training.params - g.inference.params).toBe(dropped);
  });

  it('shares what each variant shares (App. E.1)', () => {
    const owners = (g: ModelGraph) => g.modules.filter((m) => m.phase !== 'training').map((m) => m.path);
    expect(owners(withEams('separate'))).toEqual(['ct/embedding', 'mri/embedding', 'ct/encoder', 'mri/encoder', 'ct/decoder', 'mri/decoder']);
    expect(owners(withEams('v1'))).toEqual(['ct/embedding', 'mri/embedding', 'ct/encoder', 'mri/encoder', 'shared/decoder']);
    expect(owners(withEams('v2'))).toEqual(['ct/embedding', 'mri/embedding', 'shared/encoder', 'shared/decoder']);
    expect(owners(withEams('v3'))).toEqual(['ct/embedding', 'mri/embedding', 'shared/encoder', 'shared/decoder', 'ct/modulation', 'mri/modulation']);
  });

  it('V3 keeps Q and the projections at inference when asked (App. B), and then needs no frozen scales', () => {
    const g = withEams('v3', true);
    const kept = g.modules.filter((m) => m.phase !== 'training').map((m) => m.path);
    expect(kept).toEqual(['ct/embedding', 'ct/class_embedding', 'mri/embedding', 'mri/class_embedding', 'shared/encoder', 'shared/decoder', 'shared/modulation']);
  });

  it('renders a tree with totals', () => {
    const text = renderGraph(withEams('v3'), { depth: 0 });
    expect(text).toContain('ct/eam1 (ExternalAttentionModule)');
    expect(text).toContain('[training only]');
    expect(text).toMatch(/^training: {2}[\d,]+ parameters/m);
    const inference = renderGraph(withEams('v3'), { inference: true, depth: 0 });
    expect(inference).not.toContain('eam1');
    expect(inference).toContain('ct/modulation (FrozenChannelScales)');
  });
});

describe('buildGraph: errors', () => {
  it('reports a window that does not divide a token grid', () => {
    // 256² with patch 4 gives 64, 32, 16, 8 tokens: window 7 divides none
    expect(() => buildGraph({ model: model(), crop: [256, 256], modalities: ['ct'] })).toThrow(GraphError);
    expect(() => buildGraph({ model: model(), crop: [256, 256], modalities: ['ct'] })).toThrow(/window 7×7 does not divide the stage-0 token grid 64×64/);
  });

  it('reports an EAM scale the decoder does not have', () => {
    const bad = () => buildGraph({ model: model({ eam: { stages: [4], heads: 8 }, classEmbedding: true }), crop: [224, 224], modalities: ['ct'] });
    expect(bad).toThrow(/decoder scale 4, but the decoder has scales 1..3/);
  });

  it('reports EAM heads that do not divide a width', () => {
    const bad = () => buildGraph({ model: model({ eam: { stages: [1], heads: 7 }, classEmbedding: true }), crop: [224, 224], modalities: ['ct'] });
    expect(bad).toThrow(/7 EAM heads do not divide the width 384/);
  });
});
