/**
 * One modality's EAM-free inference weights as a safetensors file with PyTorch names and
 * layouts (pytorch-names.ts), so PyTorch users can load them into the paper's Swin-Unet
 * (`model.load_state_dict(safetensors.torch.load_file(path), strict=False)`; the
 * image embedding and V3's Φ are extra). EAM, auxiliary-head, class-embedding and
 * projection parameters are not written (paper §2.1).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SHARED_OWNER } from '../../model/variants.ts';
import type { WeightsMeta } from '../../model/parameters.ts';
import { ExportError } from '../export-error.ts';
import { frozenScales, STRUCTURE_NAMESPACE, withStructureModel } from '../inference-structure.ts';
import { encodeSafetensors, type NamedTensor } from './encode-safetensors.ts';
import { pytorchName, toPytorchLayout } from './pytorch-names.ts';

/** ablate name (owner included) → PyTorch name, for every tensor written. */
export interface SafetensorsExport {
  bytes: Uint8Array;
  names: Map<string, string>;
}

export function exportSafetensors(weights: ReadonlyMap<string, tf.Tensor>, meta: WeightsMeta, modality: string, metadata: Readonly<Record<string, string>> = {}): SafetensorsExport {
  if (!meta.modalities.includes(modality)) {
    throw new ExportError(`modality ${modality}`, 'is not one the model was trained on', `use one of ${meta.modalities.join(', ')}`);
  }
  return withStructureModel(meta, (model) => {
    const g = model.modules.geometry;
    const tensors: NamedTensor[] = [];
    const names = new Map<string, string>();
    const add = (ablateName: string, inPath: string, t: tf.Tensor) => {
      const mapped = pytorchName(inPath, g);
      const { data, shape } = toPytorchLayout(Float32Array.from(t.dataSync() as Float32Array), t.shape, mapped.layout);
      tensors.push({ name: mapped.name, shape, data });
      names.set(ablateName, mapped.name);
    };
    for (const v of model.namedVariables.values()) {
      const name = v.name.slice(STRUCTURE_NAMESPACE.length);
      const [owner, part] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
      if (owner !== modality && owner !== SHARED_OWNER) continue;
      if (/^(class_embedding|modulation)\//.test(part)) continue; // V3's query: frozen into Φ below
      const t = weights.get(name);
      if (!t) throw new ExportError(`weight '${name}'`, 'missing from the saved model', 'the weights were saved for another model configuration');
      add(name, part, t);
    }
    for (const [key, s] of frozenScales(weights, meta, modality, model)) {
      add(`${modality}/modulation/${key}/phi1`, `modulation/${key}/phi1`, s.phi1);
      add(`${modality}/modulation/${key}/phi2`, `modulation/${key}/phi2`, s.phi2);
    }
    tensors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { bytes: encodeSafetensors(tensors, { format: 'pt', ...metadata }), names };
  });
}
