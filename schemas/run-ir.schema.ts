/**
 * The Run IR: one concrete, fully resolved experiment run, as plain JSON.
 *
 * This schema is the contract between compile time (`dsl/`, `compiler/`) and run time
 * (`runtime/`). It is the single source of truth: the TypeScript type `RunIR` is derived
 * from it (json-schema-to-ts), and `schemas/run-ir.schema.json` is generated from it
 * (`npm run schemas`; a test keeps the two identical). Every IR is validated with ajv
 * before it leaves the compiler, and a run can be re-executed from its IR alone.
 *
 * Conventions: fractions are in [0, 1] (the language's `70%` becomes 0.7); lengths are in
 * mm; sizes are voxel counts ordered [x, y] (2D) or [x, y, z] (3D); class lists never
 * include background (label 0); modality order is M1, M2 of the paper.
 */
import type { FromSchema } from 'json-schema-to-ts';

const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegative = { type: 'number', minimum: 0 } as const;
const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;
const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
const intList = { type: 'array', items: positiveInt, minItems: 1 } as const;
const spacingMm = { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 3, maxItems: 3 } as const;

export const datasetSchema = {
  $id: 'https://ablate.dev/schemas/dataset-ir.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title', 'source', 'classes', 'modalities'],
  properties: {
    name: identifier,
    title: { type: ['string', 'null'] },
    source: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'root'],
          properties: {
            /** nifti: ablate's NIfTI folders; mmwhs | btcv | chaos: a download in its published layout, imported into the cache on first use (runtime/data/import/). */
            kind: { enum: ['nifti', 'mmwhs', 'btcv', 'chaos'] },
            /** Folder of the dataset, resolved relative to the declaring file and written relative to the compile's working directory (POSIX separators). */
            root: { type: 'string', minLength: 1 },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'anatomy', 'size', 'spacing', 'seed'],
          properties: {
            kind: { const: 'phantom' },
            anatomy: { enum: ['cardiac', 'abdominal'] },
            /** Volume size in voxels [x, y, z]. */
            size: { type: 'array', items: positiveInt, minItems: 3, maxItems: 3 },
            /** Base voxel spacing in mm; each case jitters it (anisotropic). */
            spacing: spacingMm,
            seed: { type: 'integer' },
          },
        },
      ],
    },
    /** Foreground class names, in label order 1..Z, shared by every modality. */
    classes: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
    modalities: {
      type: 'object',
      minProperties: 1,
      propertyNames: identifier,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['images', 'labels', 'labelValues', 'backgroundValues', 'spacing', 'cases'],
        properties: {
          /** Images folder relative to source.root (NIfTI); '' for phantoms. */
          images: { type: 'string' },
          labels: { type: 'string' },
          /** Stored label value of each class, same order as `classes`. */
          labelValues: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1 },
          /** Other stored label values, read as background (MM-WHS's 550/600/850: structures the task does not segment). */
          backgroundValues: { type: 'array', items: { type: 'integer', minimum: 1 }, uniqueItems: true },
          /** Overrides the header spacing (mm), or null to read it from the files. */
          spacing: { oneOf: [spacingMm, { type: 'null' }] },
          /** Number of cases: required for phantoms, null for NIfTI (discovered). */
          cases: { oneOf: [positiveInt, { type: 'null' }] },
        },
      },
    },
  },
} as const;

const swinUnet = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'dims', 'patch', 'embed', 'depths', 'decoderDepths', 'heads', 'window', 'mlpRatio', 'qkvBias', 'dropPath'],
  properties: {
    kind: { const: 'swin_unet' },
    dims: { const: 2 },
    /** Patch size [px, py]. */
    patch: { type: 'array', items: positiveInt, minItems: 2, maxItems: 2 },
    /** C: channel width of stage 1; stage i has C·2^(i-1). */
    embed: positiveInt,
    depths: intList,
    decoderDepths: intList,
    heads: intList,
    /** Window size [wx, wy] (the same at every stage). */
    window: { type: 'array', items: positiveInt, minItems: 2, maxItems: 2 },
    mlpRatio: { type: 'number', exclusiveMinimum: 0 },
    qkvBias: { type: 'boolean' },
    dropPath: fraction,
  },
} as const;

const nnFormer = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'dims', 'patch', 'embed', 'depths', 'decoderDepths', 'heads', 'window', 'mlpRatio', 'qkvBias', 'dropPath'],
  properties: {
    kind: { const: 'nnformer' },
    dims: { const: 3 },
    /** Patch size [px, py, pz] (paper Table 3: 4 × 4 × 2). */
    patch: { type: 'array', items: positiveInt, minItems: 3, maxItems: 3 },
    embed: positiveInt,
    depths: intList,
    decoderDepths: intList,
    heads: intList,
    /** Volume window per stage: one [wx, wy, wz] per encoder stage. */
    window: {
      type: 'array',
      minItems: 1,
      items: { type: 'array', items: positiveInt, minItems: 3, maxItems: 3 },
    },
    mlpRatio: { type: 'number', exclusiveMinimum: 0 },
    qkvBias: { type: 'boolean' },
    dropPath: fraction,
  },
} as const;

