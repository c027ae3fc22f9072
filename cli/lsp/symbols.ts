/**
 * Document symbols (the outline): every declaration with its kind and header (`extends`,
 * `from`, title), and inside it the keys it writes, nested as written.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { Decl, ObjectExpr, SourceFile } from '../../dsl/ast.ts';
import { rangeOf } from './locations.ts';

const kinds: Record<Decl['kind'], SymbolKind> = {
  Experiment: SymbolKind.Class,
  Dataset: SymbolKind.Module,
  Sweep: SymbolKind.Array,
  Repeat: SymbolKind.Array,
  Table: SymbolKind.Struct,
  Figure: SymbolKind.Object,
  Launch: SymbolKind.Event,
};

function detailOf(decl: Decl): string {
  const word = decl.kind.toLowerCase();
  if (decl.kind === 'Experiment') return decl.extends ? `${word} extends ${decl.extends.name}` : word;
  if (decl.kind === 'Sweep') return `${decl.mode} sweep from ${decl.from.name}`;
  if (decl.kind === 'Repeat') return `repeat from ${decl.from.name}`;
  if (decl.kind === 'Launch') return `${word} on ${decl.name.name}`;
  return decl.title ? `${word} — ${decl.title.value}` : word;
}

/** The entries of a block; nested blocks become children. Long tables (`paper`) stay one level deep. */
function entrySymbols(body: ObjectExpr, depth: number): DocumentSymbol[] {
  return body.entries
    .filter((e) => e.path.length > 0)
    .map((entry) => {
      const name = entry.path.map((k) => k.name).join('.');
      const head = entry.value.kind === 'Object' ? entry.value.head : undefined;
      const children = entry.value.kind === 'Object' && depth < 3 ? entrySymbols(entry.value, depth + 1) : [];
      return {
        name,
        kind: entry.value.kind === 'Object' ? SymbolKind.Namespace : SymbolKind.Property,
        ...(head?.kind === 'Ident' ? { detail: head.name } : {}),
        range: rangeOf(entry.span),
        selectionRange: rangeOf(entry.path[0]!.span),
        ...(children.length ? { children } : {}),
      };
    });
}

export function documentSymbols(file: SourceFile): DocumentSymbol[] {
  return file.decls.map((decl) => ({
    name: decl.name.name,
    kind: kinds[decl.kind],
    detail: detailOf(decl),
    range: rangeOf(decl.span),
    selectionRange: rangeOf(decl.name.span),
    children: entrySymbols(decl.body, 1),
  }));
}
