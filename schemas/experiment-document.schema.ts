/**
 * JSON Schema (draft 2020-12) for experiment documents written in YAML or JSON
 * (dsl/yaml-frontend.ts describes the shape). Built from the compiler's key schema
 * (compiler/check/key-schema.ts), so editors complete and flag exactly the keys the
 * checker knows; `npm run schemas` writes it to experiment-document.schema.json for
 * `# yaml-language-server: $schema=…`. The schema is the editor's view: values the
 * language writes as expressions (`"64 x 64"`, `"2%"`, `"0.4 * ce + dice"`) are strings
 * here, and the checker (not this schema) decides whether they are right.
 */
import {
  datasetFields,
  experimentFields,
  figureFields,
  repeatFields,
  tableFields,
  type FieldSchema,
  type Fields,
} from '../compiler/check/key-schema.ts';
import { SCHEDULERS, SLURM_TIME, slurmLaunchFields } from '../compiler/check/launch-settings.ts';

type JsonSchema = Record<string, unknown>;

const identifier = '^[A-Za-z_][A-Za-z0-9_]*$';
const dotted = '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$';
const number = '[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?';
const dimsText = `^\\s*${number}(\\s*[x×]\\s*${number})*\\s*(mm)?\\s*$`;
const expression = { type: 'string', description: 'an expression of the language' };

function withDoc(schema: JsonSchema, field: FieldSchema): JsonSchema {
  const parts: string[] = [];
  if (field.doc) parts.push(field.doc);
  if (field.default !== undefined && field.default !== 'derived') parts.push(`default: ${JSON.stringify(field.default)}`);
  return parts.length ? { ...schema, description: parts.join('; ') } : schema;
}

const nullable = (schema: JsonSchema, field: FieldSchema): JsonSchema => (field.default === null ? { anyOf: [schema, { type: 'null' }] } : schema);

function fieldSchema(field: FieldSchema): JsonSchema {
  switch (field.type) {
    case 'int':
      return nullable({ type: 'integer', ...(field.min !== undefined ? { minimum: field.min } : {}) }, field);
    case 'number':
      return nullable({ type: 'number' }, field);
    case 'fraction':
      return { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'string', pattern: `^\\s*${number}\\s*%\\s*$` }] };
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { enum: [...field.values] };
    case 'name':
      return { type: 'string', pattern: identifier };
    case 'names':
      return { anyOf: [{ type: 'array', items: { type: 'string', pattern: identifier } }, { type: 'string', pattern: identifier }] };
    case 'enumList':
      return { type: 'array', items: { enum: [...field.values] }, uniqueItems: true };
    case 'ints':
      return { type: 'array', items: { type: 'integer' } };
    case 'numbers':
      return { type: 'array', items: { type: 'number' }, ...(field.length ? { minItems: field.length, maxItems: field.length } : {}) };
    case 'dims': {
      const options: JsonSchema[] = [{ type: 'string', pattern: dimsText }, { type: 'array', items: { type: 'number' } }];
      if (field.scalar) options.push({ type: 'integer', minimum: 1 });
      return nullable({ anyOf: options }, field);
    }
    case 'windows':
      return { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: dimsText }, { type: 'array', items: { anyOf: [{ type: 'string', pattern: dimsText }, { type: 'integer' }] } }] };
    case 'loss':
      return { anyOf: [expression, { type: 'number' }] };
    case 'auxLoss':
      return { anyOf: [expression, { type: 'number' }, { type: 'null' }] };
    case 'schedule':
      return { type: 'string', pattern: '^\\s*(constant|poly\\s*\\(.*\\)|cosine\\s*\\(.*\\))\\s*$' };
    case 'weighted':
      return {
        anyOf: [
          { type: 'number' },
          { type: 'null' },
          { type: 'object', properties: { weight: { type: 'number' }, ...fieldsSchema(field.fields) }, required: ['weight'], additionalProperties: false },
        ],
      };
    case 'block': {
      const properties: JsonSchema = { ...fieldsSchema(field.fields) };
      if (field.head === 'dataset') properties.dataset = { type: 'string', pattern: identifier, description: 'the dataset (the head of `data NAME { … }`)' };
      if (field.at === 'decoder') properties.at = { type: 'string', pattern: '^\\s*decoder\\s*\\[.*\\]\\s*$', description: 'placement, e.g. "decoder[1..3]"' };
      const block: JsonSchema = {
        type: 'object',
        properties,
        patternProperties: { [dotted]: {} },
        additionalProperties: field.each ? fieldSchema(field.each) : false,
      };
      return nullable(block, field);
    }
    case 'variant':
      return {
        anyOf: [
          { enum: Object.keys(field.kinds) },
          ...Object.entries(field.kinds).map(([kind, fields]) => ({
            type: 'object',
            properties: { kind: { const: kind }, ...fieldsSchema(fields) },
            required: ['kind'],
            additionalProperties: false,
          })),
        ],
      };
    case 'external':
      return { type: ['object', 'null'] };
  }
}

