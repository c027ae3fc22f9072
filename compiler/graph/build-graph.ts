/**
 * Run IR model section → model graph (pure data, no tfjs). Mirrors, module for module,
 * what `runtime/model/build-model.ts` builds (same parameter names, same counts; a test
 * compares the two), so `ablate graph` can show parameters, FLOPs and what exists only in
 * training without loading TensorFlow.js. The architecture choices are documented in
 * `runtime/model/README.md`.
 */
import type { ModelIR, RunIR } from '../../schemas/run-ir.schema.ts';
import { GraphError } from './graph-error.ts';
import type { Dim, GraphModule, ModelGraph, Phase, Shape } from './model-graph.ts';

type BackboneIR = ModelIR['backbone'];

/** What the graph needs besides the model section: the input size and the modalities. */
export interface GraphInput {
  model: ModelIR;
  /** Run IR `data.crop`: `[x, y]` or `[x, y, z]`. */
  crop: readonly number[];
  /** Run IR `data.modalities` (M1, M2, …). */
  modalities: readonly string[];
}

const SHARED = 'shared';

interface Grid {
  D: number;
  H: number;
  W: number;
}
interface Ext {
  d: number;
  h: number;
  w: number;
}

const size = (g: Grid) => g.D * g.H * g.W;
const ext = (xyz: readonly number[]): Ext => ({ w: xyz[0]!, h: xyz[1]!, d: xyz.length > 2 ? xyz[2]! : 1 });
const vol = (e: Ext) => e.d * e.h * e.w;

/** Build the graph of a whole Run IR. */
export function graphOfRun(ir: Pick<RunIR, 'model' | 'data'>): ModelGraph {
  return buildGraph({ model: ir.model, crop: ir.data.crop, modalities: ir.data.modalities });
}

export function buildGraph(input: GraphInput): ModelGraph {
  return new GraphBuilder(input).build();
}

class GraphBuilder {
  private readonly bb: BackboneIR;
  private readonly K: number;
  private readonly dims: number[];
  private readonly grids: Grid[];
  private readonly windows: Ext[];
  private readonly patch: Ext;
  private readonly input: Grid;
  private readonly is3d: boolean;
  private readonly Z: number;

  constructor(private readonly src: GraphInput) {
    const bb = (this.bb = src.model.backbone);
    this.K = bb.depths.length;
    this.is3d = bb.dims === 3;
    this.Z = src.model.numClasses;
    this.patch = ext(bb.patch);
    this.input = { W: src.crop[0]!, H: src.crop[1]!, D: src.crop.length > 2 ? src.crop[2]! : 1 };
    if (bb.heads.length !== this.K) throw new GraphError('model.backbone.heads', `${bb.heads.length} entries for ${this.K} stages`, 'give one heads entry per stage');
    if (bb.decoderDepths.length < this.K - 1) throw new GraphError('model.backbone.decoder_depths', `${bb.decoderDepths.length} entries for ${this.K} stages`, `give ${this.K} entries`);
    this.dims = bb.depths.map((_, k) => bb.embed * 2 ** k);
    const f: Ext = this.is3d ? { d: 2, h: 2, w: 2 } : { d: 1, h: 2, w: 2 };
    this.grids = [];
    let g: Grid = { D: this.input.D / this.patch.d, H: this.input.H / this.patch.h, W: this.input.W / this.patch.w };
    for (let k = 0; k < this.K; k++) {
      if (![g.D, g.H, g.W].every((n) => Number.isInteger(n) && n >= 1)) {
        throw new GraphError('data.crop', `crop ${src.crop.join(' x ')} does not divide into patches and ${this.K - 1} halvings`, 'choose a crop that is a multiple of patch × 2^(stages-1) on every axis');
      }
      this.grids.push(g);
      g = { D: g.D / f.d, H: g.H / f.h, W: g.W / f.w };
    }
    this.windows = bb.depths.map((_, k) => (bb.kind === 'swin_unet' ? ext(bb.window) : ext(bb.window[Math.min(k, bb.window.length - 1)]!)));
  }

