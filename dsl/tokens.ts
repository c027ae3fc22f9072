/**
 * Tokens of the `.abl` language (see `SYNTAX.md`, "Lexical").
 *
 * Every token has a `label` used in parser messages ("expected ':' or '{' …"). Comments
 * go to the `comments` group: the parser never sees them, but they come back from the
 * lexer so the formatter can keep them. Three "error tokens" (an unterminated string, an
 * unterminated block comment, a malformed number such as `1e` or `8cm`) are lexed as
 * tokens rather than lexer errors, so that one clear diagnostic is reported for them and
 * parsing carries on as if the literal were well formed; likewise a single-quoted string
 * and a `#` comment, the two most likely habits from other languages.
 */
import { createToken, Lexer, type CustomPatternMatcherFunc, type TokenType } from './chevrotain.ts';

// ─── categories (abstract: they match no text; the parser consumes them) ─────

/** Any string literal, including the two error forms. */
export const StringToken = createToken({ name: 'StringToken', pattern: Lexer.NA, label: 'a string' });
/** A number, well formed or not. */
export const NumberToken = createToken({ name: 'NumberToken', pattern: Lexer.NA, label: 'a number' });
/** A name or a keyword: what a key or a dotted member may be (`sweep: fig5_tau`, `x: loss.icr.tau`). */
export const Word = createToken({ name: 'Word', pattern: Lexer.NA, label: 'a name' });
/** Every keyword. */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA, categories: [Word] });
/** `±` (`+-`), `..`, `+`, `-`, `*`, `/`: the parser reads a flat operand/operator chain and the CST → AST step applies precedence. */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA, label: 'an operator' });
/** `%` or `mm`. */
export const UnitToken = createToken({ name: 'UnitToken', pattern: Lexer.NA, label: 'a unit' });
/** `grid` or `zip`. */
export const SweepMode = createToken({ name: 'SweepMode', pattern: Lexer.NA, label: "'grid' or 'zip'" });

// ─── trivia ─────────────────────────────────────────────────────────────────

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const LineComment = createToken({
  name: 'LineComment',
  pattern: /\/\/[^\r\n]*/,
  group: 'comments',
  label: "a '//' comment",
});

export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
  label: "a '/* */' comment",
});

/** `/* …` running to the end of the file; reported as E001 by `parse`. */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
  line_breaks: true,
  label: 'an unterminated comment',
});

/** `# …` to the end of the line: not a comment in this language; kept as one, reported as E001. */
export const HashComment = createToken({
  name: 'HashComment',
  pattern: /#[^\r\n]*/,
  group: 'comments',
  label: "a '#' comment",
});

// ─── literals ───────────────────────────────────────────────────────────────

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  categories: [StringToken],
  label: 'a string',
});

/** `"…` running to the end of the line; parsed as a string, reported as E001. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringToken],
  label: 'a string',
});

/** `'…'`: parsed as a string, reported as E001 (strings use double quotes). */
export const SingleQuotedString = createToken({
  name: 'SingleQuotedString',
  pattern: /'[^'\r\n]*'/,
  categories: [StringToken],
  label: 'a string',
});

/**
 * Units of a `launch` block's durations and sizes (`time: 2h`, `mem: 16GB`). They are plain
 * names, not keywords (`h`, `s`, `d` stay usable as names elsewhere): a number glued to one
 * lexes as the number and the name, and the parser reads the name as the number's unit.
 */
export const LAUNCH_UNITS: ReadonlySet<string> = new Set(['s', 'min', 'h', 'd', 'MB', 'GB', 'TB']);

const numberCore = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const wordTail = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * A number glued to letters that are neither the unit `mm` nor the dimension `x`:
 * `1e` (exponent without digits), `8cm` (unknown unit), `4th`. Matched before `NumberLiteral`.
 */
const matchMalformedNumber: CustomPatternMatcherFunc = (text, offset) => {
  numberCore.lastIndex = offset;
  const core = numberCore.exec(text);
  if (!core) return null;
  const tailStart = offset + core[0].length;
  wordTail.lastIndex = tailStart;
  const tail = wordTail.exec(text);
  if (!tail) return null;
  const word = tail[0];
  if (word === 'mm' || word === 'x' || LAUNCH_UNITS.has(word)) return null; // `8mm`, `256x`, `2h`, `16GB`
  if (/^x\d/.test(word)) return null; // `256x256`: the `x` of dims, then a number
  let end = tailStart + word.length;
  // `1e-` / `1e+`: keep the sign in the bad literal rather than leaving a stray operator.
  if (/^[eE]$/.test(word) && (text[end] === '-' || text[end] === '+')) end += 1;
  const match = [text.slice(offset, end)] as unknown as RegExpExecArray;
  return match;
};

