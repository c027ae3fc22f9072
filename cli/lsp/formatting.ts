/**
 * Document formatting with `ablate fmt`'s formatter (dsl/format.ts): one edit replacing
 * the text when it changes; none for a file with syntax errors (the diagnostics say why)
 * or for a YAML/JSON document, which `fmt` does not format either.
 */
import { extname } from 'node:path';
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatText } from '../../dsl/format.ts';

export function formatDocument(document: TextDocument, file: string): TextEdit[] {
  if (extname(file).toLowerCase() !== '.abl') return [];
  const text = document.getText();
  const result = formatText(text, file);
  if (result.formatted === undefined || result.formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) }, newText: result.formatted }];
}
