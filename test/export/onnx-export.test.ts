/**
 * ONNX export (issue 15) checked on ONNX Runtime (onnxruntime-node, CPU), against ablate's
 * own inference:
 * - a tiny 2D V3 model trained by `ablate run` on a phantom, exported through the CLI from
 *   its MLflow run: ONNX Runtime's logits equal `InferenceModel.predict`'s and the argmax
 *   segmentation is identical; `predict --onnx` writes the same label volume as `predict`;
 * - a tiny 3D nnFormer-style V3 model at opset 13 (LayerNorm and GELU spelt out) and 21,
 *   also through predict --onnx's sliding windows (dynamic and fixed batch);
 * - the other 2D joints (V3 keeping its query, V1, separate) at opsets 14, 18, 20;
 * - the file's interface (names, symbolic batch, metadata) and no training-only weights;
 * - errors name what is wrong and leave no file behind.
 *
 * Tolerance: |ONNX − tfjs| ≤ 1e-4 · max(1, max|logit|). Both run the same float32
 * operations in another order (ORT's MatMul and LayerNorm accumulate differently from
 * tfjs's kernels); through ~20 layers of width ≤ 64 that moves logits by ~1e-6 relative
 * (measured: 5e-7), so 1e-4 leaves room without hiding a wrong weight or layout (which
 * moves them by O(1)).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerExportCommand } from '../../cli/commands/export.ts';
import { registerPredictCommand } from '../../cli/commands/predict.ts';
import { executeRuns } from '../../cli/run-session.ts';
import { compileFile } from '../../compiler/compile.ts';
import { initBackend, type BackendInfo } from '../../runtime/backend/select-backend.ts';
import { readNifti } from '../../runtime/data/nifti.ts';
import { exportOnnx } from '../../runtime/export/onnx/export-onnx.ts';
import { onnxPredictor } from '../../runtime/export/onnx/predict-onnx.ts';
import { argmaxClasses, predictVolume3D } from '../../runtime/data/volume-inference.ts';
import { predictor } from '../../runtime/run/evaluate.ts';
import { readOnnxMetadata, runIrOf } from '../../runtime/export/onnx/onnx-metadata.ts';
import { ModelProto } from '../../runtime/export/onnx/onnx-schema.ts';
import { buildModel } from '../../runtime/model/build-model.ts';
import { loadInferenceModel } from '../../runtime/model/parameters.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import { silentProgress } from '../../runtime/run/progress-sink.ts';
import { predictFile } from '../../runtime/run/predict-file.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';
import { runCommands } from '../cli/run-command.ts';

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 32 x 32 x 4, spacing: 1 x 1 x 2 mm, seed: 5 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 2, label_values: [1, 2, 3, 4] }, mri { cases: 2, label_values: [205, 420, 500, 820] } }
}

experiment tiny_v3 {
  data tiny {
    modalities: [ct, mri]
    slices: 3
    crop: 16 x 16
    split { train: 50%, val: 0%, test: 50%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 8, depths: [1, 2], heads: [1, 2], window: 4 }
    joint: v3
    eam at decoder[1] { heads: 1 }
  }
  loss { seg: 0.5 * ce + 0.5 * dice, aux: 0.4 * (ce + dice), mcr: 0.1, icr: 0.1 { tau: 4 } }
  train { epochs: 1, steps_per_epoch: 3, batch: 1, optimizer: adamw { lr: 1e-2 }, schedule: constant, seed: 3 }
  eval { metrics: [dice] }
}
`;

const ablate = (args: string[]) => runCommands([registerExportCommand, registerPredictCommand], args);

/** Largest |a − b| and whether the class argmax (axis 1 of channels-first) agrees everywhere. */
function compare(a: Float32Array, b: Float32Array, classes: number, perSample: number): { maxDiff: number; scale: number; argmaxEqual: boolean } {
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  let argmaxEqual = true;
  const N = a.length / (classes * perSample);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < perSample; p++) {
      let [ia, ib] = [0, 0];
      for (let k = 1; k < classes; k++) {
        const o = (n * classes + k) * perSample + p;
        if (a[o]! > a[(n * classes + ia) * perSample + p]!) ia = k;
        if (b[o]! > b[(n * classes + ib) * perSample + p]!) ib = k;
      }
      if (ia !== ib) argmaxEqual = false;
    }
  }
  return { maxDiff, scale, argmaxEqual };
}

