/**
 * The Figure IR: a plot over a sweep (`figure fig5 { sweep: fig5_tau, x: loss.icr.tau,
 * y: dice.mean }`): one point per sweep run, x read from the run's sweep point, y the
 * named metric (`dice.mean` = overall mean Dice, `dice.LVM` = one class). Over a repeat of a
 * sweep, each x has one point per draw (plotted as mean ± std over the draws); reference
 * lines (`references { "Joint V3": abdominal_v3 }`) pool the runs they name.
 */
import type { FromSchema } from 'json-schema-to-ts';

export const figureIrSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ablate.dev/schemas/figure-ir.json',
  title: 'ablate Figure IR',
  type: 'object',
  additionalProperties: false,
  required: ['irVersion', 'name', 'title', 'file', 'sweep', 'x', 'y', 'points', 'references'],
  properties: {
    irVersion: { const: 1 },
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    title: { type: ['string', 'null'] },
    file: { type: 'string' },
    sweep: { type: 'string' },
    /** A sweep axis (dotted configuration path). */
    x: { type: 'string' },
    /** `metric.mean` or `metric.<class>`. */
    y: { type: 'string' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['run', 'x', 'draw', 'specHash'],
        properties: {
          run: { type: 'string' },
          x: { type: ['number', 'string', 'boolean'] },
          /** The draw of a repeat over a sweep, or null for a plain sweep. */
          draw: { type: ['integer', 'null'], minimum: 0 },
          specHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
    /** Horizontal reference lines: an experiment or a repeat, pooled like a table row. */
    references: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['label', 'ref', 'runs', 'specHashes'],
        properties: {
          label: { type: 'string' },
          ref: { type: 'string' },
          runs: { type: 'array', items: { type: 'string' } },
          specHashes: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      },
    },
  },
} as const;

export type FigureIR = FromSchema<typeof figureIrSchema>;
