/**
 * Segments one NIfTI volume with an exported inference model (the work behind
 * `ablate predict`). See `cli/commands/predict.ts` for the user's view.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { initBackend } from '../backend/select-backend.ts';
import { parseBackendName } from '../backend/backend-name.ts';
import { toCanonicalGrid, type LoadedCase } from '../data/dataset.ts';
import { DataError } from '../data/data-error.ts';
import { readNifti } from '../data/nifti.ts';
import { preprocessUnlabelled } from '../data/preprocess.ts';
import { labelsToOriginalGrid, writePrediction, type PredictBatch } from '../data/volume-inference.ts';
import { loadInferenceModel } from '../model/parameters.ts';
import { createTracker } from '../tracking/tracker.ts';
import { predictCaseWith, predictor } from './evaluate.ts';

export interface PredictFileOptions {
  /** Model folder, or an MLflow run id whose `model` artifact is used. */
  model: string;
  image: string;
  out: string;
  modality: string;
  /** Write the dataset's label values (true) or class indices 1..Z (false). */
  labelValues: boolean;
  backend?: string;
  trackingUri: string;
}

/** The model folder `model` names: itself when it holds model.json, else the `model` artifact of that MLflow run id (downloaded to a temp folder). */
export async function modelFolder(model: string, trackingUri: string): Promise<string> {
  if (existsSync(path.join(model, 'model.json'))) return model;
  if (/^[0-9a-f]{32}$/.test(model)) {
    const tracker = createTracker(trackingUri);
    try {
      const dest = await mkdtemp(path.join(tmpdir(), 'ablate-model-'));
      const files = (await tracker.listArtifacts(model, 'model')).filter((e) => !e.isDir);
      if (files.length === 0) throw new DataError('missing-folder', `run ${model}`, 'has no `model` artifact (did it finish?)', 'predict with a FINISHED run');
      for (const f of files) await writeFile(path.join(dest, path.posix.basename(f.path)), await tracker.readArtifact(model, f.path));
      return dest;
    } finally {
      await tracker.close();
    }
  }
  throw new DataError('missing-folder', model, 'holds no model.json and is not an MLflow run id', "pass the folder `ablate run` logged as the run's `model` artifact, or the run id");
}

/** Returns a one-line summary of what was written. */
export async function predictFile(options: PredictFileOptions): Promise<string> {
  const backendName = options.backend ? parseBackendName(options.backend) : undefined;
  await initBackend(backendName);
  const dir = await modelFolder(options.model, options.trackingUri);
  const irFile = path.join(dir, 'run-ir.json');
  if (!existsSync(irFile)) {
    throw new DataError('missing-folder', dir, 'has no run-ir.json (needed to preprocess the image as in training)', 'use a model folder written by `ablate run`');
  }
  const ir = JSON.parse(await readFile(irFile, 'utf8')) as RunIR;
  if (!ir.data.modalities.includes(options.modality)) {
    throw new DataError('unknown-modality', `modality ${options.modality}`, `is not one the model was trained on`, `use one of ${ir.data.modalities.join(', ')}`);
  }
  const model = await loadInferenceModel(dir);
  try {
    return await segmentImageFile({ ...options, ir, predict: predictor(model, options.modality, ir.data.dims) });
  } finally {
    model.dispose();
  }
}

export interface SegmentImageOptions {
  image: string;
  out: string;
  modality: string;
  labelValues: boolean;
  /** The run the model comes from: its preprocessing, classes and label values. */
  ir: RunIR;
  /** The model, as channels-last batches in → class probabilities out. */
  predict: PredictBatch;
  /** Said in the summary after the voxel count (e.g. the runtime used), when given. */
  engine?: string;
}

/**
 * Reads the image, preprocesses it without a label as the run's data did, predicts it
 * slice-wise (2D) or by sliding windows (3D), and writes the labels on the image's own
 * grid with its header. Shared by `predict` (tfjs) and `predict --onnx` (ONNX Runtime).
 * Returns a one-line summary.
 */
export async function segmentImageFile(options: SegmentImageOptions): Promise<string> {
  const { ir } = options;
  const source = await readNifti(options.image);
  const n = source.dims[0] * source.dims[1] * source.dims[2];
  const image: LoadedCase['image'] = { ...source, data: Float32Array.from(source.data as ArrayLike<number>), datatype: 'float32' };
  // No reference at prediction time: an empty placeholder label, never used to place the crop.
  const label: LoadedCase['label'] = { ...source, data: new Uint8Array(n), datatype: 'uint8' };
  const ref = { modality: options.modality, id: path.basename(options.image), image: options.image, label: '' };
  // A model evaluated with label-centred crops (the paper's protocol) is applied with the
  // image rule here: there is no label to centre on, and the caller is told so.
  const prepared = preprocessUnlabelled(toCanonicalGrid(ref, image, label), ir.data);
  const prediction = await predictCaseWith(options.predict, ir, prepared);
  const labels = labelsToOriginalGrid(prediction.labels, prepared.dims, prepared.geometry);
  const values = options.labelValues ? ir.dataset.modalities[options.modality]?.labelValues : undefined;
  await writePrediction(options.out, labels, source, values);
  const counts = ir.dataset.classes.map((c, i) => `${c} ${labels.reduce((k, v) => k + (v === i + 1 ? 1 : 0), 0)}`);
  const note = ir.data.dims === 2 && ir.data.cropAt === 'label'
    ? '; note: this model was evaluated with label-centred crops (crop_at: label); here the crop is centred on the body in the image'
    : '';
  return `${options.out}: ${source.dims.join('×')} voxels${options.engine ? ` (${options.engine})` : ''}; voxels per class: ${counts.join(', ')}${note}`;
}