  // ── shapes ─────────────────────────────────────────────────────────────────
  private map(g: Grid, c: number, cName = 'C'): Shape {
    const dims: Dim[] = [{ name: 'B' }];
    if (this.is3d) dims.push({ name: 'D', size: g.D });
    dims.push({ name: 'H', size: g.H }, { name: 'W', size: g.W }, { name: cName, size: c });
    return dims;
  }

  private queries(c: number, batched: boolean): Shape {
    const dims: Dim[] = batched ? [{ name: 'B' }] : [];
    return [...dims, { name: 'Z', size: this.Z }, { name: 'C', size: c }];
  }

  // ── leaves ─────────────────────────────────────────────────────────────────
  private node(path: string, kind: string, owner: string, phase: Phase, input: Shape, output: Shape, params: number, flops: number, children: GraphModule[] = [], note?: string): GraphModule {
    const sum = (f: (m: GraphModule) => number) => children.reduce((n, c) => n + f(c), 0);
    return {
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      kind,
      owner,
      phase,
      input,
      output,
      params: params + sum((c) => c.params),
      flops: flops + sum((c) => c.flops),
      ...(note === undefined ? {} : { note }),
      children,
    };
  }

  private linear(path: string, owner: string, phase: Phase, tokens: number, inShape: Shape, outShape: Shape, cin: number, cout: number, bias: boolean, kind = 'Linear'): GraphModule {
    return this.node(path, kind, owner, phase, inShape, outShape, cin * cout + (bias ? cout : 0), 2 * tokens * cin * cout);
  }

  private norm(path: string, owner: string, phase: Phase, shape: Shape, d: number): GraphModule {
    return this.node(path, 'LayerNorm', owner, phase, shape, shape, 2 * d, 0);
  }

  // ── backbone pieces ────────────────────────────────────────────────────────
  private block(path: string, owner: string, k: number, j: number, modulated: boolean): GraphModule {
    const d = this.dims[k]!;
    const g = this.grids[k]!;
    const w0 = this.windows[k]!;
    const shifted = j % 2 === 1;
    const ax = (n: number, w: number): [number, number] => (n <= w ? [n, 0] : [w, shifted ? Math.floor(w / 2) : 0]);
    const [wd, sd] = ax(g.D, w0.d);
    const [wh, sh] = ax(g.H, w0.h);
    const [ww, sw] = ax(g.W, w0.w);
    if (g.D % wd !== 0 || g.H % wh !== 0 || g.W % ww !== 0) {
      throw new GraphError('model.backbone.window', `window ${this.is3d ? `${wd}×` : ''}${wh}×${ww} does not divide the stage-${k} token grid ${this.is3d ? `${g.D}×` : ''}${g.H}×${g.W}`, 'choose a window that divides the token grid at every stage');
    }
    const heads = this.bb.heads[k]!;
    if (d % heads !== 0) throw new GraphError('model.backbone.heads', `${heads} heads do not divide the stage-${k} width ${d}`, 'choose heads that divide C·2^k');
    const T = size(g);
    const L = wd * wh * ww;
    const hidden = Math.floor(d * this.bb.mlpRatio);
    const shape = this.map(g, d);
    const tokenShape: Shape = [{ name: 'B·nW' }, { name: 'L', size: L }, { name: 'C', size: d }];
    const rows = (2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1);
    const attn = this.node(`${path}/attn`, 'WindowAttention', owner, 'both', tokenShape, tokenShape, rows * heads, 2 * T * L * d * 2, [
      this.linear(`${path}/attn/qkv`, owner, 'both', T, tokenShape, [...tokenShape.slice(0, 2), { name: '3C', size: 3 * d }], d, 3 * d, this.bb.qkvBias),
      this.linear(`${path}/attn/proj`, owner, 'both', T, tokenShape, tokenShape, d, d, true),
    ]);
    const isShifted = sd + sh + sw > 0;
    const win = `${this.is3d ? `${wd}×` : ''}${wh}×${ww}`;
    const note = `${isShifted ? 'SW-MSA' : 'W-MSA'} window ${win}${isShifted ? `, shift ${this.is3d ? `${sd}×` : ''}${sh}×${sw}` : ''}, ${heads} heads${modulated ? ', Φ1/Φ2 channel scales' : ''}`;
    return this.node(`${path}`, 'SwinBlock', owner, 'both', shape, shape, 0, 0, [
      this.norm(`${path}/norm1`, owner, 'both', shape, d),
      attn,
      this.norm(`${path}/norm2`, owner, 'both', shape, d),
      this.linear(`${path}/mlp/fc1`, owner, 'both', T, shape, this.map(g, hidden), d, hidden, true),
      this.linear(`${path}/mlp/fc2`, owner, 'both', T, this.map(g, hidden), shape, hidden, d, true),
    ], note);
  }

