/**
 * The Table IR: one paper table as compiled from a `table` declaration, the input of
 * `ablate report` / `ablate reproduce`. Rows name the concrete runs to aggregate (one
 * for an experiment or a sweep point, `times` for a pooled repeat, none for a row that
 * only carries the paper's numbers); the paper's numbers are flat cells
 * row × modality × metric × (class | `mean`), plus the overall means.
 *
 * Units: Dice in %, ASD/HD95 in mm, as the paper prints them; `tolerance` is the pass
 * band |measured − paper| in those units. Single source of truth as in run-ir.schema.ts.
 */
import type { FromSchema } from 'json-schema-to-ts';

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
const metric = { enum: ['dice', 'asd', 'hd95'] } as const;
const stdOrNull = { oneOf: [{ type: 'number', minimum: 0 }, { type: 'null' }] } as const;

export const tableIrSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ablate.dev/schemas/table-ir.json',
  title: 'ablate Table IR',
  description: 'One paper table: rows → runs, columns, tolerance and the paper numbers. Generated from schemas/table-ir.schema.ts.',
  type: 'object',
  additionalProperties: false,
  required: ['irVersion', 'name', 'title', 'file', 'rows', 'columns', 'tolerance', 'paper'],
  properties: {
    irVersion: { const: 1 },
    name: identifier,
    title: { type: ['string', 'null'] },
    /** Declaring file, relative to the working directory. */
    file: { type: 'string' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'ref', 'kind', 'runs', 'specHashes'],
        properties: {
          label: { type: 'string', minLength: 1 },
          /** What the row names in the source (`cardiac_ours`, `fig5_tau[4]`), or null for a paper-only row. */
          ref: { type: ['string', 'null'] },
          kind: { enum: ['experiment', 'repeat', 'sweep-point', 'paper-only'] },
          /** Concrete run names whose results the row aggregates (pooled when several). */
          runs: { type: 'array', items: { type: 'string' } },
          /** The spec hash of each run, same order. */
          specHashes: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          /**
           * The row's ablation contract (`differs [paths] from "Row"`), checked at compile time:
           * its runs differ from those of row `from` in exactly these Run IR paths (IR spelling).
           * Reports pair the row with `from`.
           */
          contract: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'paths'],
            properties: { from: { type: 'string', minLength: 1 }, paths: { type: 'array', items: { type: 'string' }, minItems: 1 } },
          },
        },
      },
    },
    columns: {
      type: 'object',
      additionalProperties: false,
      required: ['metrics', 'modalities', 'classes', 'mean'],
      properties: {
        metrics: { type: 'array', items: metric, minItems: 1, uniqueItems: true },
        modalities: { type: 'array', items: identifier, minItems: 1, uniqueItems: true },
        /** Foreground classes, in label order (from the rows' dataset). */
        classes: { type: 'array', items: identifier, uniqueItems: true },
        /** Whether a per-modality mean column is printed. */
        mean: { type: 'boolean' },
      },
    },
    /** Pass band per metric, in the metric's unit; a metric without one is never judged. */
    tolerance: { type: 'object', propertyNames: { enum: ['dice', 'asd', 'hd95'] }, additionalProperties: { type: 'number', minimum: 0 } },
    paper: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['row', 'cells', 'overall'],
        properties: {
          /** A row label (rows with paper numbers only appear here and in `rows` as `paper-only`). */
          row: { type: 'string' },
          cells: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['modality', 'metric', 'class', 'mean', 'std'],
              properties: {
                modality: identifier,
                metric,
                /** A class name, or `mean` for the modality's mean over classes. */
                class: identifier,
                mean: { type: 'number' },
                std: stdOrNull,
              },
            },
          },
          /** Overall (both modalities) means the paper prints. */
          overall: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['metric', 'mean', 'std'],
              properties: { metric, mean: { type: 'number' }, std: stdOrNull },
            },
          },
        },
      },
    },
  },
} as const;

export type TableIR = FromSchema<typeof tableIrSchema>;
export type TableRowIR = TableIR['rows'][number];
export type PaperRowIR = TableIR['paper'][number];
export type PaperCellIR = PaperRowIR['cells'][number];
