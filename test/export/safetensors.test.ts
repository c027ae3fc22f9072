/**
 * `ablate export --format safetensors`: the file is read back by an independent reader
 * written here from the format's spec (and by Python's numpy when this machine has it),
 * and the PyTorch names and layouts are checked by running PyTorch's conventions in plain
 * JS (Conv2d / Conv3d / ConvTranspose3d on channels-first tensors, Swin's PatchMerging
 * `x0..x3` concatenation, `nn.Linear`'s `[out, in]`) with the exported tensors and
 * comparing with ablate's own modules on the same input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { encodeSafetensors } from '../../runtime/export/safetensors/encode-safetensors.ts';
import { exportSafetensors } from '../../runtime/export/safetensors/export-safetensors.ts';
import { buildModel, type SegmentationModel } from '../../runtime/model/build-model.ts';
import { NnFormerDecoder, NnFormerEncoder } from '../../runtime/model/nnformer.ts';
import { SwinUnetEncoder } from '../../runtime/model/swin-unet.ts';
import { BACKBONE_VARIANTS } from '../../runtime/model/variants.ts';
import type { ModelIR } from '../../schemas/run-ir.schema.ts';

interface Read {
  shape: number[];
  data: Float32Array;
}

/** The format's spec, independently: u64 LE header size, JSON header, packed LE data. */
function readSafetensors(bytes: Uint8Array): { tensors: Map<string, Read>; metadata: Record<string, string>; headerLength: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const { __metadata__: metadata, ...entries } = header as unknown as Record<string, never> & { __metadata__: Record<string, string> };
  const start = 8 + n;
  const tensors = new Map<string, Read>();
  const spans: [number, number][] = [];
  for (const [name, e] of Object.entries(entries) as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][]) {
    expect(e.dtype).toBe('F32');
    const [a, b] = e.data_offsets;
    expect(b - a).toBe(4 * e.shape.reduce((p, d) => p * d, 1));
    spans.push([a, b]);
    const data = new Float32Array((b - a) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(start + a + 4 * i, true);
    tensors.set(name, { shape: e.shape, data });
  }
  // the byte buffer is entirely indexed, without overlap
  spans.sort((x, y) => x[0] - y[0]);
  let end = 0;
  for (const [a, b] of spans) {
    expect(a).toBe(end);
    end = b;
  }
  expect(start + end).toBe(bytes.byteLength);
  return { tensors, metadata, headerLength: n };
}

const get = (t: Map<string, Read>, name: string): Read => {
  const r = t.get(name);
  if (!r) throw new Error(`no tensor ${name}`);
  return r;
};

function layerNormRows(x: Float32Array, C: number, gamma: Float32Array, beta: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c]!;
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[r * C + c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / C + 1e-5);
    for (let c = 0; c < C; c++) out[r * C + c] = (x[r * C + c]! - mean) * inv * gamma[c]! + beta[c]!;
  }
  return out;
}

/** `nn.Linear` on rows: `y = x Wᵀ + b`, W `[out, in]`. */
function torchLinear(x: Float32Array, w: Read, b?: Read): Float32Array {
  const [O, I] = w.shape as [number, number];
  const rows = x.length / I;
  const y = new Float32Array(rows * O);
  for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) {
    let s = b ? b.data[o]! : 0;
    for (let i = 0; i < I; i++) s += x[r * I + i]! * w.data[o * I + i]!;
    y[r * O + o] = s;
  }
  return y;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

function perturbed(ir: ModelIR, crop: number[], ns: string): SegmentationModel {
  const m = buildModel(ir, { crop, modalities: ['ct', 'mri'], seed: 6, variableNamespace: ns });
  let seed = 1;
  for (const v of m.trainableVariables) tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', seed++))));
  return m;
}

const dir = mkdtempSync(path.join(tmpdir(), 'ablate-safetensors-'));
beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(() => undefined);

