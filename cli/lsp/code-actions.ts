/**
 * Quick fixes for "did you mean": every diagnostic whose payload carries a `suggestion`
 * (an unknown key, E030; an unknown base, dataset or declaration, E013/E014/E017; …)
 * gets an action that replaces the misspelt name with the suggestion. The action is
 * offered only when the diagnostic's range still holds the name the payload names, so a
 * stale diagnostic never rewrites the wrong text.
 */
import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DiagnosticData } from './diagnostics.ts';

function misspelt(issue: DiagnosticData['issue']): string | undefined {
  const record = issue as unknown as Record<string, unknown>;
  for (const field of ['key', 'name']) if (typeof record[field] === 'string') return record[field];
  return undefined;
}

export function codeActions(document: TextDocument, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const data = diagnostic.data as DiagnosticData | undefined;
    if (!data?.issue || data.viaImport) continue;
    const suggestion = (data.issue as unknown as { suggestion?: unknown }).suggestion;
    if (typeof suggestion !== 'string') continue;
    const written = document.getText(diagnostic.range);
    const name = misspelt(data.issue);
    if (name === undefined || written !== name) continue;
    actions.push({
      title: `Change '${name}' to '${suggestion}'`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [document.uri]: [{ range: diagnostic.range, newText: suggestion }] } },
    });
  }
  return actions;
}
