/**
 * The configuration tree: an experiment body with dotted keys expanded (`a.b: v` is
 * `a { b: v }`) and layers merged (`extends` bases, sweep points, `-s` overrides).
 * Leaves keep their expression and key nodes, so every value still knows where in which
 * file it was written, whichever layer it came from.
 */
import type { Contract, Entry, Expr, Key, ObjectExpr, Span } from '../dsl/ast.ts';
import { DiagnosticBag, type Diagnostic } from './diagnostics.ts';

export interface ConfigLeaf {
  kind: 'leaf';
  expr: Expr;
  /** The last key segment that set this value. */
  key: Key;
  /** A table row's `differs [...] from "Row"` (check/contracts.ts). */
  contract?: Contract;
}

export interface ConfigBlock {
  kind: 'block';
  /** `sgd` in `optimizer: sgd { … }`, `0.1` in `icr: 0.1 { tau: 4 }`, the dataset in `data mmwhs { … }`. */
  head?: Expr;
  /** `decoder[1..3]` in `eam at decoder[1..3] { … }`. */
  at?: Expr;
  fields: Map<string, ConfigValue>;
  /** The key that introduced the block (null for a declaration body). */
  key: Key | null;
  span: Span;
}

export type ConfigValue = ConfigLeaf | ConfigBlock;

/** An empty block located at `span`. */
export function emptyBlock(span: Span, key: Key | null = null): ConfigBlock {
  return { kind: 'block', fields: new Map(), key, span };
}

/**
 * Trees of whole declaration bodies, by parsed object, with what building them reported.
 * A body is read by every compilation that imports its file (`check DIR` compiles each
 * file as an entry; the paper's files all import common.abl) and several times within
 * one; a tree is never changed once built, so one is enough.
 */
const bodies = new WeakMap<ObjectExpr, { block: ConfigBlock; diagnostics: Diagnostic[] }>();

/**
 * Builds the tree of one block. Axis entries (`path in values`) are left to the sweep
 * expander and skipped here; `onAxis` receives them. Setting the same leaf twice in one
 * block is E036.
 */
export function blockFromObject(
  object: ObjectExpr,
  bag: DiagnosticBag,
  key: Key | null = null,
  onAxis?: (entry: Entry) => void,
  prefix: string[] = [],
): ConfigBlock {
  if (key !== null || onAxis || prefix.length > 0) return buildBlock(object, bag, key, onAxis, prefix);
  let built = bodies.get(object);
  if (!built) {
    const own = new DiagnosticBag();
    built = { block: buildBlock(object, own), diagnostics: own.items };
    bodies.set(object, built);
  }
  bag.add(...built.diagnostics);
  return built.block;
}

function buildBlock(
  object: ObjectExpr,
  bag: DiagnosticBag,
  key: Key | null = null,
  onAxis?: (entry: Entry) => void,
  prefix: string[] = [],
): ConfigBlock {
  const block: ConfigBlock = { kind: 'block', fields: new Map(), key, span: object.span };
  if (object.head) block.head = object.head;
  if (object.at) block.at = object.at;
  for (const entry of object.entries) {
    if (entry.axis) {
      if (onAxis) onAxis(entry);
      else bag.report({ code: 'E021', path: entry.path.map((k) => k.name).join('.'), reason: 'nested' }, { node: entry, property: 'path' });
      continue;
    }
    let target = block;
    for (const segment of entry.path.slice(0, -1)) {
      const existing = target.fields.get(segment.name);
      if (existing?.kind === 'block') {
        target = existing;
      } else {
        const created = emptyBlock(segment.span, segment);
        if (existing) created.head = existing.expr;
        target.fields.set(segment.name, created);
        target = created;
      }
    }
    const last = entry.path[entry.path.length - 1]!;
    const path = [...prefix, ...entry.path.map((k) => k.name)];
    const value: ConfigValue =
      entry.value.kind === 'Object'
        ? buildBlock(entry.value, bag, last, undefined, path)
        : { kind: 'leaf', expr: entry.value, key: last, ...(entry.contract ? { contract: entry.contract } : {}) };
    const existing = target.fields.get(last.name);
    if (existing && (existing.kind === 'leaf' || value.kind === 'leaf')) {
      bag.report({ code: 'E036', path: path.join('.') }, { node: last });
    }
    target.fields.set(last.name, existing ? mergeValues(existing, value, last.name) : value);
  }
  return block;
}

/** Keys whose block head names a thing (a dataset) rather than selecting a kind: switching it keeps the fields. */
const referenceHeads = new Set(['data']);

function headsConflict(a: Expr | undefined, b: Expr | undefined, key: string): boolean {
  if (!a || !b || referenceHeads.has(key)) return false;
  return a.kind === 'Ident' && b.kind === 'Ident' && a.name !== b.name;
}

/**
 * Merges `over` onto `base` (later layers win): blocks merge field by field; a leaf
 * replaces a value, except that a number replaces only the head of a weighted block
 * (`loss.icr: 0.2` keeps `tau`) and an identifier equal to a block's kind keeps its
 * options. A block whose kind differs (`optimizer: adamw {…}` over `sgd {…}`) replaces
 * the old one entirely.
 */
export function mergeValues(base: ConfigValue, over: ConfigValue, key: string): ConfigValue {
  if (over.kind === 'leaf') {
    if (base.kind === 'block' && base.head) {
      const sameKind = over.expr.kind === 'Ident' && base.head.kind === 'Ident' && over.expr.name === base.head.name;
      const weight = over.expr.kind === 'Number' && base.head.kind === 'Number';
      if (sameKind || weight || referenceHeads.has(key)) return { ...base, head: over.expr, key: over.key, fields: new Map(base.fields) };
    }
    return over;
  }
  if (base.kind === 'leaf') {
    return over.head ? over : { ...over, head: base.expr };
  }
  if (headsConflict(base.head, over.head, key)) return over;
  const fields = new Map(base.fields);
  for (const [name, value] of over.fields) {
    const existing = fields.get(name);
    fields.set(name, existing ? mergeValues(existing, value, name) : value);
  }
  const merged: ConfigBlock = { kind: 'block', fields, key: over.key ?? base.key, span: over.span };
  const head = over.head ?? base.head;
  const at = over.at ?? base.at;
  if (head) merged.head = head;
  if (at) merged.at = at;
  return merged;
}

/** Merges a whole layer onto a body. */
export function mergeBlocks(base: ConfigBlock, over: ConfigBlock): ConfigBlock {
  return mergeValues(base, over, '') as ConfigBlock;
}

/** Sets `path` to `expr` in a fresh single-path layer (used by sweep points and `-s`). */
export function layerFor(path: Key[], expr: Expr, span: Span): ConfigBlock {
  const root = emptyBlock(span);
  let target = root;
  for (const segment of path.slice(0, -1)) {
    const child = emptyBlock(segment.span, segment);
    target.fields.set(segment.name, child);
    target = child;
  }
  const last = path[path.length - 1]!;
  target.fields.set(last.name, expr.kind === 'Object' ? blockFromObject(expr, new DiagnosticBag(), last) : { kind: 'leaf', expr, key: last });
  return root;
}

/** The value at a dotted path, or undefined. */
export function lookup(block: ConfigBlock, path: readonly string[]): ConfigValue | undefined {
  let value: ConfigValue | undefined = block;
  for (const name of path) {
    if (!value || value.kind !== 'block') return undefined;
    value = value.fields.get(name);
  }
  return value;
}
