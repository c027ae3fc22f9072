/**
 * Every key the language knows (dsl/SYNTAX.md), with its type and default: the single
 * table behind "unknown key, did you mean …", the type and unit checks, the defaults
 * filled into the Run IR, and the editor schema for YAML experiment documents.
 *
 * `default: undefined` (absent) means required; `null` means optional and off;
 * `'derived'` means the emitter computes it from other keys (e.g. `decoder_depths` = `depths`).
 */

export type Default = number | string | boolean | null | readonly unknown[] | 'derived';

interface Base {
  doc?: string;
  default?: Default;
}

/** Lists are non-empty unless `empty` says otherwise; `unique` forbids repeated items. */
interface ListRules {
  empty?: boolean;
  unique?: boolean;
}

export type FieldSchema =
  | (Base & { type: 'int'; min?: number })
  | (Base & { type: 'number'; min?: number; exclusiveMin?: boolean; max?: number; exclusiveMax?: boolean })
  | (Base & { type: 'fraction'; max?: number; exclusiveMax?: boolean })
  | (Base & { type: 'bool' })
  | (Base & { type: 'string' })
  | (Base & { type: 'enum'; values: readonly string[] })
  | (Base & { type: 'name' })
  | (Base & { type: 'names' } & ListRules)
  | (Base & { type: 'enumList'; values: readonly string[] } & ListRules)
  | (Base & { type: 'ints'; min?: number; length?: number } & ListRules)
  | (Base & { type: 'numbers'; length?: number; min?: number; max?: number; exclusiveMax?: boolean } & ListRules)
  /** `256 x 256`; with `scalar`, a single integer is broadcast (`patch: 4`). */
  | (Base & { type: 'dims'; ranks: readonly number[]; unit?: 'mm'; scalar?: boolean; integer?: boolean })
  /** One window `4 x 4 x 2`, or one per stage `[4 x 4 x 2, 4 x 4 x 1]`. */
  | (Base & { type: 'windows'; rank: number })
  /** A weighted sum of `ce` and `dice`: `0.4 * ce + 0.6 * dice`. */
  | (Base & { type: 'loss' })
  /** `α * (ce + dice)` or a bare weight α. */
  | (Base & { type: 'auxLoss' })
  /** A weight, optionally with options: `0.1`, `0.1 { tau: 4 }`. */
  | (Base & { type: 'weighted'; fields: Fields })
  /** `poly(0.9)`, `cosine(5)`, `constant`. */
  | (Base & { type: 'schedule' })
  /** A block with fixed keys; `each` for maps keyed by user names (`modalities { ct {…} }`). */
  | (Base & { type: 'block'; fields: Fields; each?: FieldSchema; head?: 'dataset'; at?: 'decoder' })
  /** A block whose head picks its kind and key set: `backbone swin_unet { … }`. */
  | (Base & { type: 'variant'; kinds: Record<string, Fields> })
  /** Read and checked by its own walker (a table's `paper` block: check/tables.ts). */
  | (Base & { type: 'external' });

export type Fields = Record<string, FieldSchema>;

const stageInts = { type: 'ints', min: 1 } as const;

export const swinUnetFields: Fields = {
  patch: { type: 'dims', ranks: [2], scalar: true, integer: true, default: [4, 4], doc: 'patch size in pixels' },
  embed: { type: 'int', min: 1, default: 96, doc: 'C, the channel width of stage 1' },
  depths: { ...stageInts, default: [2, 2, 2, 2], doc: 'Swin blocks per encoder stage' },
  decoder_depths: { ...stageInts, default: 'derived', doc: 'Swin blocks per decoder stage (default: depths)' },
  heads: { ...stageInts, default: [3, 6, 12, 24], doc: 'attention heads per stage' },
  window: { type: 'dims', ranks: [2], scalar: true, integer: true, default: [7, 7], doc: 'window size in tokens' },
  mlp_ratio: { type: 'number', min: 0, exclusiveMin: true, default: 4 },
  qkv_bias: { type: 'bool', default: true },
  drop_path: { type: 'fraction', default: 0.1 },
};

export const nnFormerFields: Fields = {
  patch: { type: 'dims', ranks: [3], scalar: true, integer: true, default: [4, 4, 2], doc: 'patch size in voxels (paper Table 3: 4 x 4 x 2)' },
  embed: { type: 'int', min: 1, default: 48 },
  depths: { ...stageInts, default: [2, 2, 2, 2] },
  decoder_depths: { ...stageInts, default: 'derived' },
  heads: { ...stageInts, default: [3, 6, 12, 24] },
  window: { type: 'windows', rank: 3, default: [[4, 4, 2]], doc: 'one volume window, or one per encoder stage' },
  mlp_ratio: { type: 'number', min: 0, exclusiveMin: true, default: 4 },
  qkv_bias: { type: 'bool', default: true },
  drop_path: { type: 'fraction', default: 0.1 },
};

