/**
 * Type checking by decoding: a configuration tree is read against the key schema
 * (`key-schema.ts`), producing plain settings (snake_case keys as written, defaults
 * filled) and reporting unknown keys, wrong types, non-integers, out-of-range values and
 * missing keys. Units are delegated to `units.ts`. Every decoded value records where it
 * came from (dotted path → location) so later checks and the IR source map can point at it.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { Expr } from '../../dsl/ast.ts';
import type { ConfigBlock, ConfigValue } from '../config-tree.ts';
import { DiagnosticBag, type Diagnostic, type Location } from '../diagnostics.ts';
import type { Default, FieldSchema, Fields } from './key-schema.ts';
import { checkWholeNumber } from '../number-limits.ts';
import { isReservedName } from '../reserved-names.ts';
import { lossTerms } from './loss-expression.ts';
import { checkFraction, checkMillimetres, checkUnitless, numberOf } from './units.ts';

export type Settings = { [key: string]: unknown };

export interface DecodeContext {
  bag: DiagnosticBag;
  /** Dotted path (as written, `model.backbone.heads.1`) → where its value is. */
  locations: Map<string, Location>;
  /** Where the declaration is (its name): issues about its top level point there rather than at its whole body. */
  rootAt?: Location;
}

/** A close known name for "did you mean", or undefined when nothing is close. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(name, known as string[]);
  const limit = Math.max(2, Math.floor(name.length / 3));
  return distance(name, best) <= limit ? best : undefined;
}

/** A short description of what was written, for "expects X, found Y". */
export function describe(expr: Expr): string {
  switch (expr.kind) {
    case 'Number':
      return `\`${expr.text}\``;
    case 'String':
      return `the string "${expr.value}"`;
    case 'Ident':
      return `\`${expr.name}\``;
    case 'List':
      return 'a list';
    case 'Range':
      return 'a range';
    case 'Dims':
      return 'dimensions';
    case 'PlusMinus':
      return 'a mean ± std';
    case 'Binary':
      return 'an arithmetic expression';
    case 'Neg':
      return 'a negative number';
    case 'Call':
      return `a call \`${expr.callee.name}(…)\``;
    case 'Index':
      return `\`${expr.target.name}[…]\``;
    case 'Object':
      return 'a block';
  }
}

const dotted = (path: readonly string[]) => path.join('.');

function defaultValue(value: Default | undefined): unknown {
  if (value === 'derived') return undefined;
  // A copy, so no decoded setting shares an array or object with the schema; a number,
  // string or boolean needs none (structuredClone is a native call, made per default per run).
  if (value === undefined || value === null || typeof value !== 'object') return value;
  return structuredClone(value);
}

function isNone(value: ConfigValue): boolean {
  return value.kind === 'leaf' && value.expr.kind === 'Ident' && value.expr.name === 'none';
}

/** Where a block is: its key when it has one, else its span. */
function blockLocation(block: ConfigBlock): Location {
  return block.key ? { node: block.key } : { node: { span: block.span } };
}

/** True when a block schema has a key that must be written (so an absent block is reported once, as itself). */
function requiresKeys(schema: FieldSchema): boolean {
  if (schema.type !== 'block') return false;
  return Object.values(schema.fields).some((f) => (f.type === 'block' && f.default !== null ? requiresKeys(f) : f.default === undefined));
}

/**
 * Decodes the fields of `block` against `fields`; keys outside `fields` go through
 * `each` when given (maps keyed by user names) and are E030 otherwise.
 */
