/**
 * `ablate export <run-id|run-folder> --format onnx|safetensors`: reads a run's saved
 * EAM-free model (the `model` artifact `ablate run` logs: model.json, weights.bin,
 * run-ir.json) and writes one modality's inference model to one file. The file appears
 * complete or not at all (written beside the target, then renamed).
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { initBackend } from '../backend/select-backend.ts';
import { loadWeights } from '../model/parameters.ts';
import { modelFolder } from '../run/predict-file.ts';
import { ExportError } from './export-error.ts';
import { exportOnnx } from './onnx/export-onnx.ts';
import { DEFAULT_OPSET } from './onnx/onnx-graph.ts';
import { onnxMetadata, RUN_IR_KEY } from './onnx/onnx-metadata.ts';
import { exportSafetensors } from './safetensors/export-safetensors.ts';

export type ExportFormat = 'onnx' | 'safetensors';

export interface ExportRunOptions {
  /** Model folder, MLflow run folder (holding artifacts/model), or run id. */
  source: string;
  format: ExportFormat;
  out: string;
  /** Required when the model has more than one modality. */
  modality?: string;
  opset?: number;
  /** Fixed batch size (ONNX); dynamic when undefined. */
  batch?: number;
  trackingUri: string;
  producerVersion?: string;
}

async function writeWhole(file: string, bytes: Uint8Array): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, file);
  } catch (e) {
    await rm(partial, { force: true });
    throw new ExportError(file, `cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'choose an --out path in a folder that exists and is writable');
  }
}

/** Returns a one-line summary of what was written. */
export async function exportRun(options: ExportRunOptions): Promise<string> {
  if (options.format === 'safetensors' && (options.opset !== undefined || options.batch !== undefined)) {
    throw new ExportError(`--format safetensors`, 'holds weights only: --opset and --batch do not apply', 'leave them out, or use --format onnx');
  }
  await initBackend('cpu');
  const runArtifacts = path.join(options.source, 'artifacts', 'model');
  const dir = existsSync(path.join(runArtifacts, 'model.json')) ? runArtifacts : await modelFolder(options.source, options.trackingUri);
  const irFile = path.join(dir, 'run-ir.json');
  if (!existsSync(irFile)) throw new ExportError(dir, 'has no run-ir.json (the preprocessing the model expects)', 'export a model folder written by `ablate run`');
  const ir = JSON.parse(await readFile(irFile, 'utf8')) as RunIR;
  const { meta, tensors } = await loadWeights(dir);
  try {
    const modality = options.modality ?? (meta.modalities.length === 1 ? meta.modalities[0]! : undefined);
    if (modality === undefined) {
      throw new ExportError(dir, `holds one inference path per modality (${meta.modalities.join(', ')})`, `choose one with --modality ${meta.modalities.join('|')}`);
    }
    const metadata = onnxMetadata(ir, modality);
    if (options.format === 'onnx') {
      const bytes = exportOnnx(tensors, meta, { modality, ...(options.opset !== undefined ? { opset: options.opset } : {}), ...(options.batch !== undefined ? { batch: options.batch } : {}), metadata, ...(options.producerVersion ? { producerVersion: options.producerVersion } : {}) });
      await writeWhole(options.out, bytes);
      return `${options.out}: ONNX (opset ${options.opset ?? DEFAULT_OPSET}), ${ir.model.backbone.kind} ${modality} path of ${ir.name}, ${(bytes.length / 2 ** 20).toFixed(1)} MiB`;
    }
    const { [RUN_IR_KEY]: runIr, ...readable } = metadata;
    const { bytes, names } = exportSafetensors(tensors, meta, modality, { ...readable, [RUN_IR_KEY]: runIr! });
    await writeWhole(options.out, bytes);
    return `${options.out}: safetensors, ${names.size} tensors of the ${modality} path of ${ir.name} (PyTorch names), ${(bytes.length / 2 ** 20).toFixed(1)} MiB`;
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