export const experimentFields: Fields = {
  data: {
    type: 'block',
    head: 'dataset',
    doc: 'the dataset and how it is cut, split and normalised',
    fields: {
      modalities: { type: 'names', unique: true, default: 'derived', doc: "modalities trained jointly, in the paper's order M1, M2 (default: all of the dataset's)" },
      slices: { type: 'int', min: 1, default: 'derived', doc: '2D: consecutive slices as channels (3); 3D: 1' },
      crop: { type: 'dims', ranks: [2, 3], integer: true, doc: '2D in-plane crop or 3D patch, in voxels' },
      slice_axis: { type: 'enum', values: ['axial', 'coronal', 'sagittal'], default: 'axial', doc: '2D: the plane the volume is cut into (axial: z-slices; coronal: the x-z plane, one slice per y, as the paper cuts MM-WHS; sagittal: y-z); 3D: axial' },
      crop_at: { type: 'enum', values: ['image', 'label'], default: 'image', doc: "2D: centre the crop on the body found in the image (no label read), or on the reference label as the paper does (uses test labels)" },
      spacing: { type: 'dims', ranks: [3], unit: 'mm', default: null, doc: 'resampling target' },
      resize: { type: 'dims', ranks: [2], integer: true, default: null, doc: "in-plane grid [x, y] in voxels every case is resampled to over its own field of view (App. C: abdominal volumes at 256 x 256); `spacing` then sets z only, its x and y being the nominal ('around') in-plane spacing" },
      intensity: {
        type: 'block',
        fields: {
          clip_top: { type: 'fraction', max: 0.5, default: 0, doc: 'part of the intensity histogram removed from the top' },
          normalize: { type: 'enum', values: ['zscore', 'minmax', 'none'], default: 'zscore' },
        },
      },
      split: {
        type: 'block',
        fields: {
          train: { type: 'fraction' },
          val: { type: 'fraction' },
          test: { type: 'fraction' },
          seed: { type: 'int', default: 0 },
          annotated: { type: 'block', fields: {}, each: { type: 'int', min: 1 }, doc: 'few-shot: annotated training cases per modality' },
        },
      },
    },
  },
  model: {
    type: 'block',
    fields: {
      backbone: { type: 'variant', kinds: { swin_unet: swinUnetFields, nnformer: nnFormerFields } },
      joint: { type: 'enum', values: ['separate', 'v1', 'v2', 'v3'], default: 'separate' },
      eam: { type: 'block', at: 'decoder', default: null, fields: { heads: { type: 'int', min: 1 } }, doc: 'External Attention Modules at decoder scales' },
      class_embedding: { type: 'bool', default: 'derived', doc: 'modality-specific class embeddings (on when eam is set)' },
      keep_query_at_inference: { type: 'bool', default: false },
    },
  },
  loss: {
    type: 'block',
    doc: 'eq. (12): total = seg + α·aux + β·mcr + γ·icr',
    fields: {
      seg: { type: 'loss', default: 'derived', doc: 'main head loss (0.5 * ce + 0.5 * dice)' },
      aux: { type: 'auxLoss', default: null, doc: 'α * (ce + dice) on the semantic-aware maps A' },
      mcr: { type: 'weighted', fields: {}, default: null, doc: 'β, modality-level consistency, eq. (10)' },
      icr: { type: 'weighted', fields: { tau: { type: 'number', default: 4, doc: 'temperature τ of eq. (11)' } }, default: null, doc: 'γ, image-level consistency, eq. (11)' },
    },
  },
  train: {
    type: 'block',
    fields: {
      epochs: { type: 'int', min: 1 },
      steps_per_epoch: { type: 'int', min: 1, default: null },
      batch: { type: 'int', min: 1 },
      optimizer: {
        type: 'variant',
        kinds: {
          sgd: {
            lr: { type: 'number', min: 0, exclusiveMin: true },
            momentum: { type: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.9 },
            nesterov: { type: 'bool', default: false },
            weight_decay: { type: 'number', min: 0, default: 1e-4 },
          },
          adamw: {
            lr: { type: 'number', min: 0, exclusiveMin: true },
            betas: { type: 'numbers', length: 2, min: 0, max: 1, exclusiveMax: true, default: [0.9, 0.999] },
            eps: { type: 'number', min: 0, exclusiveMin: true, default: 1e-8 },
            weight_decay: { type: 'number', min: 0, default: 0.01 },
          },
        },
      },
      schedule: { type: 'schedule', default: 'constant', doc: 'poly(power) | cosine(warmup_epochs) | constant' },
      clip_grad_norm: { type: 'number', min: 0, exclusiveMin: true, default: null },
      seed: { type: 'int', default: 1234 },
      checkpoint_every: { type: 'int', min: 1, default: 1 },
      val_every: { type: 'int', min: 1, default: 1 },
    },
  },
  eval: {
    type: 'block',
    fields: {
      metrics: { type: 'enumList', values: ['dice', 'asd', 'hd95'], unique: true, default: ['dice', 'asd'] },
      overlap: { type: 'fraction', max: 1, exclusiveMax: true, default: 0.5, doc: '3D sliding-window overlap' },
    },
  },
};