/** A malformed number (`1e`, `8cm`); parsed as a number, reported as E003. */
export const MalformedNumber = createToken({
  name: 'MalformedNumber',
  pattern: { exec: matchMalformedNumber },
  line_breaks: false,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  categories: [NumberToken],
  label: 'a number',
});

/** `4`, `0.05`, `1e-4`, `2.5E+3`. `1..8` lexes as `1`, `..`, `8` (a fraction needs a digit after the dot). */
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  categories: [NumberToken],
  label: 'a number',
});

// ─── punctuation ────────────────────────────────────────────────────────────

export const LCurly = createToken({ name: 'LCurly', pattern: /{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /}/, label: "'}'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/, label: "']'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
/** `±` or its ASCII spelling `+-`; must precede `Plus`. */
export const PlusMinus = createToken({ name: 'PlusMinus', pattern: /±|\+-/, categories: [BinaryOperator], label: "'±'" });
/** `..` of ranges; must precede `Dot`. */
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, categories: [BinaryOperator], label: "'..'" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [BinaryOperator], label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [BinaryOperator], label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [BinaryOperator], label: "'*'" });
/** Must follow the comment tokens, which also start with `/`. */
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: [BinaryOperator], label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: /%/, categories: [UnitToken], label: "'%'" });

// ─── identifiers and keywords ───────────────────────────────────────────────

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Word],
  label: 'a name',
});

function keyword(word: string, categories: TokenType[] = []): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: [Keyword, Word, ...categories],
    label: `'${word}'`,
  });
}

export const Import = keyword('import');
export const Dataset = keyword('dataset');
export const Experiment = keyword('experiment');
export const Extends = keyword('extends');
export const Sweep = keyword('sweep');
export const Grid = keyword('grid', [SweepMode]);
export const Zip = keyword('zip', [SweepMode]);
export const From = keyword('from');
export const Repeat = keyword('repeat');
export const Table = keyword('table');
export const Figure = keyword('figure');
/** `launch slurm { … }`: where and with what the runs of a file execute (never part of a run's spec). */
export const Launch = keyword('launch');
export const At = keyword('at');
export const In = keyword('in');
/** `differs` of a table row's ablation contract: `"+ L_mcr": v3_mcr differs [loss.mcr] from "Joint V3"`. */
export const Differs = keyword('differs');
/** The unit `mm` (`8 mm`, `8mm`); `mmwhs` stays an identifier through `longer_alt`. */
export const Mm = keyword('mm', [UnitToken]);

/**
 * `x` of dimensions (`256 x 256`, `256x256`). Not a plain keyword with `longer_alt`,
 * because in `256x256` the identifier rule would take `x256`: this matcher takes a lone
 * `x`, or an `x` glued between digits, and leaves every other word starting with `x`
 * (`x1`, `xy`) to `Identifier`.
 */
const matchDimsX: CustomPatternMatcherFunc = (text, offset) => {
  if (text[offset] !== 'x') return null;
  const next = text.charCodeAt(offset + 1);
  const isWordChar = (c: number) =>
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const isDigit = (c: number) => c >= 48 && c <= 57;
  if (!isWordChar(next) || (isDigit(next) && isDigit(text.charCodeAt(offset - 1)))) {
    return ['x'] as unknown as RegExpExecArray;
  }
  return null;
};

export const X = createToken({
  name: 'X',
  pattern: { exec: matchDimsX },
  line_breaks: false,
  start_chars_hint: ['x'],
  categories: [Keyword, Word],
  label: "'x'",
});

export const keywordTokens: TokenType[] = [
  Import, Dataset, Experiment, Extends, Sweep, Grid, Zip, From, Repeat, Table, Figure, Launch, At, In, Differs, Mm, X,
];

/**
 * Lexer order matters, because the first pattern that matches wins (except where a
 * keyword's `longer_alt` finds a longer identifier):
 * 1. whitespace, then comments (before `Slash`; the terminated block comment before the unterminated one);
 * 2. strings (the terminated form first; single quotes are an error, lexed to report it well);
 * 3. `MalformedNumber` before `NumberLiteral`, so `1e` is one bad literal, not `1` and `e`;
 * 4. two-character punctuation before its one-character prefix (`±`/`+-` before `+`, `..` before `.`);
 * 5. keywords before `Identifier`.
 */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  HashComment,
  StringLiteral,
  UnterminatedString,
  SingleQuotedString,
  MalformedNumber,
  NumberLiteral,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Comma,
  Colon,
  PlusMinus,
  DotDot,
  Dot,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  ...keywordTokens,
  Identifier,
  // categories last: they match no text
  StringToken,
  NumberToken,
  Word,
  Keyword,
  BinaryOperator,
  UnitToken,
  SweepMode,
];

/** One lexer for the process; `tokenize` is re-entrant. */
export const ablLexer = new Lexer(allTokens, {
  positionTracking: 'full',
  ensureOptimizations: false,
});
