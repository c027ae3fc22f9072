/**
 * What every exporter reads besides the weights: the inference graph's modules (for its
 * structure and parameter names) from a freshly built model, and V3's frozen channel
 * scales Φ of a modality (paper App. B.1, eq. 13), as the saved inference model holds
 * them, or computed from the kept query when the model kept it at inference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildModel, type SegmentationModel } from '../model/build-model.ts';
import type { WeightsMeta } from '../model/parameters.ts';
import { ExportError } from './export-error.ts';

/** tfjs variable namespace of the structure model (parameter name = variable name without it). */
export const STRUCTURE_NAMESPACE = 'export-structure/';

/** Runs `fn` on a freshly built inference-only model of `meta` inside a tidy scope, then frees it. */
export function withStructureModel<T>(meta: WeightsMeta, fn: (model: SegmentationModel) => T): T {
  const model = buildModel(meta.ir, { crop: meta.crop, modalities: meta.modalities, seed: 0, inferenceOnly: true, variableNamespace: STRUCTURE_NAMESPACE });
  try {
    let result: T | undefined;
    tf.tidy(() => {
      result = fn(model);
    });
    return result as T;
  } finally {
    model.dispose();
  }
}

/** Frozen Φ1, Φ2 of one block. */
export interface FrozenScales {
  phi1: tf.Tensor;
  phi2: tf.Tensor;
}

/** V3's frozen scales of `modality` by block key (`encoder/stage0/block1`); empty for other joints. */
export function frozenScales(weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, modality: string, model: SegmentationModel): Map<string, FrozenScales> {
  const out = new Map<string, FrozenScales>();
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
    for (const [key, s] of modulation.scales(Q)) out.set(key, s);
    return out;
  }
  for (const [name, t] of weights) {
    const m = /^([^/]+)\/modulation\/(.+)\/(phi1|phi2)$/.exec(name);
    if (!m || m[1] !== modality) continue;
    const entry = out.get(m[2]!) ?? ({} as FrozenScales);
    entry[m[3] as 'phi1' | 'phi2'] = t;
    out.set(m[2]!, entry);
  }
  if (out.size === 0) throw new ExportError(`modality ${modality}`, 'joint v3 without frozen channel scales Φ', 'save the inference model with model.inferenceModel() (it freezes Φ from Q)');
  return out;
}