function fieldsSchema(fields: Fields): JsonSchema {
  return Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, withDoc(fieldSchema(field), field)]));
}

/** A declaration body: the given keys, dotted paths allowed, nothing else. */
function body(fields: Fields, extra: JsonSchema = {}, required: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties: { ...extra, ...fieldsSchema(fields) },
    patternProperties: { [dotted]: {} },
    additionalProperties: false,
    ...(required.length ? { required } : {}),
  };
}

/** A table row: a run, or a run with an ablation contract (`differs … from` in the language). */
const tableRow = {
  anyOf: [
    { type: 'string', description: 'an experiment, a repeat or a sweep point' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['run', 'differs', 'from'],
      properties: {
        run: { type: 'string', description: 'an experiment, a repeat or a sweep point' },
        differs: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*$' }, minItems: 1, description: 'the Run IR paths (or prefixes) this row changes, and nothing else' },
        from: { type: 'string', description: 'the label of the row it is compared with' },
      },
    },
  ],
};

/** The table body, whose rows may carry contracts. */
function tableBody(): JsonSchema {
  const schema = body(tableFields, { title });
  const properties = schema.properties as Record<string, JsonSchema>;
  properties.rows = { ...properties.rows, additionalProperties: tableRow };
  return schema;
}

/** The keys the key schema leaves to launch-settings.ts to decode (`external`), as strings the checker reads. */
const launchValues: Record<string, JsonSchema> = {
  time: { anyOf: [{ type: 'string', pattern: `^\\s*${number}\\s*(s|min|h|d)\\s*$` }, { type: 'string', pattern: SLURM_TIME.source }] },
  mem: { type: 'string', pattern: `^\\s*${number}\\s*(MB|GB|TB)\\s*$` },
  sbatch_args: { type: 'array', items: { type: 'string', pattern: '^-' } },
};

/** `launch: { slurm: { … } }`, the `launch slurm { … }` block: every key may be null (`none` unsets what an imported block set). */
function launchSchema(): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(slurmLaunchFields).map(([key, field]) => [key, withDoc({ anyOf: [launchValues[key] ?? fieldSchema(field), { type: 'null' }] }, field)]),
  );
  const slurm = { type: ['object', 'null'], properties, additionalProperties: false, description: 'defaults for `ablate launch --slurm`; flags override them; in no Run IR' };
  return { type: ['object', 'null'], properties: Object.fromEntries(SCHEDULERS.map((s) => [s, slurm])), additionalProperties: false, description: 'where runs execute, per scheduler' };
}

const declarations = (schema: JsonSchema) => ({ type: ['object', 'null'], propertyNames: { pattern: identifier }, additionalProperties: schema });
const title = { type: 'string', description: 'shown in tables and reports' };
const name = { type: 'string', pattern: identifier };

export const experimentDocumentSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ablate.dev/schemas/experiment-document.json',
  title: 'ablate experiment document',
  description: 'Experiments, datasets, sweeps, repeats, tables, figures and launch settings in YAML or JSON. Generated from compiler/check/key-schema.ts by `npm run schemas`.',
  type: 'object',
  additionalProperties: false,
  properties: {
    import: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'files to import, relative to this one' },
    datasets: declarations(body(datasetFields, { title })),
    experiments: declarations(body(experimentFields, { extends: { anyOf: [name, { type: 'null' }], description: 'the base experiment' } })),
    sweeps: declarations({
      type: 'object',
      additionalProperties: false,
      required: ['from', 'axes'],
      properties: {
        from: name,
        mode: { enum: ['grid', 'zip'], description: 'grid (default): cross product; zip: i-th values together' },
        set: { type: 'object', description: 'fixed overrides for every point (dotted paths)' },
        axes: { type: 'object', additionalProperties: { anyOf: [{ type: 'array' }, { type: 'string', pattern: '^\\s*-?\\d+\\s*\\.\\.\\s*-?\\d+\\s*$' }] } },
      },
    }),
    repeats: declarations(body(repeatFields, { from: name }, ['from'])),
    tables: declarations(tableBody()),
    figures: declarations(body(figureFields, { title })),
    launch: launchSchema(),
  },
} as const;
