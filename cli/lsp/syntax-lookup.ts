/**
 * What is at a position of a parsed file: an import, a declaration's name, a reference to
 * a declaration (`extends`, `from`, a dataset in `data <name> { … }`, a table row, a
 * figure's sweep), a key (with its full dotted path from the declaration's root), a
 * value, or a path of a row's ablation contract. Works on the AST the parser recovers from a half-edited file, so it answers
 * whatever the parser could read.
 */
import type { Decl, Entry, Expr, ImportDecl, Key, ObjectExpr, SourceFile, Span } from '../../dsl/ast.ts';
import { spanHas } from './locations.ts';

export type ReferenceRole = 'extends' | 'from' | 'dataset' | 'row' | 'sweep';

/** A name written where a declaration is meant. */
export interface Reference {
  name: string;
  span: Span;
  role: ReferenceRole;
  /** The declaration the reference is written in. */
  in: Decl;
}

export type Target =
  | { kind: 'import'; decl: ImportDecl }
  | { kind: 'declaration'; decl: Decl }
  | { kind: 'reference'; ref: Reference }
  | { kind: 'key'; decl: Decl; path: string[]; key: Key; entry: Entry }
  | { kind: 'value'; decl: Decl; path: string[]; entry: Entry; expr: Expr }
  /** A path in a table row's `differs [ … ] from "Row"` (`keys`: the whole path, `row`: the row's label). */
  | { kind: 'contract-path'; decl: Decl; row: string; entry: Entry; keys: Key[]; key: Key };

/** The declaration name a row value names: `exp`, `"exp"`, `sweep[4]` (the part before `[`). */
function rowRef(expr: Expr): { name: string; span: Span } | undefined {
  if (expr.kind === 'Ident') return { name: expr.name, span: expr.span };
  if (expr.kind === 'String') return { name: expr.value.split('[')[0]!, span: expr.span };
  if (expr.kind === 'Index') return { name: expr.target.name, span: expr.target.span };
  return undefined;
}

/** The reference a value at `path` in `decl` makes, if any. */
function valueReference(decl: Decl, path: readonly string[], expr: Expr): Reference | undefined {
  if (decl.kind === 'Table' && path.length === 2 && path[0] === 'rows') {
    const ref = rowRef(expr);
    return ref && { ...ref, role: 'row', in: decl };
  }
  if (decl.kind === 'Figure' && path.length === 1 && path[0] === 'sweep' && expr.kind === 'Ident') return { name: expr.name, span: expr.span, role: 'sweep', in: decl };
  if ((decl.kind === 'Experiment' || decl.kind === 'Sweep') && path.length === 1 && path[0] === 'data' && expr.kind === 'Ident') return { name: expr.name, span: expr.span, role: 'dataset', in: decl };
  return undefined;
}

/** The references of a declaration's header (`extends`, `from`). */
function headerReferences(decl: Decl): Reference[] {
  if (decl.kind === 'Experiment' && decl.extends) return [{ name: decl.extends.name, span: decl.extends.span, role: 'extends', in: decl }];
  if (decl.kind === 'Sweep' || decl.kind === 'Repeat') return [{ name: decl.from.name, span: decl.from.span, role: 'from', in: decl }];
  return [];
}

/** Calls `visit` for every entry of a body, with the full dotted path of the entry's keys. */
export function walkEntries(body: ObjectExpr, visit: (entry: Entry, path: string[]) => void, prefix: string[] = []): void {
  for (const entry of body.entries) {
    const path = [...prefix, ...entry.path.map((k) => k.name)];
    visit(entry, path);
    if (entry.value.kind === 'Object') walkEntries(entry.value, visit, path);
  }
}

/** Every reference to a declaration written in a file. */
export function referencesIn(file: SourceFile): Reference[] {
  const out: Reference[] = [];
  for (const decl of file.decls) {
    out.push(...headerReferences(decl));
    walkEntries(decl.body, (entry, path) => {
      const value = entry.value.kind === 'Object' ? entry.value.head : entry.value;
      const ref = value && valueReference(decl, path, value);
      if (ref) out.push(ref);
    });
  }
  return out;
}

/** The declaration whose text holds `offset`. */
export function declarationAt(file: SourceFile, offset: number): Decl | undefined {
  return file.decls.find((d) => spanHas(d.span, offset));
}

/** What is at `offset` in `file`, the innermost thing first. */
export function targetAt(file: SourceFile, offset: number): Target | undefined {
  for (const imp of file.imports) if (spanHas(imp.span, offset)) return { kind: 'import', decl: imp };
  const decl = declarationAt(file, offset);
  if (!decl) return undefined;
  if (spanHas(decl.name.span, offset)) return { kind: 'declaration', decl };
  const header = headerReferences(decl).find((r) => spanHas(r.span, offset));
  if (header) return { kind: 'reference', ref: header };
  let found: Target | undefined;
  walkEntries(decl.body, (entry, path) => {
    if (!spanHas(entry.span, offset)) return;
    const first = path.length - entry.path.length;
    entry.path.forEach((key, i) => {
      if (spanHas(key.span, offset)) found = { kind: 'key', decl, path: path.slice(0, first + i + 1), key, entry };
    });
    for (const keys of entry.contract?.paths ?? []) {
      const key = keys.find((k) => spanHas(k.span, offset));
      if (key) found = { kind: 'contract-path', decl, row: path[path.length - 1]!, entry, keys, key };
    }
    const value = entry.value.kind === 'Object' ? entry.value.head : entry.value;
    if (value && spanHas(value.span, offset)) {
      const ref = valueReference(decl, path, value);
      found = ref ? { kind: 'reference', ref } : { kind: 'value', decl, path, entry, expr: value };
    }
  });
  return found;
}
