/**
 * What an exported ONNX model expects of its input, written into `metadata_props` so a
 * deployment pipeline (or `ablate predict --onnx`) can prepare an image as training did:
 * the crop, the voxel spacing, intensity clipping and normalisation, how many slices are
 * stacked as channels, the class names and label values, the modality. Readable keys for
 * people and tools, plus `ablate.run_ir`, the whole Run IR, from which `predict --onnx`
 * takes the very settings `ablate predict` uses.
 */
import type { RunIR } from '../../../schemas/run-ir.schema.ts';
import { ExportError } from '../export-error.ts';
import { ModelProto } from './onnx-schema.ts';

export const RUN_IR_KEY = 'ablate.run_ir';
export const MODALITY_KEY = 'modality';

/** `metadata_props` of `modality`'s model. */
export function onnxMetadata(ir: RunIR, modality: string): Record<string, string> {
  const d = ir.data;
  const axes = d.dims === 2 ? 'y, x' : 'z, y, x';
  return {
    [MODALITY_KEY]: modality,
    dataset: ir.dataset.name,
    experiment: ir.name,
    spec_hash: ir.specHash,
    backbone: ir.model.backbone.kind,
    joint: ir.model.joint,
    input_layout: d.dims === 2
      ? `[N, C, H, W] = [slices, ${d.slices} consecutive axial slices centred on the predicted one (edge slices repeated), y, x]; voxels in RAS+ order (closest axes)`
      : `[N, 1, D, H, W] = [sample, channel, z, y, x]; voxels in RAS+ order (closest axes)`,
    output_layout: `logits and probabilities [N, classes, ${axes}], labels [N, ${axes}]; class 0 = background`,
    crop: JSON.stringify(d.crop),
    crop_note: d.dims === 2
      ? `in-plane box [x, y] centred on the body found in the image (Otsu threshold; runtime/data/input-crop.ts)${d.cropAt === 'label' ? ", where evaluation centred it on the reference label's bounding box" : ''}, kept inside the volume, padded symmetrically with the normalised minimum when the image is smaller`
      : 'sliding windows of [x, y, z] over the volume (padded up to it), Gaussian-weighted overlap',
    spacing_mm: JSON.stringify(d.spacing),
    spacing_note: d.spacing ? 'resample to this spacing [x, y, z] in mm first (trilinear)' : 'no resampling (each image keeps its spacing)',
    intensity_clip_top: String(d.intensity.clipTop),
    intensity_normalize: d.intensity.normalize,
    intensity_note: `clip at the (1 - ${d.intensity.clipTop}) quantile, then ${d.intensity.normalize} normalisation per volume`,
    slices_as_channels: String(d.slices),
    class_names: JSON.stringify(['background', ...ir.dataset.classes]),
    label_values: JSON.stringify([0, ...(ir.dataset.modalities[modality]?.labelValues ?? ir.dataset.classes.map((_, i) => i + 1))]),
    [RUN_IR_KEY]: JSON.stringify(ir),
  };
}

/** The `metadata_props` of an encoded model. */
export function readOnnxMetadata(bytes: Uint8Array, file: string): Record<string, string> {
  let decoded: { metadataProps?: { key: string; value: string }[] };
  try {
    decoded = ModelProto.decode(bytes) as unknown as typeof decoded;
  } catch (e) {
    throw new ExportError(file, `is not an ONNX model (${(e as Error).message})`, 'pass a file written by `ablate export --format onnx`');
  }
  return Object.fromEntries((decoded.metadataProps ?? []).map((p) => [p.key, p.value]));
}

/** The Run IR and modality an ablate-exported model records. */
export function runIrOf(metadata: Readonly<Record<string, string>>, file: string): { ir: RunIR; modality: string } {
  const text = metadata[RUN_IR_KEY];
  const modality = metadata[MODALITY_KEY];
  if (!text || !modality) {
    throw new ExportError(file, `has no '${RUN_IR_KEY}' and '${MODALITY_KEY}' metadata`, 'predict --onnx needs a model exported by `ablate export --format onnx` (it records the preprocessing)');
  }
  return { ir: JSON.parse(text) as RunIR, modality };
}
