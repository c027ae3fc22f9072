/**
 * Go to definition and find references. Definitions: an import → the imported file; an
 * `extends`/`from` name, a dataset in `data <name> { … }`, a table row's experiment,
 * repeat or sweep point, a figure's sweep → that declaration; a key → the line that set
 * its value for this experiment (this file, a base through `extends`, an import).
 * References: every place in the workspace's source files that names the declaration
 * and resolves to it through that file's own imports.
 */
import type { Location } from 'vscode-languageserver';
import type { Decl } from '../../dsl/ast.ts';
import { importTarget } from '../../compiler/resolve-imports.ts';
import { rootFields } from './key-lookup.ts';
import { locationOf, uriOf } from './locations.ts';
import { referencesIn, targetAt, type Reference } from './syntax-lookup.ts';
import { resolveValue } from './value-origin.ts';
import type { Analysis, Workspace } from './workspace.ts';

const fileStart = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function definition(analysis: Analysis, workspace: Workspace, offset: number): Location[] {
  const target = targetAt(workspace.load(analysis.file)?.ast ?? analysis.program.files.get(analysis.file)!.ast, offset);
  if (!target) return [];
  const { program } = analysis;
  switch (target.kind) {
    case 'import':
      return [{ uri: uriOf(importTarget(analysis.file, target.decl.path.value)), range: fileStart }];
    case 'declaration':
      return [locationOf(target.decl.name.span)];
    case 'reference': {
      const found = program.decls.get(target.ref.name);
      return found ? [locationOf(found.decl.name.span)] : [];
    }
    case 'key': {
      const resolved = resolveValue(target.decl, target.path, rootFields(target.decl.kind), program, analysis.resolver, (f) => workspace.load(f)?.text);
      const origin = resolved?.origin;
      return origin && origin.kind !== 'default' ? [locationOf(origin.span)] : [];
    }
    case 'value':
    case 'contract-path':
      return [];
  }
}

/** The declaration a position names (its own name or a reference to it) and the file declaring it. */
function declarationNamed(analysis: Analysis, workspace: Workspace, offset: number): { decl: Decl; file: string } | undefined {
  const ast = workspace.load(analysis.file)?.ast;
  const target = ast && targetAt(ast, offset);
  if (target?.kind === 'declaration') return { decl: target.decl, file: analysis.file };
  if (target?.kind === 'reference') return analysis.program.decls.get(target.ref.name);
  return undefined;
}

/** The references a parse holds, computed once per parse (an edit makes a new parse, so nothing goes stale). */
const referencesByParse = new WeakMap<object, Reference[]>();
function referencesOf(ast: Parameters<typeof referencesIn>[0]): Reference[] {
  let refs = referencesByParse.get(ast);
  if (!refs) referencesByParse.set(ast, (refs = referencesIn(ast)));
  return refs;
}

export function references(analysis: Analysis, workspace: Workspace, offset: number, includeDeclaration: boolean): Location[] {
  const named = declarationNamed(analysis, workspace, offset);
  if (!named) return [];
  const name = named.decl.name.name;
  const out: Location[] = includeDeclaration ? [locationOf(named.decl.name.span)] : [];
  for (const file of workspace.allSourceFiles()) {
    const loaded = workspace.load(file);
    if (!loaded) continue;
    const refs = referencesOf(loaded.ast).filter((r) => r.name === name);
    if (refs.length === 0) continue;
    // Same name, same declaration: the file must see it through its own imports.
    if (workspace.program(file).decls.get(name)?.file !== named.file) continue;
    out.push(...refs.map((r) => locationOf(r.span)));
  }
  return out;
}
