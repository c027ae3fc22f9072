/**
 * ablate's parameter names and layouts → the PyTorch names and layouts of the paper's
 * backbones, for one modality's EAM-free inference model (README.md, "Deploying a
 * model", has the table). 2D follows Swin-Unet's `SwinTransformerSys` state dict (Cao et
 * al. 2021, networks/swin_transformer_unet_skip_expand_decoder_sys.py): `patch_embed`,
 * `layers.{k}.blocks.{j}`, `layers.{k}.downsample`, `norm`, `layers_up.{i}`,
 * `concat_back_dim.{i}`, `norm_up`, `up`, `output`, with decoder stage k at
 * `layers_up.{K-1-k}`. 3D uses the same scheme for the nnFormer-style model, whose
 * down/up-sampling are Conv3d / ConvTranspose3d (kernel = stride = 2, README.md of
 * runtime/model). Parts the published code does not have are named for what they are:
 * the modality's image embedding (`image_embedding.conv1/2`, 1×1 convolutions) and V3's
 * frozen channel scales (`….blocks.{j}.phi1/phi2`, eq. 13–15, buffers of the block).
 *
 * Layouts: linear weights `[out, in]` (ablate keeps `[in, out]`); convolutions
 * `[out, in, (kd,) kh, kw]`; transposed convolutions `[in, out, kd, kh, kw]`; the 1×1
 * head `[classes, C, 1, 1]`; patch merging's 4 concatenated neighbours in Swin's
 * `x0, x1, x2, x3` order ((0,0), (1,0), (0,1), (1,1) as (row, column)) instead of
 * ablate's row-major block order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackboneGeometry } from '../../model/backbone.ts';
import { ExportError } from '../export-error.ts';

export type Layout =
  | { kind: 'same' }
  | { kind: 'linear' }
  | { kind: 'conv'; kernel: number[] }
  | { kind: 'convTranspose'; kernel: number[] }
  | { kind: 'mergeNorm' }
  | { kind: 'mergeReduction' };

export interface Mapped {
  name: string;
  layout: Layout;
}

/** Swin's x0..x3 = ablate's blocks (0,0), (1,0), (0,1), (1,1): block index 0, 2, 1, 3. */
const MERGE_ORDER = [0, 2, 1, 3];

const LEAF: Readonly<Record<string, string>> = { w: 'weight', b: 'bias', gamma: 'weight', beta: 'bias' };

function leafName(leaf: string): string {
  return LEAF[leaf] ?? leaf;
}

/** Block-internal path: `attn/qkv/w` → `attn.qkv.weight`, bias table kept. */
function blockPart(rest: string): Mapped {
  const parts = rest.split('/');
  const leaf = parts.pop()!;
  if (leaf === 'relative_position_bias_table') return { name: [...parts, leaf].join('.'), layout: { kind: 'same' } };
  return { name: [...parts, leafName(leaf)].join('.'), layout: { kind: leaf === 'w' ? 'linear' : 'same' } };
}

function kernelOf(g: BackboneGeometry, e: { d: number; h: number; w: number }): number[] {
  return g.kind === 'nnformer' ? [e.d, e.h, e.w] : [e.h, e.w];
}

/**
 * The PyTorch name and layout of an ablate parameter (owner segment removed:
 * `encoder/stage0/block1/attn/qkv/w`), or of a frozen scale (`modulation/<block key>/phi1`).
 */
