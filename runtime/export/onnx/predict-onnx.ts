/**
 * `ablate predict --onnx model.onnx <image.nii.gz>`: a NIfTI volume through an exported
 * ONNX model on ONNX Runtime (CPU), preprocessed with the settings the model records
 * (onnx-metadata.ts), through the same `segmentImageFile` as `ablate predict` (same
 * preprocessing, slice-wise or sliding-window prediction, written back on the image's own
 * grid with its header), only the batches run on ONNX Runtime: an end-to-end check of an
 * export outside tfjs.
 */
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import type { PredictBatch } from '../../data/volume-inference.ts';
import { segmentImageFile } from '../../run/predict-file.ts';
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
    const predict = onnxPredictor(session, ir.data.dims, ir.model.numClasses, fixedBatch(bytes));
    return await segmentImageFile({ image: options.image, out: options.out, modality, labelValues: options.labelValues, ir, predict, engine: `ONNX Runtime, ${modality}` });
  } finally {
    await session.release();
  }
}