/** tfjs `[B*D, H, W, K]` logits → channels-first `[B, K, (D,) H, W]`. */
function channelsFirst(x: tf.Tensor4D, depth: number): Float32Array {
  return tf.tidy(() => {
    if (depth === 1) return tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array;
    const [BD, H, W, K] = x.shape;
    return tf.transpose(tf.reshape(x, [BD / depth, depth, H, W, K]), [0, 4, 1, 2, 3]).dataSync() as Float32Array;
  });
}

let dir: string;
let backend: BackendInfo;
let store: string;
let runId: string;
let runDir: string;
let phantomImage: (modality: string) => string;

beforeAll(async () => {
  backend = await initBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'ablate-onnx-'));
  const file = path.join(dir, 'tiny.abl');
  await writeFile(file, SPEC);
  const compiled = compileFile(file, { cwd: dir });
  expect(compiled.diagnostics).toEqual([]);
  store = path.join(dir, 'mlruns');
  const tracker = createTracker(store);
  const [outcome] = await executeRuns([compiled.runs[0]!], {
    tracker, experimentName: 'ablate', backend, cwd: dir, cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', 'runs'),
    force: false, progress: silentProgress(), source: { file, text: SPEC }, version: 'test',
  });
  await tracker.close();
  expect(outcome!.status).toBe('finished');
  runId = outcome!.runId;
  const [experimentId] = readdirSync(store).filter((d) => /^\d{6,}$/.test(d));
  runDir = path.join(store, experimentId!, runId);
  const phantomRoot = path.join(dir, 'cache', 'phantom');
  const [hashDir] = readdirSync(phantomRoot).filter((d) => !d.startsWith('.'));
  phantomImage = (modality) => {
    const images = path.join(phantomRoot, hashDir!, modality, 'images');
    return path.join(images, readdirSync(images).sort()[0]!);
  };
}, 240_000);

