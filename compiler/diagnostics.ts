/**
 * Diagnostics are data: a code, its typed payload, a severity and a source span. The
 * wording comes from `messages.ts`, the rendering (`file:line:col`, caret lines,
 * GitHub annotations, JSON) from `cli/render-diagnostic.ts`.
 *
 * Checks never compute offsets: they point at a `{ node, property, index }` location and
 * `spanOf` turns it into a span (Langium's `DiagnosticInfo` style).
 */
import type { Node, Span } from '../dsl/ast.ts';
import { issueName, type Issue, type IssueCode, type IssueName } from './issue-codes.ts';
import { renderIssue } from './messages.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  code: IssueCode;
  /** Kebab-case name of the code (`unknown-key`). */
  name: IssueName;
  message: string;
  hint?: string;
  /** 0-based positions; the CLI prints them 1-based. */
  span: Span;
  /** Dotted configuration path the issue is about (`loss.icr.tau`), when there is one. */
  path?: string;
  /** The payload the message was rendered from. */
  issue: Issue;
}

/** Where an issue is: a node, optionally one of its properties (and an item of a list property). */
export interface Location {
  node: Node | { span: Span };
  property?: string;
  index?: number;
}

/** The span of a location: the property's node (or list item) when given, else the node's own span. */
export function spanOf(location: Location): Span {
  const { node, property, index } = location;
  if (property === undefined) return node.span;
  const value = (node as unknown as Record<string, unknown>)[property];
  const target = Array.isArray(value) ? value[index ?? 0] ?? value[0] : value;
  if (target && typeof target === 'object' && 'span' in target) return (target as { span: Span }).span;
  return node.span;
}

/** Builds a diagnostic from an issue and where it is. */
export function diagnostic(issue: Issue, at: Location | Span, severity: Severity = 'error'): Diagnostic {
  const span = 'start' in at && 'file' in at ? (at as Span) : spanOf(at as Location);
  const { message, hint } = renderIssue(issue);
  const path = 'path' in issue && typeof issue.path === 'string' ? issue.path : undefined;
  return { severity, code: issue.code, name: issueName(issue.code), message, ...(hint ? { hint } : {}), span, ...(path ? { path } : {}), issue };
}

/** Collects diagnostics during a phase. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  report(issue: Issue, at: Location | Span, severity: Severity = 'error'): void {
    this.items.push(diagnostic(issue, at, severity));
  }

  add(...diagnostics: Diagnostic[]): void {
    this.items.push(...diagnostics);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sorted (`sortDiagnostics`), each once: a base's error reported once, not once per child or importing file. */
export function uniqueDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return sortDiagnostics(diagnostics).filter((d) => {
    const key = `${d.span.file}\0${d.span.start.offset}\0${d.span.end.offset}\0${d.code}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sorts by file, then position, then code (stable output for humans and tests). */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.span.file.localeCompare(b.span.file) ||
      a.span.start.offset - b.span.start.offset ||
      a.code.localeCompare(b.code),
  );
}
