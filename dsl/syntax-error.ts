/**
 * Diagnostics of the `.abl` front end. Codes are stable; the compiler re-exports them in
 * `compiler/issue-codes.ts`. The parser builds the wording itself (it quotes tokens), so a
 * syntax diagnostic carries its message rather than a payload.
 */
import type { Span } from './ast.ts';

export const syntaxCodes = {
  /** Lexing: an unexpected character, an unterminated string or block comment, a bad escape. */
  E001: 'lexical-error',
  /** Parsing: a token that does not fit the grammar. */
  E002: 'syntax-error',
  /** A malformed number literal (`1e`) or an unknown unit (`8cm`). */
  E003: 'malformed-number',
  /** Brackets nested deeper than `MAX_NESTING` (dsl/nesting-limit.ts); checked before parsing. */
  E004: 'nesting-too-deep',
} as const;

export type SyntaxCode = keyof typeof syntaxCodes;
export type SyntaxCodeName = (typeof syntaxCodes)[SyntaxCode];

export interface SyntaxDiagnostic {
  severity: 'error';
  code: SyntaxCode;
  /** Kebab-case name of the code. */
  name: SyntaxCodeName;
  message: string;
  /** 0-based, exclusive end; an error at the end of the file has an empty span there. */
  span: Span;
  hint?: string;
}

/** Builds a front-end diagnostic; `name` follows from `code`. */
export function syntaxDiagnostic(code: SyntaxCode, message: string, span: Span, hint?: string): SyntaxDiagnostic {
  return { severity: 'error', code, name: syntaxCodes[code], message, span, ...(hint ? { hint } : {}) };
}

/** Thrown only by helpers that promise a valid tree (`parseOrThrow`); `parse` itself never throws on bad input. */
export class AblSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: SyntaxDiagnostic[],
  ) {
    const first = diagnostics[0];
    const where = first ? `${file}:${first.span.start.line + 1}:${first.span.start.column + 1}` : file;
    super(`${where}: ${first?.message ?? 'syntax error'}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : ''}`);
    this.name = 'AblSyntaxError';
  }
}