export function decodeFields(fields: Fields, block: ConfigBlock, path: string[], ctx: DecodeContext, each?: FieldSchema): Settings {
  const out: Settings = {};
  const here = path.length === 0 && ctx.rootAt ? ctx.rootAt : blockLocation(block);
  ctx.locations.set(dotted(path), here);
  const known = Object.keys(fields);
  for (const [name, value] of block.fields) {
    // Own keys only: `toString` or `constructor` must not find Object.prototype's members.
    const schema = Object.hasOwn(fields, name) ? fields[name] : each;
    if (schema && schema === each && !Object.hasOwn(fields, name) && isReservedName(name)) {
      ctx.bag.report({ code: 'E130', name, kind: `a key of \`${dotted(path)}\`` }, value.key ? { node: value.key } : { node: { span: value.kind === 'block' ? value.span : value.expr.span } });
      continue;
    }
    if (!schema) {
      const key = value.key ?? block.key;
      ctx.bag.report(
        { code: 'E030', key: name, path: dotted(path), suggestion: suggest(name, known), known },
        key ? { node: key } : { node: { span: value.kind === 'block' ? value.span : value.expr.span } },
      );
      continue;
    }
    const decoded = decodeValue(schema, value, [...path, name], ctx);
    if (decoded !== undefined) out[name] = decoded;
  }
  for (const [name, schema] of Object.entries(fields)) {
    if (block.fields.has(name)) continue;
    if (schema.type === 'block' && schema.default !== null && requiresKeys(schema)) {
      ctx.bag.report({ code: 'E034', path: dotted(path), key: name }, here);
    } else if (schema.type === 'block' && schema.default !== null) {
      // An absent block without required keys is an empty one: its defaults apply.
      const decoded = decodeValue(schema, { kind: 'block', fields: new Map(), key: block.key, span: block.span }, [...path, name], ctx);
      if (decoded !== undefined) out[name] = decoded;
    } else if (schema.default === undefined) {
      ctx.bag.report({ code: 'E034', path: dotted(path), key: name }, here);
    } else {
      const value = defaultValue(schema.default);
      if (value !== undefined) out[name] = value;
    }
  }
  return out;
}

/** A block decoded once: its settings, what decoding it reported, and where each value is. */
interface DecodedBlock {
  value: unknown;
  diagnostics: Diagnostic[];
  locations: [string, Location][];
}

/**
 * Blocks already decoded, by block, schema and path. Runs share the blocks their layers do
 * not change (a repeat's draws differ in `train.seed` only; a sweep point in one key), and
 * a block is never changed once built, so each is decoded once however many runs hold it
 * (`check experiments/` decodes 149 runs). Decoding a block reads nothing but the block,
 * its schema and its path; its settings are never changed afterwards.
 */
const decodedBlocks = new WeakMap<ConfigBlock, Map<FieldSchema, Map<string, DecodedBlock>>>();

/** Decodes one value; returns undefined after reporting an error. */
export function decodeValue(schema: FieldSchema, value: ConfigValue, path: string[], ctx: DecodeContext): unknown {
  if (value.kind !== 'block') return decodeValueNow(schema, value, path, ctx);
  let bySchema = decodedBlocks.get(value);
  if (!bySchema) decodedBlocks.set(value, (bySchema = new Map()));
  let byPath = bySchema.get(schema);
  if (!byPath) bySchema.set(schema, (byPath = new Map()));
  const key = dotted(path);
  let decoded = byPath.get(key);
  if (!decoded) {
    const own: DecodeContext = { bag: new DiagnosticBag(), locations: new Map() };
    decoded = { value: decodeValueNow(schema, value, path, own), diagnostics: own.bag.items, locations: [...own.locations] };
    byPath.set(key, decoded);
  }
  ctx.bag.add(...decoded.diagnostics);
  for (const [at, location] of decoded.locations) ctx.locations.set(at, location);
  return decoded.value;
}