describe('ablate export --format onnx (2D V3, trained)', () => {
  it('gives the logits and segmentation of ablate inference on ONNX Runtime, for every modality', async () => {
    const model = await loadInferenceModel(path.join(runDir, 'artifacts', 'model'));
    try {
      for (const modality of ['ct', 'mri']) {
        const out = path.join(dir, `tiny-${modality}.onnx`);
        const res = await ablate(['export', runDir, '--format', 'onnx', '--modality', modality, '--out', out]);
        expect(res.stderr).toBe('');
        expect(res.exitCode).toBe(0);
        expect(res.stdout).toContain(`ONNX (opset 17), swin_unet ${modality} path of tiny_v3`);
        const session = await ort.InferenceSession.create(out);
        expect(session.inputNames).toEqual(['image']);
        expect(session.outputNames).toEqual(['logits', 'probabilities', 'labels']);
        // a batch of 3 (the batch axis is dynamic): two random images and one of zeros
        const x = tf.concat([tf.randomNormal([2, 16, 16, 3], 0, 1.5, 'float32', 11), tf.zeros([1, 16, 16, 3])]) as tf.Tensor4D;
        const ours = tf.tidy(() => model.predict(x, modality));
        const input = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]));
        const result = await session.run({ image: new ort.Tensor('float32', input.dataSync() as Float32Array, [3, 3, 16, 16]) });
        expect(result['logits']!.dims).toEqual([3, 5, 16, 16]);
        const reference = channelsFirst(ours, 1);
        const { maxDiff, scale, argmaxEqual } = compare(result['logits']!.data as Float32Array, reference, 5, 256);
        expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
        expect(argmaxEqual).toBe(true);
        // the labels output is that argmax
        const labels = result['labels']!.data as BigInt64Array;
        expect(result['labels']!.dims).toEqual([3, 16, 16]);
        const argmax = tf.tidy(() => tf.argMax(ours, 3).dataSync());
        expect(Array.from(labels, Number)).toEqual(Array.from(argmax));
        await session.release();
        tf.dispose([x, ours, input]);
      }
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('records its interface and preprocessing, and holds no EAM, auxiliary head or query', async () => {
    const bytes = readFileSync(path.join(dir, 'tiny-mri.onnx'));
    const decoded = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: String }) as {
      irVersion: number; opsetImport: { domain?: string; version: number }[]; producerName: string;
      graph: { initializer: { name: string }[]; input: { name: string; type: { tensorType: { shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[]; output: { name: string }[] };
    };
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ version: 17 }]);
    expect(decoded.producerName).toBe('ablate');
    expect(decoded.graph.input[0]!.type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 16 }, { dimValue: 16 }]);
    const names = decoded.graph.initializer.map((i) => i.name);
    expect(names.filter((n) => /eam|aux|class_embedding|shared\/modulation|^ct\//.test(n))).toEqual([]);
    expect(names).toContain('mri/embedding/conv1/w');
    expect(names).toContain('shared/encoder/stage0/block0/attn/relative_position_bias_table');
    expect(names.filter((n) => /^mri\/modulation\/.+\/phi[12]$/.test(n)).length).toBe(2 * (1 + 2 + 1)); // V3: Φ1, Φ2 of every block (encoder 1 + 2, decoder 1), frozen
    const meta = readOnnxMetadata(bytes, 'tiny-mri.onnx');
    expect(meta['modality']).toBe('mri');
    expect(meta['crop']).toBe('[16,16]');
    expect(meta['slices_as_channels']).toBe('3');
    expect(JSON.parse(meta['class_names']!)).toEqual(['background', 'LVM', 'LAC', 'LVC', 'AA']);
    expect(JSON.parse(meta['label_values']!)).toEqual([0, 205, 420, 500, 820]);
    expect(meta['intensity_normalize']).toBe('zscore');
    expect(runIrOf(meta, 'tiny-mri.onnx').ir.name).toBe('tiny_v3');
  });

  it('predict --onnx writes the label volume predict writes, on the image grid, also from a fixed-batch export', async () => {
    const image = phantomImage('mri');
    const viaTfjs = path.join(dir, 'pred-tfjs.nii.gz');
    await predictFile({ model: runId, image, out: viaTfjs, modality: 'mri', labelValues: true, backend: 'cpu', trackingUri: store });
    const fixed = path.join(dir, 'tiny-mri-b1.onnx');
    expect((await ablate(['export', runId, '--tracking-uri', store, '-m', 'mri', '--batch', '1', '--opset', '21', '--out', fixed])).exitCode).toBe(0);
    for (const onnx of [path.join(dir, 'tiny-mri.onnx'), fixed]) {
      const viaOnnx = path.join(dir, `pred-onnx-${path.basename(onnx)}.nii.gz`);
      const res = await ablate(['predict', '--onnx', onnx, image, '--out', viaOnnx]);
      expect(res.stderr).toBe('');
      expect(res.stdout).toContain('(ONNX Runtime, mri); voxels per class: LVM');
      const [source, a, b] = [await readNifti(image), await readNifti(viaTfjs), await readNifti(viaOnnx)];
      expect(b.dims).toEqual(source.dims);
      expect(b.affine).toEqual(source.affine);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(new Set(b.data).size).toBeGreaterThan(1); // something was segmented, in the dataset's label values
      for (const v of new Set(b.data)) expect([0, 205, 420, 500, 820]).toContain(v);
    }
  }, 120_000);

  it('export --format safetensors writes the trained run\'s weights with PyTorch names', async () => {
    const out = path.join(dir, 'tiny-ct.safetensors');
    const res = await ablate(['export', runId, '--tracking-uri', store, '-f', 'safetensors', '-m', 'ct', '-o', out]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/tiny-ct\.safetensors: safetensors, \d+ tensors of the ct path of tiny_v3 \(PyTorch names\)/);
    const bytes = readFileSync(out);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape?: number[] }> & { __metadata__: Record<string, string> };
    expect(header.__metadata__['format']).toBe('pt');
    expect(header.__metadata__['modality']).toBe('ct');
    expect(header['patch_embed.proj.weight']!.shape).toEqual([8, 3, 2, 2]);
    expect(Object.keys(header).filter((k) => /eam|aux|class_embedding/.test(k))).toEqual([]);
  });

  it('names the problem and writes nothing on bad input', async () => {
    const out = path.join(dir, 'bad.onnx');
    let res = await ablate(['export', runDir, '--out', out]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/ExportError: .*holds one inference path per modality \(ct, mri\)\n {2}= hint: choose one with --modality ct\|mri/);
    res = await ablate(['export', runDir, '-m', 'mri', '--opset', '12', '--out', out]);
    expect(res.stderr).toMatch(/ExportError: opset 12: is not one the exporter writes\n {2}= hint: use an opset from 13 to 21 \(default 17\)/);
    res = await ablate(['export', runDir, '-m', 'mri', '--format', 'safetensors', '--opset', '17', '--out', out]);
    expect(res.stderr).toMatch(/--format safetensors: holds weights only: --opset and --batch do not apply/);
    res = await ablate(['export', runDir, '-m', 'pet', '--out', out]);
    expect(res.stderr).toMatch(/modality pet: is not one the model was trained on\n {2}= hint: use one of ct, mri/);
    res = await ablate(['export', runDir, '-m', 'mri', '--out', path.join(dir, 'no-such-folder', 'm.onnx')]);
    expect(res.stderr).toMatch(/no-such-folder\/m\.onnx: cannot be written \(ENOENT\)/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
    res = await ablate(['predict', '--onnx', path.join(dir, 'tiny-mri.onnx'), phantomImage('ct'), '-m', 'ct']);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/tiny-mri\.onnx: was exported for modality mri, not ct\n {2}= hint: export the ct path/);
    res = await ablate(['predict', '--onnx', path.join(dir, 'tiny.abl'), phantomImage('ct')]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/tiny\.abl: (is not an ONNX model|has no 'ablate\.run_ir')/);
  }, 60_000);
});

