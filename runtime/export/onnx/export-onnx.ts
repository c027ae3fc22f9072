/**
 * The EAM-free inference model of one modality (paper §2.1: "we discard all EAMs") as a
 * standard ONNX model: image embedding, encoder, decoder and head, with V3's channel
 * scales Φ (eq. 13) frozen as constants, and no EAM, auxiliary-head, class-embedding or
 * projection parameters.
 *
 * Graph interface (channels-first, as PyTorch and ONNX tools expect):
 * - input  `image`         float32 `[N, Cin, H, W]` (2D; Cin = slices as channels) or `[N, 1, D, H, W]` (3D)
 * - output `logits`        float32 `[N, classes, H, W]` / `[N, classes, D, H, W]`
 * - output `probabilities` float32, softmax of `logits` over the class axis
 * - output `labels`        int64 `[N, H, W]` / `[N, D, H, W]`, argmax (0 = background)
 * `N` is the symbolic `batch` unless a fixed batch is asked for. Inside, the graph is
 * channels-last like ablate's tensors (onnx-token-map.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../model/build-model.ts';
import type { WeightsMeta } from '../../model/parameters.ts';
import { ExportError } from '../export-error.ts';
import { backboneNodes, imageEmbeddingNodes, type ScalesOf } from './onnx-backbone.ts';
import { DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET, OnnxGraph } from './onnx-graph.ts';
import { OnnxParameters } from './onnx-parameters.ts';
import { ModelProto, OnnxAttributeType, OnnxDataType } from './onnx-schema.ts';
import type { OnnxBlockScales, OnnxContext } from './onnx-swin-block.ts';
import { spatial, type MapLayout, type TokenMap } from './onnx-token-map.ts';

export const ONNX_INPUT = 'image';
export const ONNX_OUTPUTS = { logits: 'logits', probabilities: 'probabilities', labels: 'labels' } as const;

export interface OnnxExportOptions {
  modality: string;
  /** Default 17 (LayerNormalization as one op); 13–21 accepted. */
  opset?: number;
  /** A fixed batch size, or undefined for a symbolic `batch` axis. */
  batch?: number;
  /** `metadata_props` (preprocessing, classes; onnx-metadata.ts). */
  metadata?: Readonly<Record<string, string>>;
  producerVersion?: string;
}

const STRUCTURE_NAMESPACE = 'onnx-export-structure/';

/** V3's frozen scales of `modality`, by block key; computed from Q when the model kept its query. */
function frozenScales(weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, modality: string, model: ReturnType<typeof buildModel>): Map<string, { phi1: tf.Tensor; phi2: tf.Tensor }> {
  const out = new Map<string, { phi1: tf.Tensor; phi2: tf.Tensor }>();
  if (meta.ir.joint !== 'v3') return out;
  const modulation = model.modules.modulation;
  const Q = model.modules.paths.get(modality)?.classEmbedding?.Q;
  if (modulation && Q) {
    // the query was kept at inference: Φ from eq. 13 with the saved Q, w1, W2, W3
    for (const v of [Q, modulation.w1, ...modulation.w2.values(), ...modulation.w3.values()]) {
      const name = v.name.slice(STRUCTURE_NAMESPACE.length);
      const t = weights.get(name);
      if (!t) throw new ExportError(`weight '${name}'`, 'missing from the saved model', 'the weights were saved for another model configuration');
      v.assign(t);
    }
    const scales = modulation.scales(Q);
    for (const [key, s] of scales) out.set(key, s);
    return out;
  }
  for (const [name, t] of weights) {
    const m = /^([^/]+)\/modulation\/(.+)\/(phi1|phi2)$/.exec(name);
    if (!m || m[1] !== modality) continue;
    const entry = out.get(m[2]!) ?? ({} as { phi1: tf.Tensor; phi2: tf.Tensor });
    entry[m[3] as 'phi1' | 'phi2'] = t;
    out.set(m[2]!, entry);
  }
  if (out.size === 0) throw new ExportError(`modality ${modality}`, 'joint v3 without frozen channel scales Φ', 'save the inference model with model.inferenceModel() (it freezes Φ from Q)');
  return out;
}

/** Encoded `ModelProto` bytes of `modality`'s inference graph. */
export function exportOnnx(weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, options: OnnxExportOptions): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new ExportError(`opset ${opset}`, 'is not one the exporter writes', `use an opset from ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})`);
  }
  if (options.batch !== undefined && !(Number.isInteger(options.batch) && options.batch >= 1)) {
    throw new ExportError(`batch ${options.batch}`, 'is not a positive integer', 'leave the batch out for a dynamic batch axis');
  }
  if (!meta.modalities.includes(options.modality)) {
    throw new ExportError(`modality ${options.modality}`, 'is not one the model was trained on', `use one of ${meta.modalities.join(', ')}`);
  }
  // the structure (modules, geometry) from a freshly built inference model; values from `weights`
  const model = buildModel(meta.ir, { crop: meta.crop, modalities: meta.modalities, seed: 0, inferenceOnly: true, variableNamespace: STRUCTURE_NAMESPACE });
  try {
    let bytes = new Uint8Array();
    tf.tidy(() => {
      bytes = encode(model, weights, meta, options, opset);
    });
    return bytes;
  } finally {
    model.dispose();
  }
}

