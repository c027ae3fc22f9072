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
import type * as tf from '@tensorflow/tfjs-core';
import type { SegmentationModel } from '../../model/build-model.ts';
import type { WeightsMeta } from '../../model/parameters.ts';
import { ExportError } from '../export-error.ts';
import { frozenScales, STRUCTURE_NAMESPACE, withStructureModel } from '../inference-structure.ts';
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
  return withStructureModel(meta, (model) => encode(model, weights, meta, options, opset));
}

function encode(model: SegmentationModel, weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, options: OnnxExportOptions, opset: number): Uint8Array {
  const path = model.modules.paths.get(options.modality)!;
  const geometry = model.modules.geometry;
  const layout: MapLayout = { volumetric: geometry.kind === 'nnformer' };
  const graph = new OnnxGraph(opset);
  const params = new OnnxParameters(graph, weights, STRUCTURE_NAMESPACE);
  const ctx: OnnxContext = { graph, params, layout, masks: new Map() };

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

  const initializerBytes = graph.initializers.reduce((n, t) => n + t.rawData.byteLength, 0);
  if (initializerBytes >= 2 ** 31 - 2 ** 20) {
    // protobuf messages are limited to 2 GiB; ONNX's way past it (external data files) is not written here
    throw new ExportError(`modality ${options.modality}`, `the weights are ${(initializerBytes / 2 ** 30).toFixed(2)} GiB, over protobuf's 2 GiB limit for one ONNX file`, 'export a smaller configuration (embed, depths), or the weights alone with --format safetensors');
  }
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