function decodeValueNow(schema: FieldSchema, value: ConfigValue, path: string[], ctx: DecodeContext): unknown {
  const p = dotted(path);
  if (isNone(value) && schema.default === null) {
    ctx.locations.set(p, { node: (value as { expr: Expr }).expr });
    return null;
  }
  switch (schema.type) {
    case 'external':
      return undefined;
    case 'block': {
      if (value.kind !== 'block') return mismatch(value, p, 'a block `{ … }`', ctx);
      const out: Settings = {};
      if (schema.head === 'dataset') {
        if (!value.head) ctx.bag.report({ code: 'E034', path: p, key: 'dataset' }, blockLocation(value));
        else if (value.head.kind !== 'Ident') return mismatch({ kind: 'leaf', expr: value.head, key: value.key! }, p, 'a dataset name', ctx);
        else {
          out.dataset = value.head.name;
          ctx.locations.set(`${p}.dataset`, { node: value.head });
        }
      } else if (value.head) {
        return mismatch({ kind: 'leaf', expr: value.head, key: value.key! }, p, 'a block `{ … }`', ctx);
      }
      if (schema.at === 'decoder') {
        const stages = value.at ? decodeDecoderStages(value.at, p, ctx) : undefined;
        if (!value.at) ctx.bag.report({ code: 'E034', path: p, key: 'at decoder[…]' }, blockLocation(value));
        if (stages) out.stages = stages;
      }
      Object.assign(out, decodeFields(schema.fields, value, path, ctx, schema.each));
      return out;
    }
    case 'variant': {
      const head = value.kind === 'leaf' ? value.expr : value.head;
      const kinds = Object.keys(schema.kinds);
      if (!head || head.kind !== 'Ident') {
        return mismatch(value, p, `one of ${kinds.map((k) => `\`${k}\``).join(', ')}`, ctx);
      }
      const fields = schema.kinds[head.name];
      if (!fields) {
        ctx.bag.report({ code: 'E035', path: p, value: head.name, allowed: kinds, suggestion: suggest(head.name, kinds) }, { node: head });
        return undefined;
      }
      ctx.locations.set(`${p}.kind`, { node: head });
      const block = value.kind === 'block' ? value : { kind: 'block' as const, fields: new Map(), key: value.key, span: value.expr.span };
      return { kind: head.name, ...decodeFields(fields, block, path, ctx) };
    }
    case 'weighted': {
      const head = value.kind === 'leaf' ? value.expr : value.head;
      const number = head ? numberOf(head) : undefined;
      if (!head || !number) return mismatch(value, p, 'a weight such as `0.1`', ctx);
      const weight = checkUnitless(number, p, { node: head }, ctx.bag);
      ctx.locations.set(`${p}.weight`, { node: head });
      const block = value.kind === 'block' ? value : { kind: 'block' as const, fields: new Map(), key: value.key, span: value.expr.span };
      const options = decodeFields(schema.fields, block, path, ctx);
      return weight === undefined ? undefined : { weight, ...options };
    }
    default:
      if (value.kind === 'block') return mismatch(value, p, expectedOf(schema), ctx);
      ctx.locations.set(p, { node: value.expr });
      return decodeLeaf(schema, value.expr, p, ctx);
  }
}

function expectedOf(schema: FieldSchema): string {
  switch (schema.type) {
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'fraction':
      return 'a percentage such as `20%`';
    case 'bool':
      return '`true` or `false`';
    case 'string':
      return 'a string';
    case 'enum':
      return `one of ${schema.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'name':
      return 'a name';
    case 'names':
      return 'a list of names such as `[ct, mri]`';
    case 'enumList':
      return `a list of ${schema.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'ints':
      return 'a list of whole numbers such as `[2, 2, 2, 2]`';
    case 'numbers':
      return 'a list of numbers';
    case 'dims':
      return schema.ranks.map((r) => Array.from({ length: r }, () => 'n').join(' x ')).join(' or ') + (schema.unit ? ` ${schema.unit}` : '');
    case 'windows':
      return 'a window such as `4 x 4 x 2` or one per stage `[4 x 4 x 2, 4 x 4 x 1]`';
    case 'loss':
      return 'a weighted sum of `ce` and `dice`';
    case 'auxLoss':
      return 'a weight or `α * (ce + dice)`';
    case 'schedule':
      return '`poly(power)`, `cosine(warmup_epochs)` or `constant`';
    default:
      return 'a value';
  }
}

function mismatch(value: ConfigValue, path: string, expected: string, ctx: DecodeContext): undefined {
  const at: Location = value.kind === 'leaf' ? { node: value.expr } : value.head ? { node: value.head } : blockLocation(value);
  ctx.bag.report({ code: 'E031', path, expected, found: value.kind === 'leaf' ? describe(value.expr) : 'a block' }, at);
  return undefined;
}

function leafMismatch(expr: Expr, path: string, expected: string, ctx: DecodeContext): undefined {
  ctx.bag.report({ code: 'E031', path, expected, found: describe(expr) }, { node: expr });
  return undefined;
}

/** An integer (E031/E032/E040/E033 as it goes). */
function readInt(expr: Expr, path: string, ctx: DecodeContext, min?: number): number | undefined {
  const number = numberOf(expr);
  if (!number) return leafMismatch(expr, path, 'a whole number', ctx);
  const value = checkUnitless(number, path, { node: expr }, ctx.bag);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) {
    ctx.bag.report({ code: 'E032', path, value }, { node: expr });
    return undefined;
  }
  if (!checkWholeNumber(value, min !== undefined && min >= 1, path, { node: expr }, ctx.bag)) return undefined;
  if (min !== undefined && value < min) {
    ctx.bag.report({ code: 'E033', path, value, min }, { node: expr });
    return undefined;
  }
  return value;
}

function inRange(
  value: number,
  bounds: { min?: number; exclusiveMin?: boolean; max?: number; exclusiveMax?: boolean },
): boolean {
  const { min, max, exclusiveMin, exclusiveMax } = bounds;
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) return false;
  if (max !== undefined && (exclusiveMax ? value >= max : value > max)) return false;
  return true;
}

function listItems(expr: Expr): Expr[] | undefined {
  return expr.kind === 'List' ? expr.items : undefined;
}

function decodeLeaf(schema: FieldSchema, expr: Expr, path: string, ctx: DecodeContext): unknown {
  switch (schema.type) {
    case 'int':
      return readInt(expr, path, ctx, schema.min);
    case 'number': {
      const number = numberOf(expr);
      if (!number) return leafMismatch(expr, path, 'a number', ctx);
      const value = checkUnitless(number, path, { node: expr }, ctx.bag);
      if (value === undefined) return undefined;
      if (!inRange(value, schema)) {
        ctx.bag.report({ code: 'E033', path, value, min: schema.min, max: schema.max, exclusiveMin: schema.exclusiveMin, exclusiveMax: schema.exclusiveMax }, { node: expr });
        return undefined;
      }
      return value;
    }
    case 'fraction': {
      const number = numberOf(expr);
      if (!number) return leafMismatch(expr, path, 'a percentage such as `20%`', ctx);
      const value = checkFraction(number, path, { node: expr }, ctx.bag);
      if (value === undefined) return undefined;
      if (schema.max !== undefined && !inRange(value, { max: schema.max, exclusiveMax: schema.exclusiveMax })) {
        // Worded in percent, as fractions are usually written.
        const pct = (f: number) => +(f * 100).toFixed(6);
        ctx.bag.report({ code: 'E033', path, value: pct(value), max: pct(schema.max), exclusiveMax: schema.exclusiveMax, unit: '%' }, { node: expr });
        return undefined;
      }
      return value;
    }
    case 'bool':
      if (expr.kind === 'Ident' && (expr.name === 'true' || expr.name === 'false')) return expr.name === 'true';
      return leafMismatch(expr, path, '`true` or `false`', ctx);
    case 'string':
      if (expr.kind === 'String') return expr.value;
      if (expr.kind === 'Ident') return expr.name;
      return leafMismatch(expr, path, 'a string', ctx);
    case 'enum':
    case 'name': {
      const name = expr.kind === 'Ident' ? expr.name : expr.kind === 'String' ? expr.value : undefined;
      if (name === undefined) {
        if (schema.type === 'name' && expr.kind === 'Index' && expr.index.kind === 'Number') return `${expr.target.name}[${expr.index.value}]`;
        return leafMismatch(expr, path, expectedOf(schema), ctx);
      }
      if (schema.type === 'enum' && !schema.values.includes(name)) {
        ctx.bag.report({ code: 'E035', path, value: name, allowed: [...schema.values], suggestion: suggest(name, schema.values) }, { node: expr });
        return undefined;
      }
      return name;
    }
    case 'names':
    case 'enumList': {
      const items = expr.kind === 'Ident' ? [expr] : listItems(expr);
      if (!items) return leafMismatch(expr, path, expectedOf(schema), ctx);
      if (!checkListRules(items, schema, path, expr, ctx)) return undefined;
      const out: string[] = [];
      items.forEach((item, i) => {
        ctx.locations.set(`${path}.${i}`, { node: item });
        if (item.kind !== 'Ident') return leafMismatch(item, `${path}[${i}]`, 'a name', ctx);
        if (schema.type === 'enumList' && !schema.values.includes(item.name)) {
          ctx.bag.report({ code: 'E035', path, value: item.name, allowed: [...schema.values], suggestion: suggest(item.name, schema.values) }, { node: item });
          return;
        }
        out.push(item.name);
      });
      return out.length === items.length ? out : undefined;
    }
    case 'ints':
    case 'numbers': {
      const items = listItems(expr);
      if (!items) return leafMismatch(expr, path, expectedOf(schema), ctx);
      if (!checkListRules(items, schema, path, expr, ctx)) return undefined;
      if (schema.length !== undefined && items.length !== schema.length) {
        ctx.bag.report({ code: 'E037', path, expected: [schema.length], found: items.length }, { node: expr });
        return undefined;
      }
      const out: number[] = [];
      items.forEach((item, i) => {
        ctx.locations.set(`${path}.${i}`, { node: item });
        const value =
          schema.type === 'ints'
            ? readInt(item, path, ctx, schema.min)
            : (() => {
                const n = numberOf(item);
                const value = n ? checkUnitless(n, path, { node: item }, ctx.bag) : leafMismatch(item, path, 'a number', ctx);
                if (value !== undefined && !inRange(value, schema)) {
                  ctx.bag.report({ code: 'E033', path, value, min: schema.min, max: schema.max, exclusiveMax: schema.exclusiveMax }, { node: item });
                  return undefined;
                }
                return value;
              })();
        if (value !== undefined) out.push(value);
      });
      return out.length === items.length ? out : undefined;
    }
    case 'dims':
      return decodeDims(expr, schema.ranks, path, ctx, { unit: schema.unit, scalar: schema.scalar, integer: schema.integer });
    case 'windows': {
      if (expr.kind === 'List') {
        const out = expr.items.map((item, i) => {
          ctx.locations.set(`${path}.${i}`, { node: item });
          return decodeDims(item, [schema.rank], path, ctx, { scalar: true, integer: true });
        });
        if (out.length === 0) return leafMismatch(expr, path, expectedOf(schema), ctx);
        return out.every((w) => w !== undefined) ? out : undefined;
      }
      const one = decodeDims(expr, [schema.rank], path, ctx, { scalar: true, integer: true });
      return one === undefined ? undefined : [one];
    }
    case 'loss': {
      const terms = lossTerms(expr);
      if (!terms) return leafMismatch(expr, path, expectedOf(schema), ctx);
      return terms;
    }
    case 'auxLoss': {
      const number = numberOf(expr);
      if (number) {
        const weight = checkUnitless(number, path, { node: expr }, ctx.bag);
        return weight === undefined ? undefined : { weight, ce: 1, dice: 1 };
      }
      const terms = lossTerms(expr);
      if (!terms) return leafMismatch(expr, path, expectedOf(schema), ctx);
      // Canonical split into α and the relative CE/Dice weights: α = the larger coefficient.
      const weight = Math.max(terms.ce, terms.dice);
      return weight === 0 ? { weight: 0, ce: 1, dice: 1 } : { weight, ce: terms.ce / weight, dice: terms.dice / weight };
    }
    case 'schedule': {
      if (expr.kind === 'Ident' && expr.name === 'constant') return { kind: 'constant' };
      if (expr.kind === 'Call' && (expr.callee.name === 'poly' || expr.callee.name === 'cosine')) {
        if (expr.args.length !== 1) {
          ctx.bag.report({ code: 'E037', path, expected: [1], found: expr.args.length }, { node: expr });
          return undefined;
        }
        const arg = expr.args[0]!;
        if (expr.callee.name === 'poly') {
          const n = numberOf(arg);
          if (!n) return leafMismatch(arg, path, 'a power such as `0.9`', ctx);
          const power = checkUnitless(n, path, { node: arg }, ctx.bag);
          if (power !== undefined && !(power > 0)) {
            ctx.bag.report({ code: 'E033', path, value: power, min: 0, exclusiveMin: true }, { node: arg });
            return undefined;
          }
          return power === undefined ? undefined : { kind: 'poly', power };
        }
        const warmup = readInt(arg, path, ctx, 0);
        return warmup === undefined ? undefined : { kind: 'cosine', warmupEpochs: warmup };
      }
      const name = expr.kind === 'Ident' ? expr.name : expr.kind === 'Call' ? expr.callee.name : undefined;
      if (name !== undefined) {
        const allowed = ['poly', 'cosine', 'constant'];
        ctx.bag.report({ code: 'E035', path, value: name, allowed, suggestion: suggest(name, allowed) }, { node: expr.kind === 'Call' ? expr.callee : expr });
        return undefined;
      }
      return leafMismatch(expr, path, expectedOf(schema), ctx);
    }
    default:
      return leafMismatch(expr, path, expectedOf(schema), ctx);
  }
}

/** Non-empty unless allowed; no repeated item when `unique` (compared as written). */
function checkListRules(items: Expr[], rules: { empty?: boolean; unique?: boolean }, path: string, list: Expr, ctx: DecodeContext): boolean {
  if (items.length === 0 && !rules.empty) {
    ctx.bag.report({ code: 'E038', path }, { node: list });
    return false;
  }
  if (rules.unique) {
    const seen = new Set<string>();
    for (const item of items) {
      const key = item.kind === 'Ident' ? item.name : item.kind === 'Number' ? String(item.value) : describe(item);
      if (seen.has(key)) {
        ctx.bag.report({ code: 'E039', path, item: key }, { node: item });
        return false;
      }
      seen.add(key);
    }
  }
  return true;
}

/** `256 x 256`, `1.5 x 1.5 x 8 mm`, or (with `scalar`) `4` → `[4, 4]`. */
function decodeDims(
  expr: Expr,
  ranks: readonly number[],
  path: string,
  ctx: DecodeContext,
  options: { unit?: 'mm'; scalar?: boolean; integer?: boolean },
): number[] | undefined {
  let items: Expr[];
  let unit: string | undefined;
  if (expr.kind === 'Dims') {
    items = expr.items;
    unit = expr.unit ?? expr.items.find((i) => i.unit)?.unit;
  } else if (expr.kind === 'Number' && options.scalar) {
    items = Array.from({ length: ranks[0]! }, () => expr);
    unit = expr.unit;
  } else if (expr.kind === 'List' && expr.items.every((i) => i.kind === 'Number')) {
    items = expr.items;
    unit = (expr.items[0] as { unit?: string } | undefined)?.unit;
  } else {
    return leafMismatch(expr, path, ranks.map((r) => Array.from({ length: r }, () => 'n').join(' x ')).join(' or ') + (options.unit ? ` ${options.unit}` : ''), ctx);
  }
  if (!ranks.includes(items.length)) {
    ctx.bag.report({ code: 'E037', path, expected: [...ranks], found: items.length }, { node: expr });
    return undefined;
  }
  if (options.unit === 'mm') {
    if (!checkMillimetres(unit as 'mm' | '%' | undefined, path, { node: expr }, ctx.bag)) return undefined;
  } else if (unit) {
    ctx.bag.report({ code: 'E040', path, unit, expected: 'sizes in voxels such as `256 x 256`' }, { node: expr });
    return undefined;
  }
  const out: number[] = [];
  for (const item of items) {
    const n = numberOf(item);
    if (!n) return leafMismatch(item, path, 'a number', ctx);
    if (options.integer && !Number.isInteger(n.value)) {
      ctx.bag.report({ code: 'E032', path, value: n.value }, { node: item });
      return undefined;
    }
    if (options.integer && !checkWholeNumber(n.value, true, path, { node: item }, ctx.bag)) return undefined;
    if (!(n.value > 0)) {
      ctx.bag.report({ code: 'E033', path, value: n.value, min: 0, exclusiveMin: true }, { node: item });
      return undefined;
    }
    out.push(n.value);
  }
  return out;
}

/** `decoder[1..3]` → [1, 2, 3]; `decoder[2]` → [2]; `decoder[[1, 3]]` → [1, 3]. */
function decodeDecoderStages(at: Expr, path: string, ctx: DecodeContext): number[] | undefined {
  if (at.kind !== 'Index' || at.target.name !== 'decoder') return leafMismatch(at, `${path}.at`, '`decoder[a..b]`', ctx);
  ctx.locations.set(`${path}.stages`, { node: at });
  const index = at.index;
  if (index.kind === 'Range') {
    const from = readInt(index.from, `${path}.at`, ctx, 1);
    const to = readInt(index.to, `${path}.at`, ctx, 1);
    if (from === undefined || to === undefined) return undefined;
    if (to < from) {
      ctx.bag.report({ code: 'E022', from, to }, { node: index });
      return undefined;
    }
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (index.kind === 'List') {
    const out = index.items.map((item) => readInt(item, `${path}.at`, ctx, 1));
    return out.every((v) => v !== undefined) ? [...new Set(out as number[])].sort((a, b) => a - b) : undefined;
  }
  const one = readInt(index, `${path}.at`, ctx, 1);
  return one === undefined ? undefined : [one];
}

/** The location recorded for `path`, or the nearest recorded ancestor's. */
export function locate(locations: Map<string, Location>, path: string, fallback: Location): Location {
  let p = path;
  for (;;) {
    const found = locations.get(p);
    if (found) return found;
    const dot = p.lastIndexOf('.');
    if (dot < 0) return locations.get('') ?? fallback;
    p = p.slice(0, dot);
  }
}