function encode(model: ReturnType<typeof buildModel>, weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, options: OnnxExportOptions, opset: number): Uint8Array {
  const path = model.modules.paths.get(options.modality)!;
  const geometry = model.modules.geometry;
  const layout: MapLayout = { volumetric: geometry.kind === 'nnformer' };
  const graph = new OnnxGraph(opset);
  const params = new OnnxParameters(graph, weights, STRUCTURE_NAMESPACE);
  const ctx: OnnxContext = { graph, params, layout };

  const frozen = frozenScales(weights, meta, options.modality, model);
  const scaleNames = new Map<string, OnnxBlockScales>();
  for (const [key, s] of frozen) {
    scaleNames.set(key, {
      phi1: params.tensor(`${options.modality}/modulation/${key}/phi1`, s.phi1),
      phi2: params.tensor(`${options.modality}/modulation/${key}/phi2`, s.phi2),
    });
  }
  const scales: ScalesOf = (key) => scaleNames.get(key);

  const grid = spatial(layout, geometry.input);
  const r = grid.length;
  const batch: number | string = options.batch ?? 'batch';
  graph.fresh(ONNX_INPUT);
  // channels-first in, channels-last inside: [N, C, …] → [N, …, C]
  const input: TokenMap = { name: graph.transpose(ONNX_INPUT, [0, ...grid.map((_, a) => 2 + a), 1], 'image_channels_last'), grid: geometry.input, channels: geometry.inChannels };
  const embedded = imageEmbeddingNodes(ctx, path.embedding, input, `${options.modality}/embedding`);
  const out = backboneNodes(ctx, path.encoder, path.decoder, embedded, scales);
  graph.fresh(ONNX_OUTPUTS.logits);
  graph.nodes.push({ input: [out.name], output: [ONNX_OUTPUTS.logits], name: 'logits_node', opType: 'Transpose', attribute: [{ name: 'perm', type: OnnxAttributeType.INTS, ints: [0, r + 1, ...grid.map((_, a) => 1 + a)] }] });
  graph.fresh(ONNX_OUTPUTS.probabilities);
  graph.nodes.push({ input: [ONNX_OUTPUTS.logits], output: [ONNX_OUTPUTS.probabilities], name: 'probabilities_node', opType: 'Softmax', attribute: [{ name: 'axis', type: OnnxAttributeType.INT, i: 1 }] });
  graph.fresh(ONNX_OUTPUTS.labels);
  graph.nodes.push({
    input: [ONNX_OUTPUTS.logits], output: [ONNX_OUTPUTS.labels], name: 'labels_node', opType: 'ArgMax',
    attribute: [{ name: 'axis', type: OnnxAttributeType.INT, i: 1 }, { name: 'keepdims', type: OnnxAttributeType.INT, i: 0 }],
  });

  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const valueInfo = (name: string, elemType: number, dims: (number | string)[], docString: string) => ({
    name, docString, type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } },
  });
  const classes = geometry.numClasses;
  const axesText = layout.volumetric ? 'D, H, W' : 'H, W';
  const proto = {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'ablate',
    producerVersion: options.producerVersion ?? '',
    domain: 'org.ablate',
    modelVersion: 1,
    docString: `EAM-free ${meta.ir.backbone.kind} inference model of modality ${options.modality} (joint ${meta.ir.joint}), exported by ablate`,
    graph: {
      name: `${meta.ir.backbone.kind}_${options.modality}`,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(ONNX_INPUT, OnnxDataType.FLOAT, [batch, geometry.inChannels, ...grid], `preprocessed image [N, C, ${axesText}] (see metadata_props)`)],
      output: [
        valueInfo(ONNX_OUTPUTS.logits, OnnxDataType.FLOAT, [batch, classes, ...grid], `class scores [N, classes, ${axesText}], class 0 = background`),
        valueInfo(ONNX_OUTPUTS.probabilities, OnnxDataType.FLOAT, [batch, classes, ...grid], 'softmax of logits over the class axis'),
        valueInfo(ONNX_OUTPUTS.labels, OnnxDataType.INT64, [batch, ...grid], 'argmax class index, 0 = background'),
      ],
    },
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return ModelProto.encode(ModelProto.fromObject(proto)).finish();
}
