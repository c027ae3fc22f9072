/**
 * Diagnostic views for the command line. Positions become 1-based here and only here.
 * - text: `file:line:col: error[E050]: message`, the source line, a caret/tilde under
 *   the span, then `= hint: …` (the shape rustc and clang users know);
 * - github: workflow commands `::error file=…,line=…,col=…,title=E050::message`;
 * - json: one object per diagnostic with 1-based positions.
 */
import type { Diagnostic } from '../compiler/diagnostics.ts';

export type DiagnosticFormat = 'text' | 'json' | 'github';

/** Splits text into lines the way spans count them (\n, \r\n, lone \r). */
function lineAt(text: string, line: number): string | undefined {
  return text.split(/\r\n|\r|\n/)[line];
}

/** One diagnostic as a compiler prints it. `sources` maps a file to its text (for the source line). */
export function renderText(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const { file, start, end } = d.span;
  const head = `${file}:${start.line + 1}:${start.column + 1}: ${d.severity}[${d.code}]: ${d.message}`;
  const out = [head];
  const text = sources.get(file);
  const source = text === undefined ? undefined : lineAt(text, start.line);
  if (source !== undefined) {
    const gutter = String(start.line + 1);
    const pad = ' '.repeat(gutter.length);
    // Tabs keep their width under the caret line so the marker lines up.
    const lead = source.slice(0, start.column).replace(/[^\t]/g, ' ');
    const width = end.line === start.line ? Math.max(1, end.column - start.column) : Math.max(1, source.length - start.column);
    out.push(`${pad} |`, `${gutter} | ${source}`, `${pad} | ${lead}^${'~'.repeat(width - 1)}`);
  }
  if (d.hint) out.push(`${' '.repeat(String(start.line + 1).length)} = hint: ${d.hint}`);
  return out.join('\n');
}

// GitHub workflow command escaping (actions/toolkit `escapeData` / `escapeProperty`).
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One diagnostic as a GitHub Actions annotation. */
export function renderGithub(d: Diagnostic): string {
  const { file, start, end } = d.span;
  const props = [
    `file=${escapeProperty(file)}`,
    `line=${start.line + 1}`,
    `col=${start.column + 1}`,
    `endLine=${end.line + 1}`,
    `endColumn=${end.column + 1}`,
    `title=${escapeProperty(d.code)}`,
  ];
  const message = d.hint ? `${d.message} (hint: ${d.hint})` : d.message;
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(message)}`;
}

/** The JSON view of a diagnostic (1-based positions, no internal payload). */
export function diagnosticJson(d: Diagnostic) {
  return {
    file: d.span.file,
    line: d.span.start.line + 1,
    column: d.span.start.column + 1,
    endLine: d.span.end.line + 1,
    endColumn: d.span.end.column + 1,
    severity: d.severity,
    code: d.code,
    name: d.name,
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.path ? { path: d.path } : {}),
  };
}

/** All diagnostics in one format, as the text to print (ends with a newline when not empty). */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], format: DiagnosticFormat, sources: ReadonlyMap<string, string>): string {
  if (format === 'json') return `${JSON.stringify(diagnostics.map(diagnosticJson), null, 2)}\n`;
  if (diagnostics.length === 0) return '';
  const parts = diagnostics.map((d) => (format === 'github' ? renderGithub(d) : renderText(d, sources)));
  return `${parts.join(format === 'text' ? '\n\n' : '\n')}\n`;
}

/** `2 errors, 1 warning` / `no problems`. */
export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const parts: string[] = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no problems';
}
