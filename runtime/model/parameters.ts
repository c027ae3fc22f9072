/**
 * Saving and loading weights in the TensorFlow.js weights-manifest layout (README.md,
 * "Weights on disk"): `model.json` (metadata + `weightsManifest`) and `weights.bin`
 * (float32 little-endian values, concatenated in manifest order).
 *
 * `saveInferenceModel` / `loadInferenceModel` store the EAM-free model with the model IR,
 * the crop and the modalities it was built for, so `ablate predict` can rebuild it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';
import { buildModel, InferenceModel } from './build-model.ts';
import type { BlockModulation } from './swin-block.ts';

export const WEIGHTS_FORMAT = 'ablate-weights';
export const WEIGHTS_VERSION = 1;

/** A `model.json` or `weights.bin` that cannot be read or does not fit the model. */
export class WeightsFileError extends Error {
  override readonly name = 'WeightsFileError';

  constructor(
    readonly file: string,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${file}: ${problem} (hint: ${hint})`);
  }
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** What `model.json` holds besides the manifest. */
export interface WeightsMeta {
  ir: ModelIR;
  crop: number[];
  modalities: string[];
}

interface ModelJson extends WeightsMeta {
  format: typeof WEIGHTS_FORMAT;
  version: typeof WEIGHTS_VERSION;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/** Write `tensors` (in name order) and `meta` to `dir/model.json` + `dir/weights.bin`. */
export async function saveWeights(dir: string, tensors: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = [...tensors.keys()].sort();
  const specs: WeightSpec[] = [];
  const chunks: Float32Array[] = [];
  for (const name of names) {
    const t = tensors.get(name)!;
    specs.push({ name, shape: [...t.shape], dtype: 'float32' });
    chunks.push((await t.data()) as Float32Array);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const bin = new Float32Array(total);
  let o = 0;
  for (const c of chunks) {
    bin.set(c, o);
    o += c.length;
  }
  const json: ModelJson = { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, ...meta, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(bin.buffer));
  await writeFile(join(dir, 'model.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** Read `dir/model.json` + its weight files; tensors are new (caller disposes). */
export async function loadWeights(dir: string): Promise<{ meta: WeightsMeta; tensors: Map<string, tf.Tensor> }> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new WeightsFileError(jsonPath, 'not found', 'pass the folder written by saveInferenceModel (it holds model.json and weights.bin)');
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new WeightsFileError(jsonPath, `not JSON (${(e as Error).message})`, 'the file is damaged; export the model again');
  }
  if (json.format !== WEIGHTS_FORMAT || json.version !== WEIGHTS_VERSION) {
    throw new WeightsFileError(jsonPath, `format ${String(json.format)} v${String(json.version)}`, `expected ${WEIGHTS_FORMAT} v${WEIGHTS_VERSION}`);
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const group of json.weightsManifest) {
    const parts = await Promise.all(group.paths.map((p) => readFile(join(dir, p))));
    const bytes = Buffer.concat(parts);
    const need = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((p, d) => p * d, 1), 0);
    if (bytes.byteLength !== need) {
      throw new WeightsFileError(join(dir, group.paths.join('+')), `${bytes.byteLength} bytes, the manifest lists ${need}`, 'the weights file is truncated or belongs to another model.json');
    }
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    let o = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((p, d) => p * d, 1);
      tensors.set(w.name, tf.tensor(values.subarray(o, o + n), w.shape, 'float32'));
      o += n;
    }
  }
  return { meta: { ir: json.ir, crop: json.crop, modalities: json.modalities }, tensors };
}

/** Save an inference model (its weights and how to rebuild it). */
export async function saveInferenceModel(model: InferenceModel, dir: string): Promise<void> {
  await saveWeights(dir, model.weights, { ir: model.ir, crop: [...model.crop], modalities: [...model.modalities] });
}

const FROZEN_SCALE = /^([^/]+)\/modulation\/(.+)\/(phi1|phi2)$/;

/**
 * Rebuild the inference graph from `dir` and load its weights.
 * @param variableNamespace prefix of the tfjs variable names (default `inference/`, so a
 *   loaded model can live beside the training model it came from)
 * @throws WeightsFileError when a parameter is missing, extra, or of another shape
 */
export async function loadInferenceModel(dir: string, variableNamespace = 'inference/'): Promise<InferenceModel> {
  const { meta, tensors } = await loadWeights(dir);
  const model = buildModel(meta.ir, { crop: meta.crop, modalities: meta.modalities, seed: 0, inferenceOnly: true, variableNamespace });
  const file = join(dir, 'model.json');
  try {
    for (const [name, v] of model.namedVariables) {
      const t = tensors.get(name);
      if (!t) throw new WeightsFileError(file, `no weight '${name}'`, 'the file was written for another model configuration');
      if (t.shape.join() !== v.shape.join()) throw new WeightsFileError(file, `weight '${name}' is [${t.shape.join(', ')}], the model needs [${v.shape.join(', ')}]`, 'the file was written for another model configuration');
      v.assign(t);
    }
    const frozen = new Map<string, Map<string, BlockModulation>>();
    const owned: tf.Tensor[] = [];
    for (const [name, t] of tensors) {
      if (model.namedVariables.has(name)) continue;
      const m = FROZEN_SCALE.exec(name);
      if (!m) throw new WeightsFileError(file, `unexpected weight '${name}'`, 'the file was written for another model configuration');
      const [, modality, key, which] = m as unknown as [string, string, string, 'phi1' | 'phi2'];
      const perModality = frozen.get(modality) ?? new Map<string, BlockModulation>();
      frozen.set(modality, perModality);
      const entry = (perModality.get(key) ?? {}) as Partial<BlockModulation>;
      entry[which] = t as tf.Tensor1D;
      perModality.set(key, entry as BlockModulation);
      owned.push(t);
    }
    for (const [name, t] of tensors) if (model.namedVariables.has(name)) t.dispose();
    const weights = new Map<string, tf.Tensor>(model.namedVariables);
    for (const [m, scales] of frozen) for (const [k, s] of scales) {
      weights.set(`${m}/modulation/${k}/phi1`, s.phi1);
      weights.set(`${m}/modulation/${k}/phi2`, s.phi2);
    }
    return new InferenceModel(model, weights, frozen, owned, true);
  } catch (e) {
    for (const t of tensors.values()) if (!t.isDisposed) t.dispose();
    model.dispose();
    throw e;
  }
}
