/**
 * Reads one source file into an AST with the front end its extension names: `.abl` →
 * the Chevrotain parser, `.yaml`/`.yml`/`.json` → the YAML front end. Both produce the
 * same AST, so everything after this point is front-end agnostic.
 */
import { extname } from 'node:path';
import type { SourceFile } from '../dsl/ast.ts';
import { parse } from '../dsl/parse.ts';
import type { SyntaxDiagnostic } from '../dsl/syntax-error.ts';
import { parseYamlDocument } from '../dsl/yaml-frontend.ts';
import { diagnostic, type Diagnostic } from './diagnostics.ts';
import { nonFiniteNumbers } from './number-limits.ts';

export interface LoadedSource {
  /** Path as shown in diagnostics. */
  file: string;
  text: string;
  ast: SourceFile;
  diagnostics: Diagnostic[];
}

export const sourceExtensions = ['.abl', '.yaml', '.yml', '.json'] as const;

/** True for files `ablate check` reads when it walks a folder. */
export function isSourceFile(path: string): boolean {
  return (sourceExtensions as readonly string[]).includes(extname(path).toLowerCase());
}

/** Syntax diagnostics of a front end, as compiler diagnostics. */
export function fromSyntaxDiagnostic(d: SyntaxDiagnostic): Diagnostic {
  return diagnostic({ code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) }, d.span);
}

/** Parses `text` (the contents of `file`) with the front end for its extension. */
export function loadSource(file: string, text: string): LoadedSource {
  const ext = extname(file).toLowerCase();
  const result = ext === '.abl' ? parse(text, file) : parseYamlDocument(text, file);
  // A literal that overflows to Infinity is refused with the syntax errors, in both front ends.
  const diagnostics = [...result.diagnostics.map(fromSyntaxDiagnostic), ...nonFiniteNumbers(result.ast)];
  return { file, text, ast: result.ast, diagnostics };
}