  private stage(path: string, owner: string, k: number, depth: number, modulated: boolean): GraphModule[] {
    return Array.from({ length: depth }, (_, j) => this.block(`${path}/block${j}`, owner, k, j, modulated));
  }

  private encoder(owner: string, modulated: boolean): GraphModule {
    const p = `${owner}/encoder`;
    const { K, dims, grids, patch } = this;
    const cin = this.src.model.inChannels;
    const children: GraphModule[] = [];
    const g0 = grids[0]!;
    const pin = vol(patch) * cin;
    children.push(
      this.node(`${p}/patch_embed`, 'PatchEmbedding', owner, 'both', this.map(this.input, cin), this.map(g0, dims[0]!), 0, 0, [
        this.linear(`${p}/patch_embed/proj`, owner, 'both', size(g0), this.map(g0, pin), this.map(g0, dims[0]!), pin, dims[0]!, true),
        this.norm(`${p}/patch_embed/norm`, owner, 'both', this.map(g0, dims[0]!), dims[0]!),
      ], `patch ${this.is3d ? `${patch.w}×${patch.h}×${patch.d}` : `${patch.w}×${patch.h}`} (x×y${this.is3d ? '×z' : ''})`),
    );
    for (let k = 0; k < K; k++) {
      const d = dims[k]!;
      const g = grids[k]!;
      const stageChildren = this.stage(`${p}/stage${k}`, owner, k, this.bb.depths[k]!, modulated);
      if (k < K - 1) {
        const gn = grids[k + 1]!;
        if (this.bb.kind === 'swin_unet') {
          stageChildren.push(
            this.node(`${p}/stage${k}/merge`, 'PatchMerging', owner, 'both', this.map(g, d), this.map(gn, 2 * d), 0, 0, [
              this.norm(`${p}/stage${k}/merge/norm`, owner, 'both', this.map(gn, 4 * d), 4 * d),
              this.linear(`${p}/stage${k}/merge/reduction`, owner, 'both', size(gn), this.map(gn, 4 * d), this.map(gn, 2 * d), 4 * d, 2 * d, false),
            ]),
          );
        } else {
          stageChildren.push(
            this.node(`${p}/stage${k}/down`, 'StridedConvDown', owner, 'both', this.map(g, d), this.map(gn, 2 * d), 0, 0, [
              this.norm(`${p}/stage${k}/down/norm`, owner, 'both', this.map(g, d), d),
              this.linear(`${p}/stage${k}/down/conv`, owner, 'both', size(gn), this.map(gn, 8 * d), this.map(gn, 2 * d), 8 * d, 2 * d, true, 'Conv 2×2×2 stride 2'),
            ]),
          );
        }
      }
      children.push(this.node(`${p}/stage${k}`, 'EncoderStage', owner, 'both', this.map(g, d), this.map(k < K - 1 ? grids[k + 1]! : g, k < K - 1 ? 2 * d : d), 0, 0, stageChildren));
    }
    if (this.bb.kind === 'swin_unet') children.push(this.norm(`${p}/norm`, owner, 'both', this.map(grids[K - 1]!, dims[K - 1]!), dims[K - 1]!));
    return this.node(p, this.bb.kind === 'swin_unet' ? 'SwinUnetEncoder' : 'NnFormerEncoder', owner, 'both', this.map(this.input, cin), this.map(grids[K - 1]!, dims[K - 1]!), 0, 0, children);
  }

