/**
 * `ablate predict --onnx model.onnx <image.nii.gz>`: a NIfTI volume through an exported
 * ONNX model on ONNX Runtime (CPU), preprocessed with the settings the model records
 * (onnx-metadata.ts) by the same functions `ablate predict` uses, predicted slice-wise
 * (2D) or by sliding windows (3D) with the same helpers, and written back on the image's
 * own grid with its header: an end-to-end check of an export outside tfjs.
 */
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toCanonicalGrid, type LoadedCase } from '../../data/dataset.ts';
import { readNifti } from '../../data/nifti.ts';
import { preprocessUnlabelled } from '../../data/preprocess.ts';
import { argmaxClasses, labelsToOriginalGrid, predictVolume2D, predictVolume3D, writePrediction, type PredictBatch } from '../../data/volume-inference.ts';
import { ExportError } from '../export-error.ts';
import { ONNX_INPUT, ONNX_OUTPUTS } from './export-onnx.ts';
import { readOnnxMetadata, runIrOf } from './onnx-metadata.ts';
import { ModelProto } from './onnx-schema.ts';

export interface PredictOnnxOptions {
  onnx: string;
  image: string;
  out: string;
  /** When given, must be the modality the model was exported for. */
  modality?: string;
  /** Write the dataset's label values (true) or class indices 1..Z (false). */
  labelValues: boolean;
}

/** The fixed batch size of the model's input, or undefined for a symbolic batch. */
function fixedBatch(bytes: Uint8Array): number | undefined {
  const model = ModelProto.decode(bytes) as unknown as { graph?: { input?: { name: string; type?: { tensorType?: { shape?: { dim?: { dimValue?: number | { toNumber(): number } }[] } } } }[] } };
  const input = model.graph?.input?.find((i) => i.name === ONNX_INPUT);
  const d = input?.type?.tensorType?.shape?.dim?.[0]?.dimValue;
  if (d === undefined || d === null) return undefined;
  const n = typeof d === 'number' ? d : d.toNumber();
  return n > 0 ? n : undefined;
}

/**
 * A `PredictBatch` over an ONNX Runtime session: channels-last batches in (as the
 * volume-inference helpers give them), channels-last probabilities out. A model exported
 * with a fixed batch gets the batch in chunks of that size, the last padded with zeros.
 */
export function onnxPredictor(session: ort.InferenceSession, dims: 2 | 3, numClasses: number, batch: number | undefined): PredictBatch {
  return async (image, shape) => {
    const N = shape[0]!;
    const channels = dims === 2 ? shape[3]! : 1;
    const spatialSize = shape.slice(1, dims === 2 ? 3 : 4).reduce((p, d) => p * d, 1);
    // 2D: [N, H, W, C] → [N, C, H, W]; 3D: [N, D, H, W, 1] is already [N, 1, D, H, W]
    const first = new Float32Array(image.length);
    if (dims === 2 && channels > 1) {
      for (let n = 0; n < N; n++) for (let p = 0; p < spatialSize; p++) for (let c = 0; c < channels; c++) {
        first[(n * channels + c) * spatialSize + p] = image[(n * spatialSize + p) * channels + c]!;
      }
    } else first.set(image);
    const inputShape = dims === 2 ? [shape[1]!, shape[2]!] : [shape[1]!, shape[2]!, shape[3]!];
    const K = numClasses;
    const out = new Float32Array(N * spatialSize * K);
    const chunk = batch ?? N;
    for (let n0 = 0; n0 < N; n0 += chunk) {
      const taken = Math.min(chunk, N - n0);
      const data = new Float32Array(chunk * channels * spatialSize);
      data.set(first.subarray(n0 * channels * spatialSize, (n0 + taken) * channels * spatialSize));
      const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', data, [chunk, channels, ...inputShape]) }, [ONNX_OUTPUTS.probabilities]);
      const probs = result[ONNX_OUTPUTS.probabilities]!.data as Float32Array; // [chunk, K, …]
      // [K, …] per sample → [… , K]
      for (let n = 0; n < taken; n++) for (let k = 0; k < K; k++) for (let p = 0; p < spatialSize; p++) {
        out[((n0 + n) * spatialSize + p) * K + k] = probs[(n * K + k) * spatialSize + p]!;
      }
    }
    return out;
  };
}

/** Returns a one-line summary of what was written. */
export async function predictOnnxFile(options: PredictOnnxOptions): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.onnx);
  } catch (e) {
    throw new ExportError(options.onnx, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass the file `ablate export --format onnx --out <file>` wrote');
  }
  const { ir, modality } = runIrOf(readOnnxMetadata(bytes, options.onnx), options.onnx);
  if (options.modality !== undefined && options.modality !== modality) {
    throw new ExportError(options.onnx, `was exported for modality ${modality}, not ${options.modality}`, `export the ${options.modality} path with \`ablate export … --modality ${options.modality}\`, or leave --modality out`);
  }
  const session = await ort.InferenceSession.create(bytes);
  try {
    const source = await readNifti(options.image);
    const n = source.dims[0] * source.dims[1] * source.dims[2];
    const image: LoadedCase['image'] = { ...source, data: Float32Array.from(source.data as ArrayLike<number>), datatype: 'float32' };
    // No reference at prediction time: a placeholder label, never read (as `ablate predict`).
    const label: LoadedCase['label'] = { ...source, data: new Uint8Array(n), datatype: 'uint8' };
    const ref = { modality, id: path.basename(options.image), image: options.image, label: '' };
    const prepared = preprocessUnlabelled(toCanonicalGrid(ref, image, label), ir.data);
    const K = ir.model.numClasses;
    const predict = onnxPredictor(session, ir.data.dims, K, fixedBatch(bytes));
    const probs = ir.data.dims === 2
      ? await predictVolume2D(prepared, ir.data.slices, K, predict)
      : await predictVolume3D(prepared, ir.data.crop, K, predict, { overlap: ir.eval.overlap });
    const labels = labelsToOriginalGrid(argmaxClasses(probs, K), prepared.dims, prepared.geometry);
    const values = options.labelValues ? ir.dataset.modalities[modality]?.labelValues : undefined;
    await writePrediction(options.out, labels, source, values);
    const counts = ir.dataset.classes.map((c, i) => `${c} ${labels.reduce((k, v) => k + (v === i + 1 ? 1 : 0), 0)}`);
    const note = ir.data.dims === 2 && ir.data.cropAt === 'label'
      ? '; note: this model was evaluated with label-centred crops (crop_at: label); here the crop is centred on the body in the image'
      : '';
    return `${options.out}: ${source.dims.join('×')} voxels (ONNX Runtime, ${modality}); voxels per class: ${counts.join(', ')}${note}`;
  } finally {
    await session.release();
  }
}
