/**
 * The deepest nesting of `{ }`, `[ ]` and `( )` a file may have. The parser, the CST → AST
 * step and the formatter are recursive: without a limit, a few hundred open brackets
 * exhaust the call stack (`Maximum call stack size exceeded`, no location). The limit is
 * checked on the token stream, before anything recursive runs; real experiment files
 * nest six or seven levels deep.
 */
import type { IToken, TokenType } from './chevrotain.ts';
import type { SpanMap } from './span.ts';
import { syntaxDiagnostic, type SyntaxDiagnostic } from './syntax-error.ts';
import { LBracket, LCurly, LParen, RBracket, RCurly, RParen } from './tokens.ts';

/** Open brackets allowed at once (blocks, lists and parentheses together). */
export const MAX_NESTING = 64;

const opening = new Set<TokenType>([LCurly, LBracket, LParen]);
const closing = new Set<TokenType>([RCurly, RBracket, RParen]);

/**
 * E004 at the first bracket that opens level `MAX_NESTING + 1`, or undefined when the
 * tokens stay within the limit. Unbalanced brackets are left to the parser.
 */
export function nestingDiagnostic(tokens: readonly IToken[], spans: SpanMap): SyntaxDiagnostic | undefined {
  let depth = 0;
  for (const token of tokens) {
    if (opening.has(token.tokenType)) {
      depth++;
      if (depth > MAX_NESTING) {
        return syntaxDiagnostic(
          'E004',
          `'${token.image}' opens nesting level ${depth}; at most ${MAX_NESTING} levels of { }, [ ] and ( ) are allowed`,
          spans.span(token.startOffset, token.endOffset! + 1),
          'flatten the value: dotted keys (`a.b.c: 1`) replace nested blocks, and parentheses are only needed around sums',
        );
      }
    } else if (closing.has(token.tokenType) && depth > 0) depth--;
  }
  return undefined;
}
