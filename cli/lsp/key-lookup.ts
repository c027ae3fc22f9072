/**
 * The key schema (compiler/check/key-schema.ts, the table the checker decodes with) read
 * by path, for hover and completion: which schema a dotted path has in a declaration,
 * which keys a block at a path accepts, and how to describe a type, unit and default.
 */
import type { Decl } from '../../dsl/ast.ts';
import { slurmLaunchFields } from '../../compiler/check/launch-settings.ts';
import { datasetFields, experimentFields, figureFields, repeatFields, tableFields, type Default, type FieldSchema, type Fields } from '../../compiler/check/key-schema.ts';

/** The kind a variant block picked (`swin_unet` for `backbone swin_unet { … }`), when known. */
export type KindOf = (path: readonly string[]) => string | undefined;

/** The keys at the root of a declaration's body. */
export function rootFields(kind: Decl['kind']): Fields {
  switch (kind) {
    case 'Experiment':
    case 'Sweep':
      return experimentFields;
    case 'Repeat':
      return repeatFields;
    case 'Dataset':
      return datasetFields;
    case 'Table':
      return tableFields;
    case 'Figure':
      return figureFields;
    case 'Launch':
      return slurmLaunchFields;
  }
}

/** The keys a value of `schema` accepts inside its block (`each` for maps keyed by user names). */
export function blockFields(schema: FieldSchema, path: readonly string[], kindOf: KindOf): { fields: Fields; each?: FieldSchema } | undefined {
  if (schema.type === 'block') return { fields: schema.fields, ...(schema.each ? { each: schema.each } : {}) };
  if (schema.type === 'weighted') return { fields: schema.fields };
  if (schema.type === 'variant') {
    const kind = kindOf(path);
    const chosen = kind === undefined ? undefined : schema.kinds[kind];
    // An unknown kind: every kind's keys, so completion still offers something sensible.
    return { fields: chosen ?? Object.assign({}, ...Object.values(schema.kinds)) };
  }
  return undefined;
}

/** The schema of the key at `path` (undefined for an unknown key). */
export function schemaAt(root: Fields, path: readonly string[], kindOf: KindOf): FieldSchema | undefined {
  let fields: { fields: Fields; each?: FieldSchema } | undefined = { fields: root };
  let schema: FieldSchema | undefined;
  for (let i = 0; i < path.length; i++) {
    if (!fields) return undefined;
    const name = path[i]!;
    schema = fields.fields[name] ?? fields.each;
    if (!schema) return undefined;
    if (i < path.length - 1) fields = blockFields(schema, path.slice(0, i + 1), kindOf);
  }
  return schema;
}

/** The keys valid directly inside the block at `path` (the root for an empty path). */
export function fieldsAt(root: Fields, path: readonly string[], kindOf: KindOf): { fields: Fields; each?: FieldSchema } | undefined {
  if (path.length === 0) return { fields: root };
  const schema = schemaAt(root, path, kindOf);
  return schema && blockFields(schema, path, kindOf);
}

const list = (values: readonly string[]) => values.join(' | ');

/** A one-line description of what a key takes. */
export function describeType(schema: FieldSchema): string {
  switch (schema.type) {
    case 'int':
      return schema.min !== undefined ? `integer ≥ ${schema.min}` : 'integer';
    case 'number': {
      const lo = schema.min === undefined ? '' : `${schema.exclusiveMin ? '>' : '≥'} ${schema.min}`;
      const hi = schema.max === undefined ? '' : `${schema.exclusiveMax ? '<' : '≤'} ${schema.max}`;
      return ['number', [lo, hi].filter(Boolean).join(', ')].filter(Boolean).join(' ');
    }
    case 'fraction':
      return `fraction (a percentage such as 70%, or a number in [0, ${schema.max ?? 1}${schema.exclusiveMax ? ')' : ']'})`;
    case 'bool':
      return 'true | false';
    case 'string':
      return 'string';
    case 'enum':
      return list(schema.values);
    case 'name':
      return 'a name';
    case 'names':
      return `list of names${schema.unique ? ' (no repeats)' : ''}`;
    case 'enumList':
      return `list of ${list(schema.values)}`;
    case 'ints':
      return `list of integers${schema.min !== undefined ? ` ≥ ${schema.min}` : ''}${schema.length ? `, ${schema.length} items` : ''}`;
    case 'numbers':
      return `list of numbers${schema.length ? `, ${schema.length} items` : ''}`;
    case 'dims': {
      const ranks = schema.ranks.map((r) => Array.from({ length: r }, () => 'n').join(' x ')).join(' or ');
      return `dimensions ${ranks}${schema.integer ? ' (integers)' : ''}${schema.scalar ? '; one number is used for every axis' : ''}`;
    }
    case 'windows':
      return `one window ${Array.from({ length: schema.rank }, () => 'n').join(' x ')}, or a list of one per encoder stage`;
    case 'loss':
      return 'weighted sum of ce and dice, e.g. 0.4 * ce + 0.6 * dice';
    case 'auxLoss':
      return 'α * (ce + dice), or a bare weight α';
    case 'weighted':
      return Object.keys(schema.fields).length ? `weight, optionally with options { ${Object.keys(schema.fields).join(', ')} }` : 'weight';
    case 'schedule':
      return 'poly(power) | cosine(warmup_epochs) | constant';
    case 'block':
      return schema.each ? 'block of named entries' : `block { ${Object.keys(schema.fields).join(', ')} }`;
    case 'variant':
      return `${list(Object.keys(schema.kinds))} { … }`;
    case 'external':
      return 'block';
  }
}

/** The unit a key is written in, when it has one. */
export function unitOf(schema: FieldSchema): string | undefined {
  if (schema.type === 'fraction') return '% (or a fraction)';
  if (schema.type === 'dims' && schema.unit) return schema.unit;
  return undefined;
}

/** A default as it would be written (`[2, 2, 2, 2]`, `4 x 4`), or what its absence means. */
export function describeDefault(value: Default | undefined, schema?: FieldSchema): string {
  if (value === undefined) return 'required';
  if (value === null) return 'none (off)';
  if (value === 'derived') return 'derived from other keys';
  if (schema?.type === 'dims' && Array.isArray(value)) return `\`${value.join(' x ')}${schema.unit ? ` ${schema.unit}` : ''}\``;
  if (schema?.type === 'fraction' && typeof value === 'number') return `\`${+(value * 100).toFixed(6)}%\``;
  if (schema?.type === 'windows' && Array.isArray(value)) return `\`${(value as number[][]).map((w) => w.join(' x ')).join(', ')}\``;
  if (Array.isArray(value)) return `\`[${value.join(', ')}]\``;
  return `\`${String(value)}\``;
}
