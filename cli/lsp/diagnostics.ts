/**
 * The compiler's diagnostics as LSP diagnostics, file by file, for one analysed entry:
 * - a diagnostic keeps its code, its kebab-case name (in `data`), its hint (a second line
 *   of the message) and its payload (`data.issue`, which code actions read);
 * - a duplicate name points at the first declaration as related information;
 * - a diagnostic in an imported file (a base experiment in `common.abl` that this file's
 *   run breaks, a syntax error in an import) is published for that file and also shown
 *   on the `import` line of the entry that leads to it, with the diagnostics themselves
 *   as related locations, so the entry never looks clean while it does not compile.
 */
import { basename } from 'node:path';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { ImportDecl } from '../../dsl/ast.ts';
import type { Diagnostic } from '../../compiler/diagnostics.ts';
import { importTarget, type Program } from '../../compiler/resolve-imports.ts';
import { locationOf, rangeOf } from './locations.ts';
import type { Analysis } from './workspace.ts';

/** What a published diagnostic carries in `data`. */
export interface DiagnosticData {
  name: string;
  issue: Diagnostic['issue'];
  /** Set on the summary shown on an `import` line (its range is not where the issue is). */
  viaImport?: true;
}

function relatedOf(d: Diagnostic, program: Program): DiagnosticRelatedInformation[] {
  if (d.issue.code === 'E012') {
    const first = program.decls.get(d.issue.name);
    if (first) return [{ location: locationOf(first.decl.name.span), message: `${d.issue.name} is first declared here` }];
  }
  return [];
}

export function toLspDiagnostic(d: Diagnostic, program: Program): LspDiagnostic {
  const related = relatedOf(d, program);
  const data: DiagnosticData = { name: d.name, issue: d.issue };
  return {
    range: rangeOf(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'ablate',
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(related.length ? { relatedInformation: related } : {}),
    data,
  };
}

/** The files `file` imports, directly or not (itself included). */
function closure(file: string, program: Program, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const imp of program.files.get(file)?.ast.imports ?? []) closure(importTarget(file, imp.path.value), program, seen);
  return seen;
}

/** The diagnostics of one analysed entry, by file (every file it read has an entry, empty when clean). */
export function diagnosticsByFile(analysis: Analysis): Map<string, LspDiagnostic[]> {
  const { file: entry, result, program } = analysis;
  const out = new Map<string, LspDiagnostic[]>([[entry, []]]);
  for (const file of program.files.keys()) out.set(file, []);
  const elsewhere = new Map<string, Diagnostic[]>();
  for (const d of result.diagnostics) {
    const file = d.span.file;
    if (!out.has(file)) out.set(file, []);
    out.get(file)!.push(toLspDiagnostic(d, program));
    if (file !== entry) elsewhere.set(file, [...(elsewhere.get(file) ?? []), d]);
  }
  const imports = program.files.get(entry)?.ast.imports ?? [];
  for (const imp of imports) {
    const reached = closure(importTarget(entry, imp.path.value), program);
    const found = [...elsewhere].filter(([file]) => reached.has(file)).flatMap(([, ds]) => ds);
    if (found.length > 0) out.get(entry)!.push(importDiagnostic(imp, found, program));
  }
  return out;
}

/** One diagnostic on an `import` line summing up the diagnostics found through it. */
function importDiagnostic(imp: ImportDecl, found: Diagnostic[], program: Program): LspDiagnostic {
  const errors = found.filter((d) => d.severity === 'error');
  const first = errors[0] ?? found[0]!;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = errors.length > 0 ? count(errors.length, 'error') : count(found.length, 'warning');
  const where = `${basename(first.span.file)}:${first.span.start.line + 1}:${first.span.start.column + 1}`;
  return {
    range: rangeOf(imp.path.span),
    severity: errors.length > 0 ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: first.code,
    source: 'ablate',
    message: `${summary} in imported files when this file is compiled; first at ${where}: ${first.message}`,
    relatedInformation: found.map((d) => ({ location: locationOf(d.span), message: `${d.code}: ${d.message}` })),
    data: { name: first.name, issue: first.issue, viaImport: true } satisfies DiagnosticData,
  };
}