  private decoder(owner: string, modulated: boolean): GraphModule {
    const p = `${owner}/decoder`;
    const { K, dims, grids, patch } = this;
    const nc = this.src.model.numClasses;
    const children: GraphModule[] = [];
    const swin = this.bb.kind === 'swin_unet';
    const expand = (path: string, gin: Grid, gout: Grid, din: number, s: Ext, out: number): GraphModule =>
      this.node(path, 'PatchExpanding', owner, 'both', this.map(gin, din), this.map(gout, out), 0, 0, [
        this.linear(`${path}/expand`, owner, 'both', size(gin), this.map(gin, din), this.map(gin, vol(s) * out), din, vol(s) * out, false),
        this.norm(`${path}/norm`, owner, 'both', this.map(gout, out), out),
      ]);
    const up = (path: string, kind: string, gin: Grid, gout: Grid, cin: number, cout: number, f: Ext): GraphModule =>
      this.node(path, kind, owner, 'both', this.map(gin, cin), this.map(gout, cout), cout, 0, [
        this.linear(`${path}/conv`, owner, 'both', size(gin), this.map(gin, cin), this.map(gin, vol(f) * cout), cin, vol(f) * cout, false),
      ], `kernel = stride = ${f.w}×${f.h}${this.is3d ? `×${f.d}` : ''}, bias [${cout}]`);
    if (swin) children.push(expand(`${p}/stage${K - 1}/expand`, grids[K - 1]!, grids[K - 2]!, dims[K - 1]!, { d: 1, h: 2, w: 2 }, dims[K - 2]!));
    for (let k = K - 2; k >= 0; k--) {
      const d = dims[k]!;
      const g = grids[k]!;
      const sc: GraphModule[] = [];
      if (swin) sc.push(this.linear(`${p}/stage${k}/concat`, owner, 'both', size(g), this.map(g, 2 * d), this.map(g, d), 2 * d, d, true, 'SkipConcatLinear'));
      else sc.push(up(`${p}/stage${k}/up`, 'TransposedConvUp', grids[k + 1]!, g, 2 * d, d, { d: 2, h: 2, w: 2 }));
      sc.push(...this.stage(`${p}/stage${k}`, owner, k, this.bb.decoderDepths[k]!, modulated));
      if (swin && k > 0) sc.push(expand(`${p}/stage${k}/expand`, g, grids[k - 1]!, d, { d: 1, h: 2, w: 2 }, d / 2));
      const out = swin && k > 0 ? this.map(grids[k - 1]!, d / 2) : this.map(g, d);
      children.push(this.node(`${p}/stage${k}`, 'DecoderStage', owner, 'both', this.map(swin ? g : grids[k + 1]!, swin ? d : 2 * d), out, 0, 0, sc, swin ? 'skip: concat + linear' : 'skip: add'));
    }
    if (swin) {
      children.push(this.norm(`${p}/norm`, owner, 'both', this.map(grids[0]!, dims[0]!), dims[0]!));
      children.push(expand(`${p}/final_expand`, grids[0]!, this.input, dims[0]!, patch, dims[0]!));
      children.push(this.linear(`${p}/head`, owner, 'both', size(this.input), this.map(this.input, dims[0]!), this.map(this.input, nc, 'K'), dims[0]!, nc, false, 'Head 1×1'));
    } else {
      children.push(up(`${p}/head`, 'TransposedConvHead', grids[0]!, this.input, dims[0]!, nc, patch));
    }
    return this.node(p, swin ? 'SwinUnetDecoder' : 'NnFormerDecoder', owner, 'both', this.map(grids[K - 1]!, dims[K - 1]!), this.map(this.input, nc, 'K'), 0, 0, children);
  }