export function pytorchName(name: string, g: BackboneGeometry): Mapped {
  const K = g.stages;
  const up = (k: number) => `layers_up.${K - 1 - k}`;
  let m: RegExpExecArray | null;
  if ((m = /^embedding\/(conv[12])\/(w|b)$/.exec(name))) {
    return { name: `image_embedding.${m[1]}.${leafName(m[2]!)}`, layout: m[2] === 'w' ? { kind: 'conv', kernel: kernelOf(g, { d: 1, h: 1, w: 1 }) } : { kind: 'same' } };
  }
  if ((m = /^encoder\/patch_embed\/(proj|norm)\/(\w+)$/.exec(name))) {
    return { name: `patch_embed.${m[1]}.${leafName(m[2]!)}`, layout: m[1] === 'proj' && m[2] === 'w' ? { kind: 'conv', kernel: kernelOf(g, g.patch) } : { kind: 'same' } };
  }
  if ((m = /^encoder\/stage(\d+)\/block(\d+)\/(.+)$/.exec(name))) {
    const part = blockPart(m[3]!);
    return { name: `layers.${m[1]}.blocks.${m[2]}.${part.name}`, layout: part.layout };
  }
  if ((m = /^encoder\/stage(\d+)\/merge\/(norm|reduction)\/(\w+)$/.exec(name))) {
    return { name: `layers.${m[1]}.downsample.${m[2]}.${leafName(m[3]!)}`, layout: { kind: m[2] === 'norm' ? 'mergeNorm' : 'mergeReduction' } };
  }
  if ((m = /^encoder\/stage(\d+)\/down\/(norm|conv)\/(\w+)$/.exec(name))) {
    const conv = m[2] === 'conv';
    return { name: `layers.${m[1]}.downsample.${conv ? 'reduction' : 'norm'}.${leafName(m[3]!)}`, layout: conv && m[3] === 'w' ? { kind: 'conv', kernel: kernelOf(g, g.factor) } : { kind: 'same' } };
  }
  if ((m = /^encoder\/norm\/(\w+)$/.exec(name))) return { name: `norm.${leafName(m[1]!)}`, layout: { kind: 'same' } };
  if ((m = /^decoder\/stage(\d+)\/expand\/(expand|norm)\/(\w+)$/.exec(name))) {
    const k = Number(m[1]);
    const where = k === K - 1 ? 'layers_up.0' : `${up(k)}.upsample`;
    return { name: `${where}.${m[2]}.${leafName(m[3]!)}`, layout: { kind: m[3] === 'w' ? 'linear' : 'same' } };
  }
  if ((m = /^decoder\/stage(\d+)\/concat\/(\w+)$/.exec(name))) {
    return { name: `concat_back_dim.${K - 1 - Number(m[1])}.${leafName(m[2]!)}`, layout: { kind: m[2] === 'w' ? 'linear' : 'same' } };
  }
  if ((m = /^decoder\/stage(\d+)\/block(\d+)\/(.+)$/.exec(name))) {
    const part = blockPart(m[3]!);
    return { name: `${up(Number(m[1]))}.blocks.${m[2]}.${part.name}`, layout: part.layout };
  }
  if ((m = /^decoder\/stage(\d+)\/up\/(conv\/w|bias)$/.exec(name))) {
    // up-sampling into decoder stage k, from stage k+1: the upsample of the stage above
    const k = Number(m[1]);
    const where = k === K - 2 ? 'layers_up.0' : `${up(k + 1)}.upsample`;
    return m[2] === 'bias' ? { name: `${where}.bias`, layout: { kind: 'same' } } : { name: `${where}.weight`, layout: { kind: 'convTranspose', kernel: kernelOf(g, g.factor) } };
  }
  if ((m = /^decoder\/norm\/(\w+)$/.exec(name))) return { name: `norm_up.${leafName(m[1]!)}`, layout: { kind: 'same' } };
  if ((m = /^decoder\/final_expand\/(expand|norm)\/(\w+)$/.exec(name))) {
    return { name: `up.${m[1]}.${leafName(m[2]!)}`, layout: { kind: m[2] === 'w' ? 'linear' : 'same' } };
  }
  if (name === 'decoder/head/w') return { name: 'output.weight', layout: { kind: 'conv', kernel: kernelOf(g, { d: 1, h: 1, w: 1 }) } };
  if ((m = /^decoder\/head\/(conv\/w|bias)$/.exec(name))) {
    return m[1] === 'bias' ? { name: 'final.bias', layout: { kind: 'same' } } : { name: 'final.weight', layout: { kind: 'convTranspose', kernel: kernelOf(g, g.patch) } };
  }
  if ((m = /^modulation\/(encoder|decoder)\/stage(\d+)\/block(\d+)\/(phi[12])$/.exec(name))) {
    const where = m[1] === 'encoder' ? `layers.${m[2]}` : up(Number(m[2]));
    return { name: `${where}.blocks.${m[3]}.${m[4]}`, layout: { kind: 'same' } };
  }
  throw new ExportError(`weight '${name}'`, 'has no PyTorch name', 'the safetensors export knows the Swin-Unet and nnFormer-style inference graphs only');
}

/** `values` (ablate layout, `shape`) in the PyTorch layout. */
export function toPytorchLayout(values: Float32Array, shape: readonly number[], layout: Layout): { data: Float32Array; shape: number[] } {
  const permuted = (reshaped: number[], perm: number[]) =>
    tf.tidy(() => {
      const t = tf.transpose(tf.tensor(values, reshaped, 'float32'), perm);
      return { data: Float32Array.from(t.dataSync()), shape: t.shape };
    });
  switch (layout.kind) {
    case 'same':
      return { data: values, shape: [...shape] };
    case 'linear':
      return permuted([...shape], [1, 0]);
    case 'conv': {
      // rows (k…, cin) → [cout, cin, k…]
      const [rows, cout] = shape as [number, number];
      const kn = layout.kernel.reduce((p, k) => p * k, 1);
      const r = layout.kernel.length;
      return permuted([...layout.kernel, rows / kn, cout], [r + 1, r, ...layout.kernel.map((_, a) => a)]);
    }
    case 'convTranspose': {
      // columns (k…, cout) → [cin, cout, k…]
      const [cin, cols] = shape as [number, number];
      const kn = layout.kernel.reduce((p, k) => p * k, 1);
      const r = layout.kernel.length;
      return permuted([cin, ...layout.kernel, cols / kn], [0, r + 1, ...layout.kernel.map((_, a) => 1 + a)]);
    }
    case 'mergeNorm': {
      const C = shape[0]! / 4;
      const out = new Float32Array(values.length);
      MERGE_ORDER.forEach((a, p) => out.set(values.subarray(a * C, (a + 1) * C), p * C));
      return { data: out, shape: [...shape] };
    }
    case 'mergeReduction': {
      // [4C (block, c), 2C] → rows in Swin's order, then [2C, 4C]
      const [rows, cout] = shape as [number, number];
      const C = rows / 4;
      const reordered = new Float32Array(values.length);
      MERGE_ORDER.forEach((a, p) => reordered.set(values.subarray(a * C * cout, (a + 1) * C * cout), p * C * cout));
      return tf.tidy(() => {
        const t = tf.transpose(tf.tensor2d(reordered, [rows, cout]));
        return { data: Float32Array.from(t.dataSync()), shape: t.shape };
      });
    }
  }
}
