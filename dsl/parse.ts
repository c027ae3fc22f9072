/**
 * The `.abl` front end's entry points: text → AST plus every lexing and syntax error of the
 * text, in one pass. Nothing here throws on user mistakes.
 */
import { EOF, type ILexingError, type IRecognitionException, type IToken } from './chevrotain.ts';
import type { Comment, Expr, SourceFile } from './ast.ts';
import { cstToAst } from './cst-to-ast.ts';
import { ablParser, describeToken, HINT_SEPARATOR } from './parser.ts';
import { nestingDiagnostic } from './nesting-limit.ts';
import { FILE_ORIGIN, SpanMap, type Origin } from './span.ts';
import { AblSyntaxError, syntaxDiagnostic, type SyntaxDiagnostic } from './syntax-error.ts';
import { ablLexer, BlockComment, HashComment, UnterminatedBlockComment } from './tokens.ts';

export interface ParseResult {
  ast: SourceFile;
  /** Lexing (E001), syntax (E002), number (E003) and nesting (E004) errors, in source order. */
  diagnostics: SyntaxDiagnostic[];
}

export interface ExpressionResult {
  /** Undefined when the text holds no complete value. */
  expr?: Expr;
  diagnostics: SyntaxDiagnostic[];
}

function lexingDiagnostics(errors: ILexingError[], text: string, spans: SpanMap): SyntaxDiagnostic[] {
  return errors.map((error) => {
    const chars = text.slice(error.offset, error.offset + error.length);
    const span = spans.span(error.offset, error.offset + error.length);
    const what = error.length === 1 ? `unexpected character '${chars}'` : `unexpected characters '${chars}'`;
    let hint = 'names are ASCII letters, digits and _; text goes in "double quotes"';
    if (chars.startsWith("'")) hint = 'strings use double quotes: "…"';
    else if (chars.startsWith('#')) hint = 'comments start with // or /* … */';
    return syntaxDiagnostic('E001', what, span, hint);
  });
}

function commentNodes(tokens: IToken[], spans: SpanMap, diagnostics: SyntaxDiagnostic[]): Comment[] {
  return tokens.map((token) => {
    const span = spans.span(token.startOffset, token.endOffset! + 1);
    const unterminated = token.tokenType === UnterminatedBlockComment;
    if (unterminated) {
      diagnostics.push(syntaxDiagnostic('E001', 'unterminated block comment', span, "close it with '*/'"));
    } else if (token.tokenType === HashComment) {
      diagnostics.push(syntaxDiagnostic('E001', "'#' does not start a comment", span, 'comments start with // or /* … */'));
    }
    return { kind: 'Comment', text: token.image, block: unterminated || token.tokenType === BlockComment, span };
  });
}

function recognitionDiagnostic(error: IRecognitionException, spans: SpanMap, text: string): SyntaxDiagnostic {
  const token = error.token;
  const atEnd = !token || token.tokenType === EOF || !Number.isFinite(token.startOffset);
  const span = atEnd ? spans.span(text.length, text.length) : spans.span(token.startOffset, token.endOffset! + 1);
  const [message, hint] = error.message.split(HINT_SEPARATOR);
  return syntaxDiagnostic('E002', message!, span, hint);
}

/**
 * Runs the CST → AST step. After recovery the CST can miss children the grammar calls
 * mandatory; the visitor checks for that, and should it still fail on such a tree, the
 * errors already reported explain the file and `fallback` stands in for the tree. On a
 * tree without errors a failure is a bug and is thrown.
 */
function convertRecovered<T>(convert: () => T, diagnostics: SyntaxDiagnostic[], fallback: T): T {
  if (diagnostics.length === 0) return convert();
  try {
    return convert();
  } catch {
    return fallback;
  }
}

function sortByPosition(diagnostics: SyntaxDiagnostic[]): SyntaxDiagnostic[] {
  return diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset || a.code.localeCompare(b.code));
}

/**
 * Parses a `.abl` file. Never throws on bad input: every lexing and syntax error is in
 * `diagnostics` (the parser recovers and goes on), and `ast` holds what could be read
 * (entries and declarations that recovery left incomplete are dropped).
 *
 * @param text the file's text
 * @param file the path as given by the caller; copied into every span
 */
export function parse(text: string, file: string): ParseResult {
  const spans = new SpanMap(text, file);
  const lexed = ablLexer.tokenize(text);
  const diagnostics = lexingDiagnostics(lexed.errors, text, spans);
  const comments = commentNodes(lexed.groups.comments ?? [], spans, diagnostics);
  const emptyFile = (): ParseResult => ({ ast: { kind: 'File', path: file, imports: [], decls: [], comments, span: spans.span(0, text.length) }, diagnostics: sortByPosition(diagnostics) });

  // The parser is recursive: too deep a nesting is refused before it runs.
  const tooDeep = nestingDiagnostic(lexed.tokens, spans);
  if (tooDeep) {
    diagnostics.push(tooDeep);
    return emptyFile();
  }

  // Recovery (single-token repair, re-sync in repetitions, skipping stray tokens between
  // declarations) lets one pass report every error.
  ablParser.input = lexed.tokens;
  const cst = ablParser.file();
  for (const error of ablParser.errors) diagnostics.push(recognitionDiagnostic(error, spans, text));

  const { imports, decls } = convertRecovered(() => cstToAst.convertFile(cst, spans, diagnostics), diagnostics, {
    imports: [],
    decls: [],
  });
  const ast: SourceFile = { kind: 'File', path: file, imports, decls, comments, span: spans.span(0, text.length) };
  return { ast, diagnostics: sortByPosition(diagnostics) };
}

/** `parse`, for callers that need a valid tree; throws `AblSyntaxError` with every diagnostic. */
export function parseOrThrow(text: string, file: string): SourceFile {
  const { ast, diagnostics } = parse(text, file);
  if (diagnostics.length > 0) throw new AblSyntaxError(file, diagnostics);
  return ast;
}

/**
 * Parses one value as written after `key:` (`0.4 * ce + 0.6 * dice`, `256 x 256`,
 * `sgd { lr: 0.05 }`), e.g. a YAML scalar. Spans are positions in `file`: `origin` is
 * where `text` starts there (0-based line, column and offset; the file's start by default).
 * Comments in `text` are allowed and ignored.
 */
export function parseExpression(text: string, file: string, origin: Origin = FILE_ORIGIN): ExpressionResult {
  const spans = new SpanMap(text, file, origin);
  const lexed = ablLexer.tokenize(text);
  const diagnostics = lexingDiagnostics(lexed.errors, text, spans);
  commentNodes(lexed.groups.comments ?? [], spans, diagnostics);
  const tooDeep = nestingDiagnostic(lexed.tokens, spans);
  if (tooDeep) return { diagnostics: sortByPosition([...diagnostics, tooDeep]) };
  ablParser.input = lexed.tokens;
  const cst = ablParser.value();
  for (const error of ablParser.errors) {
    const diagnostic = recognitionDiagnostic(error, spans, text);
    if (error.name === 'NotAllInputParsedException') {
      diagnostic.message = `expected the end of the value but found ${describeToken(error.token)}`;
      delete diagnostic.hint;
    }
    diagnostics.push(diagnostic);
  }
  const expr = convertRecovered(() => cstToAst.convertValue(cst, spans, diagnostics), diagnostics, undefined);
  return { ...(expr ? { expr } : {}), diagnostics: sortByPosition(diagnostics) };
}
