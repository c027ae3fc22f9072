/**
 * Training checkpoints: model variables, optimizer slots and loop position, written so a
 * killed run resumes exactly where it stopped.
 *
 * Layout of a checkpoint folder:
 * - `checkpoint.json`: `{ format: 'ablate-checkpoint', version: 1, meta, tensors: [{ name, dtype, shape, offset, length }] }`
 * - `tensors.bin`: the tensors' little-endian data concatenated (float32 or int32).
 * Model variables are stored under `model/<name>`, optimizer slots under `optimizer/<slot>`.
 * The folder is replaced atomically (write beside, then rename), so a crash mid-save
 * leaves the previous checkpoint intact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OptimizerState } from './optimizer.ts';

/** Where the loop stands; everything needed to continue besides the tensors. */
export interface CheckpointMeta {
  specHash: string;
  /** Completed optimisation steps. */
  step: number;
  /** Completed epochs. */
  epoch: number;
  optimizerStep: number;
  /** Anything else the loop needs (RNG draws, best validation score, loss history). */
  extra: Record<string, unknown>;
}

interface TensorEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
  length: number;
}

export class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(`checkpoint ${dir}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

const FORMAT = 'ablate-checkpoint';

export async function saveCheckpoint(
  dir: string,
  variables: tf.Variable[],
  optimizer: OptimizerState,
  meta: Omit<CheckpointMeta, 'optimizerStep'>,
): Promise<void> {
  const named: Array<[string, tf.Tensor]> = [
    ...variables.map((v): [string, tf.Tensor] => [`model/${v.name}`, v]),
    ...[...optimizer.slots].map(([k, t]): [string, tf.Tensor] => [`optimizer/${k}`, t]),
  ];
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of named) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    const data = dtype === 'int32' ? Int32Array.from(await t.data()) : Float32Array.from(await t.data());
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, dtype, shape: t.shape, offset, length: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const fullMeta: CheckpointMeta = { ...meta, optimizerStep: optimizer.step };
  await writeFile(path.join(staging, 'tensors.bin'), Buffer.concat(chunks));
  await writeFile(
    path.join(staging, 'checkpoint.json'),
    JSON.stringify({ format: FORMAT, version: 1, meta: fullMeta, tensors: entries }, null, 1),
  );
  const previous = `${dir}.previous-${process.pid}`;
  if (existsSync(dir)) await rename(dir, previous);
  await rename(staging, dir);
  await rm(previous, { recursive: true, force: true });
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  /** Model variables by variable name (caller disposes). */
  model: Map<string, tf.Tensor>;
  optimizer: OptimizerState;
}

/** Reads a checkpoint, or returns null when `dir` holds none. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint | null> {
  const metaPath = path.join(dir, 'checkpoint.json');
  if (!existsSync(metaPath)) return null;
  let doc: { format?: string; version?: number; meta: CheckpointMeta; tensors: TensorEntry[] };
  try {
    doc = JSON.parse(await readFile(metaPath, 'utf8'));
  } catch (error) {
    throw new CheckpointError(dir, `checkpoint.json is not valid JSON (${(error as Error).message}); delete the folder to start over`);
  }
  if (doc.format !== FORMAT || doc.version !== 1) {
    throw new CheckpointError(dir, `unknown format ${String(doc.format)} v${String(doc.version)}`);
  }
  const bin = await readFile(path.join(dir, 'tensors.bin'));
  const model = new Map<string, tf.Tensor>();
  const slots = new Map<string, tf.Tensor>();
  for (const e of doc.tensors) {
    if (e.offset + e.length > bin.byteLength) {
      throw new CheckpointError(dir, `tensors.bin is truncated (${e.name} needs bytes up to ${e.offset + e.length}, file has ${bin.byteLength})`);
    }
    const bytes = bin.subarray(e.offset, e.offset + e.length);
    const copy = new Uint8Array(bytes).buffer;
    const values = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    const t = tf.tensor(values, e.shape, e.dtype);
    if (e.name.startsWith('model/')) model.set(e.name.slice('model/'.length), t);
    else slots.set(e.name.slice('optimizer/'.length), t);
  }
  return { meta: doc.meta, model, optimizer: { step: doc.meta.optimizerStep, slots } };
}

/** Assigns loaded values to the model's variables; every variable must be present with the same shape. */
export function restoreVariables(dir: string, variables: tf.Variable[], values: Map<string, tf.Tensor>): void {
  for (const v of variables) {
    const t = values.get(v.name);
    if (!t) throw new CheckpointError(dir, `has no value for variable ${v.name}; was it written by another model configuration?`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new CheckpointError(dir, `variable ${v.name} has shape [${t.shape}] in the checkpoint but [${v.shape}] in the model`);
    }
    v.assign(t);
  }
}
