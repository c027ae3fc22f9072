/**
 * Loads a file and everything it imports, and indexes every declaration by name.
 * Imports are relative to the importing file. A missing file, an import cycle and a name
 * declared twice (in one file or across files) are errors. Declarations share one
 * namespace, so a table row or an `extends` names exactly one thing.
 */
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import type { Decl, ImportDecl } from '../dsl/ast.ts';
import type { DiagnosticBag } from './diagnostics.ts';
import type { LoadedSource } from './load-source.ts';
import { isReservedName } from './reserved-names.ts';

export interface DeclEntry {
  decl: Decl;
  /** Display path of the declaring file. */
  file: string;
}

export interface Program {
  /** The entry file's display path. */
  entry: string;
  /** Every loaded file by display path (entry first, then imports depth-first). */
  files: Map<string, LoadedSource>;
  /** Declarations by name, from the entry and every transitively imported file. */
  decls: Map<string, DeclEntry>;
}

/** Reads and parses a file; undefined when it does not exist. Cached by the caller across entries. */
export type SourceReader = (file: string) => LoadedSource | undefined;

/** Display path of an import: the import path joined to the importer's folder, normalised. */
export function importTarget(importer: string, spec: string): string {
  return isAbsolute(spec) ? normalize(spec) : normalize(join(dirname(importer), spec));
}

/** Loads `entry` and its imports into a program; reports E010, E011 and E012 into `bag`. */
export function resolveImports(entry: string, read: SourceReader, bag: DiagnosticBag): Program {
  const program: Program = { entry, files: new Map(), decls: new Map() };
  const onStack: string[] = [];
  const done = new Set<string>();

  const visit = (file: string, via: ImportDecl | undefined): void => {
    const key = resolve(file);
    const cycleStart = onStack.indexOf(key);
    if (cycleStart >= 0) {
      const cycle = [...onStack.slice(cycleStart), key].map((abs) => displayOf(abs));
      bag.report({ code: 'E011', cycle }, { node: via!, property: 'path' });
      return;
    }
    if (done.has(key)) return;
    const source = read(file);
    if (!source) {
      if (via) bag.report({ code: 'E010', path: via.path.value, resolved: file }, { node: via, property: 'path' });
      return;
    }
    done.add(key);
    displays.set(key, file);
    program.files.set(file, source);
    onStack.push(key);
    for (const imp of source.ast.imports) visit(importTarget(file, imp.path.value), imp);
    onStack.pop();
    for (const decl of source.ast.decls) {
      if (decl.kind === 'Launch') continue; // names a scheduler, not a declaration (compiler/check/launch-settings.ts)
      const first = program.decls.get(decl.name.name);
      if (isReservedName(decl.name.name)) {
        const kind = kindWord(decl);
        bag.report({ code: 'E130', name: decl.name.name, kind: `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} name` }, { node: decl.name });
      } else if (first) {
        bag.report({ code: 'E012', name: decl.name.name, kind: kindWord(decl), firstFile: first.file }, { node: decl.name });
      } else {
        program.decls.set(decl.name.name, { decl, file });
      }
    }
  };
  const displays = new Map<string, string>();
  const displayOf = (abs: string) => displays.get(abs) ?? abs;
  visit(entry, undefined);
  return program;
}

/** The keyword of a declaration, for messages. */
export function kindWord(decl: Decl): string {
  return decl.kind.toLowerCase();
}
