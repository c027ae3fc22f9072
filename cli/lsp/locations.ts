/**
 * The two coordinate systems the server translates between: compiler spans (file path,
 * 0-based line/column/offset, exclusive end) and LSP ranges (document URI, 0-based
 * line/character). Both count UTF-16 code units, so a position maps one to one.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Location, Range } from 'vscode-languageserver';
import type { Span } from '../../dsl/ast.ts';

/** The file path of a `file:` URI (other schemes keep their URI as the "path"). */
export function pathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/** The `file:` URI of a path. */
export function uriOf(path: string): string {
  return path.includes('://') ? path : pathToFileURL(path).href;
}

export function rangeOf(span: Span): Range {
  return { start: { line: span.start.line, character: span.start.column }, end: { line: span.end.line, character: span.end.column } };
}

export function locationOf(span: Span): Location {
  return { uri: uriOf(span.file), range: rangeOf(span) };
}

/** True when `offset` lies in the span; the end counts too, so a cursor just after a name still hits it. */
export function spanHas(span: Span, offset: number): boolean {
  return span.start.offset <= offset && offset <= span.end.offset;
}