describe('ONNX export of the other 2D joint variants', () => {
  // V3 with its query kept (Φ computed from Q at export), V1 (own encoder, shared decoder), separate
  const cases: [ModelIR['joint'], boolean, number][] = [['v3', true, 20], ['v1', false, 18], ['separate', false, 14]];
  for (const [joint, keep, opset] of cases) {
    it(`${joint}${keep ? ' (query kept)' : ''} at opset ${opset}: ONNX Runtime gives ablate's logits for both modalities`, async () => {
      const ir: ModelIR = {
        backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint, inChannels: 3, numClasses: 4,
        eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: keep,
      };
      const m = buildModel(ir, { crop: [8, 8], modalities: ['ct', 'mri'], seed: 2, variableNamespace: `onnx2d-${joint}/` });
      let seed = 7;
      for (const v of m.trainableVariables) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', seed++))));
      const inference = m.inferenceModel();
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
      const input = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
      for (const modality of ['ct', 'mri']) {
        const bytes = exportOnnx(inference.weights, { ir, crop: [8, 8], modalities: ['ct', 'mri'] }, { modality, opset });
        const session = await ort.InferenceSession.create(bytes);
        const ours = tf.tidy(() => inference.predict(x, modality));
        const result = await session.run({ image: new ort.Tensor('float32', input, [2, 3, 8, 8]) });
        const { maxDiff, scale, argmaxEqual } = compare(result['logits']!.data as Float32Array, channelsFirst(ours, 1), 4, 64);
        expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
        expect(argmaxEqual).toBe(true);
        await session.release();
        ours.dispose();
      }
      x.dispose();
      inference.dispose();
      m.dispose();
    }, 60_000);
  }
});

describe('ONNX export of the 3D nnFormer-style model', () => {
  for (const opset of [13, 21]) {
    it(`V3 at opset ${opset}: ONNX Runtime gives ablate's logits and segmentation`, async () => {
      const ir: ModelIR = {
        backbone: BACKBONE_VARIANTS.nnformer_tiny!, joint: 'v3', inChannels: 1, numClasses: 3,
        eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false,
      };
      const crop = [8, 8, 8];
      const m = buildModel(ir, { crop, modalities: ['ct', 'mri'], seed: 4, variableNamespace: `onnx3d${opset}/` });
      // a trained-looking state: every parameter moved off its initial value
      let seed = 1;
      for (const v of m.trainableVariables) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', seed++))));
      const inference = m.inferenceModel();
      const bytes = exportOnnx(inference.weights, { ir, crop, modalities: ['ct', 'mri'] }, { modality: 'ct', opset });
      const session = await ort.InferenceSession.create(bytes);
      const x = tf.randomNormal([2 * 8, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D; // two volumes of depth 8
      const ours = tf.tidy(() => inference.predict(x, 'ct'));
      const result = await session.run({ image: new ort.Tensor('float32', x.dataSync() as Float32Array, [2, 1, 8, 8, 8]) });
      expect(result['logits']!.dims).toEqual([2, 3, 8, 8, 8]);
      const { maxDiff, scale, argmaxEqual } = compare(result['logits']!.data as Float32Array, channelsFirst(ours, 8), 3, 512);
      expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
      expect(argmaxEqual).toBe(true);
      // predict --onnx's sliding windows over a volume larger than the patch: the segmentation `predict` gives
      const dims: [number, number, number] = [12, 10, 9];
      const volume = { dims, image: Float32Array.from({ length: 12 * 10 * 9 }, (_, i) => Math.sin(i * 0.37) * 2) };
      const viaOnnx = await predictVolume3D(volume, crop, 3, onnxPredictor(session, 3, 3, opset === 13 ? 1 : undefined), { overlap: 0.5 });
      const viaTfjs = await predictVolume3D(volume, crop, 3, predictor(inference, 'ct', 3), { overlap: 0.5 });
      expect(Array.from(argmaxClasses(viaOnnx, 3))).toEqual(Array.from(argmaxClasses(viaTfjs, 3)));
      await session.release();
      tf.dispose([x, ours]);
      inference.dispose();
      m.dispose();
    }, 60_000);
  }
});