  // ── training-only parts ────────────────────────────────────────────────────
  private eam(owner: string, scale: number, stage: number, queryDim: number, nextDim: number | null, first: boolean): GraphModule {
    const p = `${owner}/eam${scale}`;
    const d = this.dims[stage]!;
    const N = this.src.model.eam!.heads;
    const Z = this.Z;
    if (d % N !== 0) throw new GraphError('model.eam.heads', `${N} EAM heads do not divide the width ${d} at decoder scale ${scale}`, 'choose heads that divide every EAM width');
    const g = this.grids[stage]!;
    const L = size(g);
    const T = 'training';
    const q = this.queries(d, true);
    const children: GraphModule[] = [];
    if (queryDim !== d) children.push(this.linear(`${p}/input_reduction`, owner, T, Z, this.queries(queryDim, true), q, queryDim, d, true));
    children.push(this.norm(`${p}/norm_q`, owner, T, q, d), this.norm(`${p}/norm_f`, owner, T, this.map(g, d), d));
    children.push(this.linear(`${p}/wq`, owner, T, Z, q, q, d, d, true), this.linear(`${p}/wk`, owner, T, L, this.map(g, d), this.map(g, d), d, d, true));
    const Eshape: Shape = [{ name: 'B' }, { name: 'Z', size: Z }, { name: 'Z', size: Z }];
    children.push(this.node(`${p}/semantic_kernels`, 'SemanticCorrelation', owner, T, [{ name: 'B' }, { name: 'N', size: N }, { name: 'Z', size: Z }, { name: 'L', size: L }], Eshape, Z * d * N, 2 * Z * d * N + 2 * Z * N * Z * L + 2 * Z * Z * L, [], 'eq. 6–8: filtering, re-weighting, aggregation → E'));
    let flops = 2 * Z * L * d; // eq. 2: A = q kᵀ
    if (nextDim !== null) {
      const hidden = Math.floor(d * this.bb.mlpRatio);
      flops += 2 * Z * L * d; // softmax(A) v
      children.push(
        this.linear(`${p}/wv`, owner, T, L, this.map(g, d), this.map(g, d), d, d, true),
        this.linear(`${p}/wo`, owner, T, Z, q, q, d, d, true),
        this.norm(`${p}/norm_mlp`, owner, T, q, d),
        this.linear(`${p}/mlp/fc1`, owner, T, Z, q, this.queries(hidden, true), d, hidden, true),
        this.linear(`${p}/mlp/fc2`, owner, T, Z, this.queries(hidden, true), q, hidden, d, true),
        this.linear(`${p}/reduce`, owner, T, Z, q, this.queries(nextDim, true), d, nextDim, true, 'Reduction 1×1'),
      );
    }
    const note = `λ = ${scale} on decoder stage ${stage}, ${N} heads, Q ${first ? 'modality-specific' : 'image-specific'}${nextDim === null ? ', last: A and E only' : ''}`;
    return this.node(p, 'ExternalAttentionModule', owner, T, this.map(g, d), Eshape, 0, flops, children, note);
  }

