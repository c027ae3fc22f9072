/**
 * `-s key=value` overrides from the command line. Each becomes a one-path layer merged
 * on top of every run, so it is type- and domain-checked exactly like a value in a file.
 * Its nodes live in a pseudo-file, `<command line>`, whose text is the overrides as typed
 * (`-s loss.icr.tau=2 -s train.epochs=3`), so a diagnostic prints the argument with a
 * caret under the offending part.
 */
import type { Key } from '../dsl/ast.ts';
import { parseExpression } from '../dsl/parse.ts';
import { SpanMap } from '../dsl/span.ts';
import { diagnostic, type Diagnostic } from './diagnostics.ts';
import type { Override } from './expand-sweeps.ts';
import { fromSyntaxDiagnostic } from './load-source.ts';
import { nonFiniteNumbers } from './number-limits.ts';

/** The file name diagnostics about overrides carry. */
export const COMMAND_LINE = '<command line>';

export interface ParsedOverrides {
  overrides: Override[];
  diagnostics: Diagnostic[];
  /** The pseudo-file's text, for rendering. */
  text: string;
}

const keyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `key=value` strings (as given after `-s`). */
export function parseOverrides(args: readonly string[]): ParsedOverrides {
  const parts = args.map((a) => `-s ${a}`);
  const text = parts.join(' ');
  const spans = new SpanMap(text, COMMAND_LINE);
  const overrides: Override[] = [];
  const diagnostics: Diagnostic[] = [];
  let offset = 0;
  for (const [i, arg] of args.entries()) {
    const start = offset + 3; // after "-s "
    offset += parts[i]!.length + 1;
    const eq = arg.indexOf('=');
    const segments = eq > 0 ? arg.slice(0, eq).split('.') : [];
    if (eq <= 0 || segments.some((s) => !keyPattern.test(s)) || arg.slice(eq + 1).trim() === '') {
      diagnostics.push(diagnostic({ code: 'E090', argument: arg }, spans.span(start, start + arg.length)));
      continue;
    }
    const path: Key[] = [];
    let at = start;
    for (const name of segments) {
      path.push({ kind: 'Key', name, quoted: false, span: spans.span(at, at + name.length) });
      at += name.length + 1;
    }
    const valueStart = start + eq + 1;
    const origin = spans.position(valueStart);
    const parsed = parseExpression(arg.slice(eq + 1), COMMAND_LINE, { line: origin.line, column: origin.column, offset: origin.offset });
    diagnostics.push(...parsed.diagnostics.map(fromSyntaxDiagnostic));
    if (!parsed.expr) continue;
    const infinite = nonFiniteNumbers(parsed.expr);
    diagnostics.push(...infinite);
    if (infinite.length === 0) overrides.push({ path, value: parsed.expr, span: spans.span(start, start + arg.length) });
  }
  return { overrides, diagnostics, text };
}