export const datasetFields: Fields = {
  source: {
    type: 'variant',
    kinds: {
      nifti: { root: { type: 'string', doc: 'folder of the dataset, relative to this file' } },
      mmwhs: { root: { type: 'string', doc: 'MM-WHS 2017 download folder (ct_train/, mr_train/), relative to this file; imported into the cache on first use' } },
      btcv: { root: { type: 'string', doc: 'BTCV download folder (RawData/Training/img, label), relative to this file; imported into the cache on first use' } },
      chaos: { root: { type: 'string', doc: 'CHAOS download folder (Train_Sets/MR/<case>/T2SPIR), relative to this file; imported into the cache on first use' } },
      phantom: {
        anatomy: { type: 'enum', values: ['cardiac', 'abdominal'] },
        size: { type: 'dims', ranks: [3], integer: true, doc: 'volume size in voxels' },
        spacing: { type: 'dims', ranks: [3], unit: 'mm', default: [1, 1, 1] },
        seed: { type: 'int', default: 0 },
      },
    },
  },
  classes: { type: 'names', unique: true, doc: 'foreground class names (background is label 0)' },
  modalities: {
    type: 'block',
    fields: {},
    each: {
      type: 'block',
      fields: {
        images: { type: 'string', default: '' },
        labels: { type: 'string', default: '' },
        label_values: { type: 'ints', min: 1, default: 'derived', doc: 'stored label value of each class (default 1..Z)' },
        background_values: { type: 'ints', min: 1, default: [], doc: 'other stored label values, read as background' },
        spacing: { type: 'dims', ranks: [3], unit: 'mm', default: null },
        cases: { type: 'int', min: 1, default: null, doc: 'number of cases (phantoms)' },
      },
    },
  },
};

export const repeatFields: Fields = {
  times: { type: 'int', min: 1, doc: 'number of random draws' },
  sample: { type: 'block', fields: {}, each: { type: 'int', min: 1 }, default: null, doc: 'cases drawn per modality' },
  seed: { type: 'int', default: 0, doc: 'draw i uses seed + i' },
  pool: { type: 'bool', default: false, doc: 'pool test volumes of all draws' },
};

export const tableFields: Fields = {
  rows: { type: 'block', fields: {}, each: { type: 'name' }, doc: 'label → experiment, repeat or sweep point' },
  columns: {
    type: 'block',
    fields: {
      metrics: { type: 'enumList', values: ['dice', 'asd', 'hd95'], unique: true, default: ['dice', 'asd'] },
      modalities: { type: 'names', unique: true, default: 'derived' },
      mean: { type: 'bool', default: true },
    },
  },
  tolerance: {
    type: 'block',
    doc: 'pass band |measured − paper| per metric, in its unit (Dice %, ASD/HD95 mm)',
    fields: {
      dice: { type: 'number', min: 0, default: null },
      asd: { type: 'number', min: 0, default: null },
      hd95: { type: 'number', min: 0, default: null },
    },
  },
  // Read by walkPaper (check/tables.ts), which knows its nesting row → modality → metric → class.
  paper: { type: 'external', default: null, doc: 'row → modality | overall → metric → class | mean → value' },
};

export const figureFields: Fields = {
  sweep: { type: 'name' },
  x: { type: 'string', doc: 'a sweep axis, e.g. loss.icr.tau' },
  y: { type: 'string', default: 'dice.mean', doc: 'metric.class or metric.mean' },
  references: { type: 'block', fields: {}, each: { type: 'name' }, default: null, doc: 'label → experiment or repeat, drawn as a horizontal line (mean ± std)' },
};