describe('safetensors export, 2D Swin-Unet V3', () => {
  const ir: ModelIR = {
    backbone: BACKBONE_VARIANTS.swin_unet_tiny!, joint: 'v3', inChannels: 3, numClasses: 4,
    eam: { stages: [1], heads: 2 }, classEmbedding: true, keepQueryAtInference: false,
  };
  const crop = [8, 8];
  let m: SegmentationModel;
  let file: ReturnType<typeof readSafetensors>;
  let bytes: Uint8Array;

  beforeAll(() => {
    m = perturbed(ir, crop, 'st2d/');
    const inference = m.inferenceModel();
    bytes = exportSafetensors(inference.weights, { ir, crop, modalities: ['ct', 'mri'] }, 'ct', { note: 'test' }).bytes;
    file = readSafetensors(bytes);
  });

  it("holds the modality's inference weights under Swin-Unet's names, header 8-byte aligned", () => {
    expect(file.headerLength % 8).toBe(0);
    expect(file.metadata).toEqual({ format: 'pt', note: 'test' });
    const names = [...file.tensors.keys()];
    const block = (p: string) => ['norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.proj.weight', 'attn.proj.bias', 'attn.relative_position_bias_table', 'norm2.weight', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias', 'phi1', 'phi2'].map((s) => `${p}.${s}`);
    const expected = [
      'image_embedding.conv1.weight', 'image_embedding.conv1.bias', 'image_embedding.conv2.weight', 'image_embedding.conv2.bias',
      'patch_embed.proj.weight', 'patch_embed.proj.bias', 'patch_embed.norm.weight', 'patch_embed.norm.bias',
      ...block('layers.0.blocks.0'), 'layers.0.downsample.norm.weight', 'layers.0.downsample.norm.bias', 'layers.0.downsample.reduction.weight',
      ...block('layers.1.blocks.0'), ...block('layers.1.blocks.1'), 'norm.weight', 'norm.bias',
      'layers_up.0.expand.weight', 'layers_up.0.norm.weight', 'layers_up.0.norm.bias', 'concat_back_dim.1.weight', 'concat_back_dim.1.bias',
      ...block('layers_up.1.blocks.0'), ...block('layers_up.1.blocks.1'), 'norm_up.weight', 'norm_up.bias',
      'up.expand.weight', 'up.norm.weight', 'up.norm.bias', 'output.weight',
    ];
    expect(names.sort()).toEqual(expected.sort());
    expect(get(file.tensors, 'attn.qkv.weight'.replace(/^/, 'layers.0.blocks.0.')).shape).toEqual([24, 8]);
    expect(get(file.tensors, 'patch_embed.proj.weight').shape).toEqual([8, 3, 2, 2]);
    expect(get(file.tensors, 'output.weight').shape).toEqual([4, 8, 1, 1]);
    expect(get(file.tensors, 'layers.0.downsample.reduction.weight').shape).toEqual([16, 32]);
  });

  it("computes ablate's patch embedding, patch merging, attention projection and head with PyTorch's conventions", () => {
    const path_ = m.modules.paths.get('ct')!;
    const enc = path_.encoder as SwinUnetEncoder;
    const t = file.tensors;
    // Conv2d(3 → 8, kernel = stride = 2) on NCHW, then LayerNorm
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D; // NHWC for ablate
    const xs = x.dataSync();
    const w = get(t, 'patch_embed.proj.weight');
    const conv = new Float32Array(4 * 4 * 8);
    for (let oy = 0; oy < 4; oy++) for (let ox = 0; ox < 4; ox++) for (let o = 0; o < 8; o++) {
      let s = get(t, 'patch_embed.proj.bias').data[o]!;
      for (let c = 0; c < 3; c++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        s += w.data[((o * 3 + c) * 2 + i) * 2 + j]! * xs[((2 * oy + i) * 8 + (2 * ox + j)) * 3 + c]!;
      }
      conv[(oy * 4 + ox) * 8 + o] = s;
    }
    const torchEmbed = layerNormRows(conv, 8, get(t, 'patch_embed.norm.weight').data, get(t, 'patch_embed.norm.bias').data);
    const ours = tf.tidy(() => enc.patchEmbed.apply(x, enc.geometry.input).dataSync());
    expect(maxDiff(torchEmbed, ours)).toBeLessThan(1e-5);

    // Swin's PatchMerging: x0 = x[0::2, 0::2], x1 = x[1::2, 0::2], x2 = x[0::2, 1::2], x3 = x[1::2, 1::2]
    const h = tf.randomNormal([1, 4, 4, 8], 0, 1, 'float32', 4) as tf.Tensor4D;
    const hs = h.dataSync();
    const cat = new Float32Array(2 * 2 * 32);
    const offsets = [[0, 0], [1, 0], [0, 1], [1, 1]] as const;
    for (let y = 0; y < 2; y++) for (let xx = 0; xx < 2; xx++) offsets.forEach(([dy, dx], p) => {
      for (let c = 0; c < 8; c++) cat[(y * 2 + xx) * 32 + p * 8 + c] = hs[((2 * y + dy) * 4 + (2 * xx + dx)) * 8 + c]!;
    });
    const merged = torchLinear(layerNormRows(cat, 32, get(t, 'layers.0.downsample.norm.weight').data, get(t, 'layers.0.downsample.norm.bias').data), get(t, 'layers.0.downsample.reduction.weight'));
    const oursMerged = tf.tidy(() => enc.merges[0]!.apply(h, enc.geometry.grids[0]!).dataSync());
    expect(maxDiff(merged, oursMerged)).toBeLessThan(1e-5);

    // nn.Linear qkv: y = x Wᵀ + b
    const tokens = tf.randomNormal([5, 8], 0, 1, 'float32', 5);
    const qkv = torchLinear(tokens.dataSync() as Float32Array, get(t, 'layers.0.blocks.0.attn.qkv.weight'), get(t, 'layers.0.blocks.0.attn.qkv.bias'));
    expect(maxDiff(qkv, tf.tidy(() => enc.stages[0]![0]!.attn.qkv.apply(tokens).dataSync()))).toBeLessThan(1e-5);
    // the 1×1 output convolution [classes, C, 1, 1]
    const head = get(t, 'output.weight');
    const logits = torchLinear(tokens.dataSync() as Float32Array, { shape: [4, 8], data: head.data });
    const dec = path_.decoder as unknown as { head: { apply(x: tf.Tensor): tf.Tensor } };
    expect(maxDiff(logits, tf.tidy(() => dec.head.apply(tokens).dataSync()))).toBeLessThan(1e-5);
    // V3's frozen Φ are the inference model's
    const inference = m.inferenceModel();
    expect(Array.from(get(t, 'layers_up.1.blocks.1.phi2').data)).toEqual(Array.from(inference.weights.get('ct/modulation/decoder/stage0/block1/phi2')!.dataSync()));
    inference.dispose();
    tf.dispose([x, h, tokens]);
  });

  it('reads back in Python with numpy, when this machine has it', () => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) return; // no Python/numpy here: the reader above is the check
    const target = path.join(dir, 'model.safetensors');
    writeFileSync(target, bytes);
    const script = [
      'import json, struct, sys, numpy as np',
      'b = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", b[:8])[0]',
      'h = json.loads(b[8:8 + n])',
      'h.pop("__metadata__", None)',
      'out = {k: float(np.frombuffer(b[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]], dtype="<f4").reshape(v["shape"]).astype(np.float64).sum()) for k, v in h.items()}',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, target], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const sums = JSON.parse(run.stdout) as Record<string, number>;
    expect(Object.keys(sums).sort()).toEqual([...file.tensors.keys()].sort());
    for (const [name, r] of file.tensors) expect(sums[name]).toBeCloseTo(r.data.reduce((s, v) => s + v, 0), 4);
  });
});

