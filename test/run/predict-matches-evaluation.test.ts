/**
 * `ablate predict` and evaluation cut and segment a volume alike: the same model, given a
 * test case through the data stage (with its label on disk) and the same image file through
 * `predictFile` (no label), gives the same segmentation voxel for voxel, because both place
 * the crop with the image alone (data.crop_at: image). Under crop_at: label evaluation
 * centres on the reference label instead, which `predict` cannot do: the two then differ.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { prepareData } from '../../runtime/data/prepare-data.ts';
import { readNifti } from '../../runtime/data/nifti.ts';
import { labelsToOriginalGrid } from '../../runtime/data/volume-inference.ts';
import { buildModel } from '../../runtime/model/build-model.ts';
import { saveInferenceModel } from '../../runtime/model/parameters.ts';
import { predictCase } from '../../runtime/run/evaluate.ts';
import { predictFile } from '../../runtime/run/predict-file.ts';

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 40 x 40 x 3, spacing: 1 x 1 x 2 mm, seed: 4 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 4, label_values: [1, 2, 3, 4] }, mri { cases: 4, label_values: [1, 2, 3, 4] } }
}

experiment tiny_v2 {
  data tiny {
    modalities: [ct, mri]
    crop: 16 x 16
    split { train: 50%, val: 0%, test: 50%, seed: 0 }
  }
  model { backbone swin_unet { patch: 2, embed: 8, depths: [1, 1, 1, 1], heads: [1, 1, 2, 2], window: 1 }, joint: v2 }
  train { epochs: 1, batch: 1, optimizer: adamw { lr: 1e-3 } }
}
`;

describe('predict and evaluation', () => {
  it('give the same segmentation for the same case under the default crop; the label crop is recorded and differs', async () => {
    await initBackend('cpu');
    const dir = await mkdtemp(path.join(tmpdir(), 'ablate-predict-eval-'));
    await writeFile(path.join(dir, 'tiny.abl'), SPEC);
    const segmentations: Record<string, Uint8Array[]> = {};
    for (const cropAt of ['image', 'label'] as const) {
      const compiled = compileFile(path.join(dir, 'tiny.abl'), { cwd: dir, overrides: [`data.crop_at=${cropAt}`] });
      expect(compiled.diagnostics).toEqual([]);
      const ir = compiled.runs[0]!;
      expect(ir.data.cropAt).toBe(cropAt);
      const model = buildModel(ir.model, { crop: ir.data.crop, modalities: ir.data.modalities, seed: 3 });
      const inference = model.inferenceModel();
      const modelDir = path.join(dir, `model-${cropAt}`);
      await saveInferenceModel(inference, modelDir);
      await writeFile(path.join(modelDir, 'run-ir.json'), JSON.stringify(ir));
      const data = await prepareData(ir.dataset, ir.data, { cwd: dir });
      const c = data.modalities.mri!.test[0]!;
      expect(c.geometry.centredOn).toBe(cropAt === 'image' ? 'body' : 'label');
      const evaluated = labelsToOriginalGrid((await predictCase(inference, ir, 'mri', c)).labels, c.dims, c.geometry);
      const ref = data.modalities.mri!.cases.find((r) => r.id === c.id)!;
      const out = path.join(dir, `pred-${cropAt}.nii.gz`);
      const summary = await predictFile({ model: modelDir, image: ref.image, out, modality: 'mri', labelValues: false, backend: 'cpu', trackingUri: path.join(dir, 'mlruns') });
      if (cropAt === 'label') expect(summary).toContain('note: this model was evaluated with label-centred crops (crop_at: label)');
      const predicted = Uint8Array.from((await readNifti(out)).data as ArrayLike<number>);
      segmentations[cropAt] = [evaluated, predicted];
      inference.dispose();
      model.dispose();
    }
    const [evaluated, predicted] = segmentations.image!;
    // Not a trivial agreement: the untrained model paints more than one class inside a 16 × 16 window of a 40 × 40 volume.
    expect(new Set(evaluated).size).toBeGreaterThan(1);
    expect(Array.from(predicted)).toEqual(Array.from(evaluated));
    // With the label-centred crop, evaluation saw another window than predict does.
    const [byLabel, predictedThen] = segmentations.label!;
    expect(Array.from(predictedThen)).not.toEqual(Array.from(byLabel));
  }, 120_000);
});