  build(): ModelGraph {
    const model = this.src.model;
    const joint = model.joint;
    const mods = [...this.src.modalities];
    if (mods.length === 0) throw new GraphError('data.modalities', 'no modalities', 'list at least one modality');
    const shareEncoder = joint === 'v2' || joint === 'v3';
    const shareDecoder = joint !== 'separate';
    const modulated = joint === 'v3';
    const { K, dims } = this;
    const queryDim = dims[K - 2] ?? dims[0]!;
    const keepQuery = model.classEmbedding && modulated && model.keepQueryAtInference;
    const modules: GraphModule[] = [];
    const cin = model.inChannels;
    const pix = this.map(this.input, cin);

    for (const m of mods) {
      const p = `${m}/embedding`;
      modules.push(
        this.node(p, 'ImageEmbedding', m, 'both', pix, pix, 0, 0, [
          this.linear(`${p}/conv1`, m, 'both', size(this.input), pix, pix, cin, cin, true, 'Conv 1×1'),
          this.linear(`${p}/conv2`, m, 'both', size(this.input), pix, pix, cin, cin, true, 'Conv 1×1'),
        ]),
      );
      if (model.classEmbedding) {
        modules.push(this.node(`${m}/class_embedding`, 'ClassEmbedding', m, keepQuery ? 'both' : 'training', [], this.queries(queryDim, false), this.Z * queryDim, 0, [], 'Q ∈ R^{Z×4C}'));
      }
    }
    const blockList: { key: string; dim: number }[] = [];
    const collectBlocks = (g: GraphModule) => {
      for (const b of walkBlocks(g)) blockList.push({ key: b.path.slice(b.path.indexOf('/') + 1), dim: b.input[b.input.length - 1]!.size! });
    };
    if (shareEncoder) modules.push(this.encoder(SHARED, modulated));
    else for (const m of mods) modules.push(this.encoder(m, false));
    if (shareDecoder) modules.push(this.decoder(SHARED, modulated));
    else for (const m of mods) modules.push(this.decoder(m, false));
    if (modulated) {
      collectBlocks(modules.find((x) => x.path === `${SHARED}/encoder`)!);
      collectBlocks(modules.find((x) => x.path === `${SHARED}/decoder`)!);
    }

    const scales = [...(model.eam?.stages ?? [])].sort((a, b) => a - b);
    for (const s of scales) if (s < 1 || s > K - 1) throw new GraphError('model.eam.stages', `decoder scale ${s}, but the decoder has scales 1..${K - 1}`, `use eam at decoder[1..${K - 1}]`);
    if (model.eam) {
      for (const m of mods) {
        scales.forEach((s, i) => {
          const stage = K - 1 - s;
          const next = scales[i + 1];
          modules.push(this.eam(m, s, stage, i === 0 ? queryDim : dims[stage]!, next === undefined ? null : dims[K - 1 - next]!, i === 0));
          const g = this.grids[stage]!;
          const N = model.eam!.heads;
          const aIn = this.map(g, this.Z * N, 'Z·N');
          const aOut = this.map(g, model.numClasses, 'K');
          modules.push(
            this.node(`${m}/aux${s}`, 'AuxHead', m, 'training', aIn, aOut, 0, 0, [
              this.linear(`${m}/aux${s}/conv`, m, 'training', size(g), aIn, aOut, this.Z * N, model.numClasses, true, 'Conv 1×1'),
            ], 'eq. 9: F_1×1(A_λ)'),
          );
        });
      }
    }
    if (modulated) {
      if (!model.classEmbedding) throw new GraphError('model.class_embedding', 'joint v3 needs class embeddings', 'turn class_embedding on or use joint v2');
      const paramsMod = this.Z + blockList.reduce((n, b) => n + 2 * queryDim * b.dim, 0);
      const flopsMod = 2 * this.Z * queryDim + blockList.reduce((n, b) => n + 2 * 2 * queryDim * b.dim, 0);
      modules.push(this.node(`${SHARED}/modulation`, 'ChannelModulation', SHARED, keepQuery ? 'both' : 'training', this.queries(queryDim, false), [{ name: 'blocks', size: blockList.length }, { name: 'D' }], paramsMod, flopsMod, [], 'eq. 13: Ω = w1 Q, Φ1 = diag(Ω W2), Φ2 = diag(Ω W3) per block'));
      if (!keepQuery) {
        for (const m of mods) {
          modules.push(this.node(`${m}/modulation`, 'FrozenChannelScales', m, 'inference', [], [{ name: 'blocks', size: blockList.length }, { name: 'D' }], blockList.reduce((n, b) => n + 2 * b.dim, 0), 0, [], 'Φ1, Φ2 computed from the trained Q, stored as constants'));
        }
      }
    }

    const m1 = mods[0]!;
    const onPath = (x: GraphModule) => x.owner === m1 || x.owner === SHARED;
    const inTraining = (x: GraphModule) => x.phase !== 'inference';
    const inInference = (x: GraphModule) => x.phase !== 'training';
    const sum = (pred: (x: GraphModule) => boolean, f: (x: GraphModule) => number) => modules.filter(pred).reduce((n, x) => n + f(x), 0);
    return {
      title: `${model.backbone.kind} ${model.backbone.dims}D, joint ${joint}, ${model.numClasses} classes, input ${this.src.crop.join('×')}`,
      modalities: mods,
      modules,
      training: { params: sum(inTraining, (x) => x.params), flops: sum((x) => inTraining(x) && onPath(x), (x) => x.flops) },
      inference: { params: sum(inInference, (x) => x.params), flops: sum((x) => inInference(x) && onPath(x), (x) => x.flops) },
    };
  }
}

function* walkBlocks(m: GraphModule): Generator<GraphModule> {
  if (m.kind === 'SwinBlock') {
    yield m;
    return;
  }
  for (const c of m.children) yield* walkBlocks(c);
}