describe('safetensors export, 3D nnFormer-style', () => {
  it("Conv3d down-sampling and ConvTranspose3d up-sampling weights compute ablate's layers", () => {
    const ir: ModelIR = { backbone: BACKBONE_VARIANTS.nnformer_tiny!, joint: 'v2', inChannels: 1, numClasses: 3, eam: null, classEmbedding: false, keepQueryAtInference: false };
    const crop = [8, 8, 8];
    const m = perturbed(ir, crop, 'st3d/');
    const inference = m.inferenceModel();
    const { tensors: t } = readSafetensors(exportSafetensors(inference.weights, { ir, crop, modalities: ['ct', 'mri'] }, 'mri').bytes);
    const enc = m.modules.paths.get('mri')!.encoder as NnFormerEncoder;
    const dec = m.modules.paths.get('mri')!.decoder as NnFormerDecoder;
    expect(get(t, 'layers.0.downsample.reduction.weight').shape).toEqual([16, 8, 2, 2, 2]);
    expect(get(t, 'layers_up.0.weight').shape).toEqual([16, 8, 2, 2, 2]);
    expect(get(t, 'final.weight').shape).toEqual([8, 3, 2, 2, 2]);
    // Conv3d(8 → 16, kernel = stride = 2) after LayerNorm, on a 4³ grid
    const h = tf.randomNormal([4, 4, 4, 8], 0, 1, 'float32', 8) as tf.Tensor4D; // [D, H, W, C]
    const normed = layerNormRows(h.dataSync() as Float32Array, 8, get(t, 'layers.0.downsample.norm.weight').data, get(t, 'layers.0.downsample.norm.bias').data);
    const w = get(t, 'layers.0.downsample.reduction.weight');
    const down = new Float32Array(8 * 16);
    for (let z = 0; z < 2; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let o = 0; o < 16; o++) {
      let s = get(t, 'layers.0.downsample.reduction.bias').data[o]!;
      for (let c = 0; c < 8; c++) for (let a = 0; a < 2; a++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
        s += w.data[(((o * 8 + c) * 2 + a) * 2 + i) * 2 + j]! * normed[(((2 * z + a) * 4 + 2 * y + i) * 4 + 2 * x + j) * 8 + c]!;
      }
      down[((z * 2 + y) * 2 + x) * 16 + o] = s;
    }
    expect(maxDiff(down, tf.tidy(() => enc.downs[0]!.apply(h, enc.geometry.grids[0]!).dataSync()))).toBeLessThan(1e-5);
    // ConvTranspose3d(16 → 8, kernel = stride = 2): out[2z+a, 2y+i, 2x+j, o] = b[o] + Σ_c in[z, y, x, c] W[c, o, a, i, j]
    const u = tf.randomNormal([2, 2, 2, 16], 0, 1, 'float32', 9) as tf.Tensor4D;
    const us = u.dataSync();
    const wt = get(t, 'layers_up.0.weight');
    const upOut = new Float32Array(64 * 8);
    for (let z = 0; z < 4; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let o = 0; o < 8; o++) {
      const [a, i, j] = [z % 2, y % 2, x % 2];
      let s = get(t, 'layers_up.0.bias').data[o]!;
      for (let c = 0; c < 16; c++) s += us[((((z >> 1) * 2 + (y >> 1)) * 2 + (x >> 1)) * 16) + c]! * wt.data[(((c * 8 + o) * 2 + a) * 2 + i) * 2 + j]!;
      upOut[((z * 4 + y) * 4 + x) * 8 + o] = s;
    }
    expect(maxDiff(upOut, tf.tidy(() => dec.ups[0]!.apply(u).dataSync()))).toBeLessThan(1e-5);
    tf.dispose([h, u]);
    inference.dispose();
    m.dispose();
  });
});

describe('encodeSafetensors', () => {
  it('writes the bytes the spec describes', () => {
    const bytes = encodeSafetensors([{ name: 'a', shape: [2], data: new Float32Array([1, -2]) }]);
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true))).toBe(padded.length);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect(Array.from(bytes.subarray(8 + padded.length))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]); // 1.0f, -2.0f little-endian
    expect(() => encodeSafetensors([{ name: 'a', shape: [3], data: new Float32Array(2) }])).toThrow(/tensor 'a': has 2 values for shape \[3\]/);
  });
});