const optimizer = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'lr', 'momentum', 'nesterov', 'weightDecay'],
      properties: {
        kind: { const: 'sgd' },
        lr: { type: 'number', exclusiveMinimum: 0 },
        momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        nesterov: { type: 'boolean' },
        weightDecay: nonNegative,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
      properties: {
        kind: { const: 'adamw' },
        lr: { type: 'number', exclusiveMinimum: 0 },
        beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        eps: { type: 'number', exclusiveMinimum: 0 },
        weightDecay: nonNegative,
      },
    },
  ],
} as const;

const schedule = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'power'],
      properties: { kind: { const: 'poly' }, power: { type: 'number', exclusiveMinimum: 0 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'warmupEpochs'],
      properties: { kind: { const: 'cosine' }, warmupEpochs: { type: 'integer', minimum: 0 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: { kind: { const: 'constant' } },
    },
  ],
} as const;

/** A weighted CE + Dice pair: `0.4 * ce + 0.6 * dice`. */
const segTerms = {
  type: 'object',
  additionalProperties: false,
  required: ['ce', 'dice'],
  properties: { ce: nonNegative, dice: nonNegative },
} as const;

export const runIrSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ablate.dev/schemas/run-ir.json',
  title: 'ablate Run IR',
  description: 'One concrete, fully resolved experiment run. Generated from schemas/run-ir.schema.ts; do not edit the .json by hand.',
  type: 'object',
  additionalProperties: false,
  required: ['irVersion', 'name', 'experiment', 'origin', 'dataset', 'data', 'model', 'loss', 'train', 'eval', 'repeat', 'specHash'],
  properties: {
    irVersion: { const: 1 },
    /** Concrete run name: `cardiac_ours`, `fig5_tau[loss.icr.tau=4]`, `abdominal_ours_x5#2`. */
    name: { type: 'string', minLength: 1 },
    /** The experiment declaration it was built from. */
    experiment: identifier,
    origin: {
      type: 'object',
      additionalProperties: false,
      required: ['file', 'group', 'point'],
      properties: {
        /** The source file that declared the experiment, relative to the working directory. */
        file: { type: 'string' },
        /** The sweep or repeat that produced this run, if any. */
        group: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['kind', 'name', 'index', 'count'],
              properties: {
                kind: { enum: ['sweep', 'repeat'] },
                name: identifier,
                index: { type: 'integer', minimum: 0 },
                count: positiveInt,
              },
            },
          ],
        },
        /** The sweep point as dotted path → value (`{"loss.icr.tau": 4}`); {} otherwise. */
        point: { type: 'object', additionalProperties: { type: ['number', 'string', 'boolean'] } },
      },
    },
    dataset: datasetSchema,
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['modalities', 'dims', 'slices', 'sliceAxis', 'crop', 'cropAt', 'spacing', 'intensity', 'split', 'sample'],
      properties: {
        /** Modalities trained jointly, in the paper's order M1, M2. One for `separate` single-modality runs is allowed. */
        modalities: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
        /** 2: slice-wise model; 3: volumetric model. Must equal model.backbone.dims. */
        dims: { enum: [2, 3] },
        /** 2D: consecutive slices stacked as input channels (odd); 3D: 1. */
        slices: positiveInt,
        /** 2D: the plane slices are cut in, on the canonical (closest RAS+) grid: axial (z-slices), coronal (x-z planes, one per y), sagittal (y-z planes, one per x); the in-plane crop [x, y] is then in that plane. 3D: axial. */
        sliceAxis: { enum: ['axial', 'coronal', 'sagittal'] },
        /** 2D: in-plane crop [x, y]; 3D: training patch [x, y, z]. */
        crop: { type: 'array', items: positiveInt, minItems: 2, maxItems: 3 },
        /**
         * 2D: what places the in-plane crop of every case (runtime/data/input-crop.ts): `image`,
         * the body found in the image (no label read, also for test cases and `predict`), or
         * `label`, the reference label's bounding box (the paper's protocol; uses test labels).
         */
        cropAt: { enum: ['image', 'label'] },
        /** Resampling target in mm, or null to keep each case's spacing. */
        spacing: { oneOf: [spacingMm, { type: 'null' }] },
        /**
         * In-plane grid [x, y] in voxels (on the sliced grid) that each case is resampled to over
         * its own field of view, the in-plane spacing following per case (App. C: abdominal volumes
         * at 256 × 256, "around 1.5 × 1.5 × 8 mm"); `spacing` then sets z only. Absent: no resize.
         */
        resize: { type: 'array', items: { type: 'integer', minimum: 2 }, minItems: 2, maxItems: 2 },
        intensity: {
          type: 'object',
          additionalProperties: false,
          required: ['clipTop', 'normalize'],
          properties: {
            /** Fraction of the intensity histogram removed from the top (0.02 = top 2%). */
            clipTop: { type: 'number', minimum: 0, maximum: 0.5 },
            normalize: { enum: ['zscore', 'minmax', 'none'] },
          },
        },
        split: {
          type: 'object',
          additionalProperties: false,
          required: ['train', 'val', 'test', 'seed', 'annotated'],
          properties: {
            train: fraction,
            val: fraction,
            test: fraction,
            seed: { type: 'integer' },
            /** Few-shot: modality → number of annotated training cases kept (others keep all). */
            annotated: { type: 'object', propertyNames: identifier, additionalProperties: positiveInt },
          },
        },
        /** Random subsets of cases per modality, drawn before splitting (repeats: `{mri: 9}`), or null. */
        sample: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['cases', 'seed'],
              properties: {
                cases: { type: 'object', propertyNames: identifier, additionalProperties: positiveInt },
                seed: { type: 'integer' },
              },
            },
          ],
        },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['backbone', 'joint', 'inChannels', 'numClasses', 'eam', 'classEmbedding', 'keepQueryAtInference'],
      properties: {
        backbone: { oneOf: [swinUnet, nnFormer] },
        /** separate: one model per modality; v1: per-modality encoders, shared decoder; v2: all shared, EAMs per modality; v3: v2 + modality-aware channel-wise multiplication (eq. 13–15). */
        joint: { enum: ['separate', 'v1', 'v2', 'v3'] },
        inChannels: positiveInt,
        /** Z + 1: foreground classes plus background. */
        numClasses: { type: 'integer', minimum: 2 },
        /** External Attention Modules at decoder scales, or null. 1-based: scale 1 is the first decoder stage after the bottleneck (H/4P × W/4P, 4C channels, paper §2.2), scale λ has 4C / 2^(λ-1) channels at twice the previous resolution. */
        eam: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['stages', 'heads'],
              properties: {
                stages: { type: 'array', items: positiveInt, minItems: 1, uniqueItems: true },
                heads: positiveInt,
              },
            },
          ],
        },
        /** Modality-specific class embeddings Q ∈ R^{Z×4C} (needed by EAMs and L_mcr). */
        classEmbedding: { type: 'boolean' },
        /** App. B: V3 may keep the modality query at inference. */
        keepQueryAtInference: { type: 'boolean' },
      },
    },
    loss: {
      type: 'object',
      additionalProperties: false,
      required: ['seg', 'aux', 'mcr', 'icr'],
      properties: {
        /** eq. (9) main head: weighted CE + soft Dice, per modality. */
        seg: segTerms,
        /** eq. (9) auxiliary heads on A at each EAM scale, weight α; null when off. */
        aux: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['weight', 'ce', 'dice'],
              properties: { weight: nonNegative, ce: nonNegative, dice: nonNegative },
            },
          ],
        },
        /** eq. (10) modality-level consistency, weight β; null when off. */
        mcr: {
          oneOf: [
            { type: 'null' },
            { type: 'object', additionalProperties: false, required: ['weight'], properties: { weight: nonNegative } },
          ],
        },
        /** eq. (11) image-level consistency, weight γ, temperature τ > 0; null when off. */
        icr: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['weight', 'tau'],
              properties: { weight: nonNegative, tau: { type: 'number', exclusiveMinimum: 0 } },
            },
          ],
        },
      },
    },
    train: {
      type: 'object',
      additionalProperties: false,
      required: ['epochs', 'stepsPerEpoch', 'batch', 'optimizer', 'schedule', 'clipGradNorm', 'seed', 'checkpointEvery', 'valEvery'],
      properties: {
        epochs: positiveInt,
        /** Steps per epoch, or null for one pass over the training samples. */
        stepsPerEpoch: { oneOf: [positiveInt, { type: 'null' }] },
        /** Samples per modality per step (each step takes one CT batch and one MRI batch). */
        batch: positiveInt,
        optimizer,
        schedule,
        clipGradNorm: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'null' }] },
        seed: { type: 'integer' },
        checkpointEvery: positiveInt,
        valEvery: positiveInt,
      },
    },
    eval: {
      type: 'object',
      additionalProperties: false,
      required: ['metrics', 'overlap'],
      properties: {
        metrics: { type: 'array', items: { enum: ['dice', 'asd', 'hd95'] }, minItems: 1, uniqueItems: true },
        /** 3D sliding-window overlap fraction. */
        overlap: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
      },
    },
    /** Set when the run is one draw of a `repeat`; results of a group are pooled when `pool`. */
    repeat: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['group', 'index', 'count', 'pool'],
          properties: {
            group: identifier,
            index: { type: 'integer', minimum: 0 },
            count: positiveInt,
            pool: { type: 'boolean' },
          },
        },
      ],
    },
    /** sha256 (hex) of the canonical JSON of this IR without `name`, `experiment`, `origin` and `specHash`. */
    specHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
} as const;

export type RunIR = FromSchema<typeof runIrSchema>;
export type DatasetIR = RunIR['dataset'];
export type DataIR = RunIR['data'];
export type ModelIR = RunIR['model'];
export type BackboneIR = ModelIR['backbone'];
export type LossIR = RunIR['loss'];
export type TrainIR = RunIR['train'];
export type EvalIR = RunIR['eval'];
