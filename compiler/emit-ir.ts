/**
 * Builds the Run IR of one concrete run from its decoded settings (defaults of
 * dsl/SYNTAX.md already filled by the decoder) and its dataset, derives what the IR
 * states explicitly (dims, input channels, number of classes, per-stage windows), and
 * hashes it. Key order is canonical (sorted recursively) and
 * `specHash` = sha256 of the canonical JSON without `name`, `experiment`, `origin` and
 * `specHash`, so equivalent sources give byte-identical IRs.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { DatasetIR, RunIR } from '../schemas/run-ir.schema.ts';
import { canonicalize, sha256Canonical, sha256Json } from './canonical-json.ts';
import type { Settings } from './check/types.ts';
import type { ConcreteRun } from './expand-sweeps.ts';

type S = Settings;
const obj = (value: unknown): S => (value ?? {}) as S;

/** The IR version this compiler writes (`irVersion`). */
export const IR_VERSION = 1;

/** The dataset part of the IR. `root` is resolved against the declaring file, then written relative to `cwd` with `/`. */
export function buildDatasetIr(name: string, title: string | null, file: string, settings: S, cwd: string): DatasetIR {
  const source = obj(settings.source);
  const classes = settings.classes as string[];
  const modalities: Record<string, unknown> = {};
  for (const [modality, raw] of Object.entries(obj(settings.modalities))) {
    const m = obj(raw);
    modalities[modality] = {
      images: m.images ?? '',
      labels: m.labels ?? '',
      labelValues: (m.label_values as number[] | undefined) ?? classes.map((_, i) => i + 1),
      backgroundValues: (m.background_values as number[] | undefined) ?? [],
      spacing: m.spacing ?? null,
      cases: m.cases ?? null,
    };
  }
  const sourceIr =
    source.kind !== 'phantom'
      ? { kind: source.kind, root: relative(cwd, resolve(dirname(file), source.root as string)).split(sep).join('/') || '.' }
      : { kind: 'phantom', anatomy: source.anatomy, size: source.size, spacing: source.spacing, seed: source.seed };
  return { name, title, source: sourceIr, classes, modalities } as DatasetIR;
}

/** Per-stage windows: nnFormer's single window broadcast to every stage. */
function stageWindows(window: number[][], stages: number): number[][] {
  return window.length === 1 ? Array.from({ length: stages }, () => [...window[0]!]) : window;
}

function backboneIr(b: S): unknown {
  const depths = b.depths as number[];
  const common = {
    kind: b.kind,
    patch: b.patch,
    embed: b.embed,
    depths,
    decoderDepths: b.decoder_depths ?? depths,
    heads: b.heads,
    mlpRatio: b.mlp_ratio,
    qkvBias: b.qkv_bias,
    dropPath: b.drop_path,
  };
  return b.kind === 'swin_unet'
    ? { ...common, dims: 2, window: b.window }
    : { ...common, dims: 3, window: stageWindows(b.window as number[][], depths.length) };
}

/** A weight of 0 turns a term off (the IR then says null, so `mcr: 0` and no `mcr` hash the same). */
function weighted<T extends { weight: number }>(value: T | null | undefined): T | null {
  return value && value.weight !== 0 ? value : null;
}

function optimizerIr(o: S): unknown {
  if (o.kind === 'sgd') return { kind: 'sgd', lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weight_decay };
  const [beta1, beta2] = o.betas as number[];
  return { kind: 'adamw', lr: o.lr, beta1, beta2, eps: o.eps, weightDecay: o.weight_decay };
}

/**
 * The Run IR of `run` without its hash (`specHash: ''`), from type-checked settings.
 * Callers run the domain checks on it, then `finishRunIr`.
 */
export function buildRunIr(run: ConcreteRun, settings: S, dataset: DatasetIR, cwd: string): RunIR {
  const data = obj(settings.data);
  const model = obj(settings.model);
  const loss = obj(settings.loss);
  const train = obj(settings.train);
  const evaluation = obj(settings.eval);
  const backbone = obj(model.backbone);
  const dims = backbone.kind === 'nnformer' ? 3 : 2;
  const slices = (data.slices as number | undefined) ?? (dims === 2 ? 3 : 1);
  const eam = model.eam ? { stages: obj(model.eam).stages, heads: obj(model.eam).heads } : null;
  const split = obj(data.split);
  const intensity = obj(data.intensity);
  const aux = weighted(loss.aux as { weight: number; ce: number; dice: number } | null);
  const mcr = weighted(loss.mcr as { weight: number } | null);
  const icr = weighted(loss.icr as { weight: number; tau: number } | null);
  const ir = {
    irVersion: IR_VERSION,
    name: run.name,
    experiment: run.experiment,
    origin: { file: relative(cwd, resolve(run.file)).split(sep).join('/'), group: run.group, point: run.point },
    dataset,
    data: {
      modalities: (data.modalities as string[] | undefined) ?? Object.keys(dataset.modalities),
      dims,
      slices,
      sliceAxis: (data.slice_axis as string | undefined) ?? 'axial',
      crop: data.crop,
      cropAt: data.crop_at,
      spacing: data.spacing ?? null,
      // Omitted when unset, so runs without it keep their spec hashes.
      ...(data.resize ? { resize: data.resize as number[] } : {}),
      intensity: { clipTop: intensity.clip_top, normalize: intensity.normalize },
      split: { train: split.train, val: split.val, test: split.test, seed: split.seed, annotated: split.annotated ?? {} },
      sample: run.sample,
    },
    model: {
      backbone: backboneIr(backbone),
      joint: model.joint,
      inChannels: dims === 2 ? slices : 1,
      numClasses: dataset.classes.length + 1,
      eam,
      classEmbedding: (model.class_embedding as boolean | undefined) ?? (eam !== null || model.joint === 'v3'),
      keepQueryAtInference: model.keep_query_at_inference,
    },
    loss: {
      seg: loss.seg ?? { ce: 0.5, dice: 0.5 },
      aux: aux && { weight: aux.weight, ce: aux.ce, dice: aux.dice },
      mcr: mcr && { weight: mcr.weight },
      icr: icr && { weight: icr.weight, tau: icr.tau },
    },
    train: {
      epochs: train.epochs,
      stepsPerEpoch: train.steps_per_epoch ?? null,
      batch: train.batch,
      optimizer: optimizerIr(obj(train.optimizer)),
      // The default is written as a bare name (`constant`); written values are decoded to objects.
      schedule: typeof train.schedule === 'string' ? { kind: train.schedule } : train.schedule,
      clipGradNorm: train.clip_grad_norm ?? null,
      seed: train.seed,
      checkpointEvery: train.checkpoint_every,
      valEvery: train.val_every,
    },
    eval: { metrics: evaluation.metrics, overlap: evaluation.overlap },
    repeat: run.repeat,
    specHash: '',
  };
  return ir as unknown as RunIR;
}

/** The spec hash of an IR: sha256 of its canonical JSON without name, experiment, origin and specHash. */
export function specHashOf(ir: RunIR): string {
  const { name: _name, experiment: _experiment, origin: _origin, specHash: _hash, ...spec } = ir;
  return sha256Canonical(spec);
}

/** Sets the hash and puts every key in canonical order. */
export function finishRunIr(ir: RunIR): RunIR {
  // Canonicalized once: the hash is taken over the canonical IR less the keys specHashOf drops.
  const canonical = canonicalize({ ...ir, specHash: '' });
  const { name: _name, experiment: _experiment, origin: _origin, specHash: _hash, ...spec } = canonical;
  canonical.specHash = sha256Json(spec);
  return canonical;
}
