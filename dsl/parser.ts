/**
 * The `.abl` grammar as a Chevrotain `CstParser` (see `SYNTAX.md`, "Structure"). Rules are
 * class properties, so a misspelt `SUBRULE` target does not compile. The parser recovers
 * from errors (token insertion/deletion and re-sync), so one pass reports every syntax
 * error of a file. Build the CST types with `scripts/gen-cst-dts.ts` after editing a rule.
 *
 * Expression precedence, loosest first: `±` (a reported mean ± std), `..` (range),
 * `+ -`, `* /`, unary `-`, then primaries (numbers with units or dims, strings, names with
 * calls or indexing, lists, parentheses). The parser reads binary operators as a flat
 * chain; `cst-to-ast.ts` applies the first four levels.
 */
import {
  CstParser,
  EOF,
  type IOrAlt,
  type IParserErrorMessageProvider,
  type IToken,
  type DSLMethodOpts,
  type OrMethodOpts,
  tokenMatcher,
  type TokenType,
} from './chevrotain.ts';
import {
  allTokens,
  At,
  Colon,
  Comma,
  Dataset,
  Differs,
  Dot,
  Experiment,
  Extends,
  Figure,
  From,
  BinaryOperator,
  Identifier,
  Import,
  In,
  LAUNCH_UNITS,
  Launch,
  LBracket,
  LCurly,
  LParen,
  MalformedNumber,
  Minus,
  Mm,
  NumberLiteral,
  NumberToken,
  RBracket,
  RCurly,
  Repeat,
  RParen,
  SingleQuotedString,
  StringLiteral,
  StringToken,
  Sweep,
  SweepMode,
  Table,
  UnitToken,
  UnterminatedString,
  Word,
  X,
} from './tokens.ts';

/** Separates a message from its hint in the strings the message provider returns. */
export const HINT_SEPARATOR = '\u001f';

const ENTRY_HINT =
  'an entry is `key: value`, `key { … }`, `key head { … }` (e.g. `data mmwhs { … }`) or, in a sweep, `key in values`';
const DECLARATION_HINT =
  'a file holds `import "…"` lines and `dataset`, `experiment`, `sweep`, `repeat`, `table` and `figure` declarations';

function tokenLabel(type: TokenType): string {
  if (type === EOF) return 'the end of the file';
  return type.LABEL ?? type.name;
}

/** How a found token is quoted in messages: `'}'`, `"a string"`, `the end of the file`. */
export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return 'the end of the file';
  if (token.tokenType === StringLiteral || token.tokenType === UnterminatedString || token.tokenType === SingleQuotedString) {
    return token.image;
  }
  return `'${token.image}'`;
}

function describePrevious(previous: IToken | undefined, ruleName: string): string {
  if (!previous || previous.tokenType === EOF || Number.isNaN(previous.startOffset)) return '';
  const isKeyToken = tokenMatcher(previous, Word) || tokenMatcher(previous, StringToken);
  if ((ruleName === 'entry' || ruleName === 'keyPath') && isKeyToken) return ` after key ${describeToken(previous)}`;
  return ` after ${describeToken(previous)}`;
}

function alternatives(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? 'something else';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

function withHint(message: string, hint: string | undefined): string {
  return hint ? `${message}${HINT_SEPARATOR}${hint}` : message;
}

/** Messages quote token labels: "expected ':' or '{' after key 'epochs' but found '}'". */
export const errorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    // The file rule expects EOF after its last declaration: say what may come instead.
    if (expected === EOF) return withHint(`expected a declaration but found ${describeToken(actual)}`, DECLARATION_HINT);
    let hint: string | undefined;
    if (expected === RCurly) hint = 'every `{` needs a matching `}`; entries are separated by newlines or commas';
    else if (expected === RBracket) hint = 'list items are separated by commas';
    return withHint(
      `expected ${tokenLabel(expected)}${describePrevious(previous, ruleName)} but found ${describeToken(actual)}`,
      hint,
    );
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return withHint(`expected a declaration but found ${describeToken(firstRedundant)}`, DECLARATION_HINT);
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription, ruleName }) {
    const expected =
      customUserDescription ?? alternatives(expectedPathsPerAlt.flatMap((paths) => paths.map((path) => tokenLabel(path[0]!))));
    const hint = ruleName === 'entry' ? ENTRY_HINT : undefined;
    return withHint(`expected ${expected}${describePrevious(previous, ruleName)} but found ${describeToken(actual[0])}`, hint);
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription, ruleName }) {
    const expected = customUserDescription ?? alternatives(expectedIterationPaths.map((path) => tokenLabel(path[0]!)));
    return `expected ${expected}${describePrevious(previous, ruleName)} but found ${describeToken(actual[0])}`;
  },
};

const isNumberToken = (t: TokenType) => t === NumberLiteral || t === MalformedNumber;
const isSeparator = (t: TokenType) => t === Comma || t === RCurly || t === RBracket || t === RParen;

/**
 * Note on style: the alternatives of each `OR` are built once and cached on the instance
 * (`??=`) instead of as a fresh array of closures per call; with one parser reused for
 * every file this keeps parsing free of per-token allocations.
 */
export class AblParser extends CstParser {
  private fileAlts?: IOrAlt<void>[];
  private entryAlts?: OrMethodOpts<void>;
  private keyAlts?: OrMethodOpts<void>;
  private headAlts?: IOrAlt<void>[];
  private valueAlts?: OrMethodOpts<void>;
  private primaryAlts?: OrMethodOpts<void>;
  private suffixAlts?: IOrAlt<void>[];
  private dimsRepetition?: DSLMethodOpts<void>;
  private unitOption?: DSLMethodOpts<void>;
  private strayUnitOption?: DSLMethodOpts<void>;

  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  /**
   * Single-token repair: when the unexpected token is a word or literal and the token after
   * it is the expected one, it is a stray (`experiment a extends b c {`), and deleting it
   * (tried next) repairs better than inserting the expected token before it. Brackets and
   * punctuation are kept (`extends { a: 1 }` lacks a name; the `{` is not a stray).
   */
  protected override canTokenTypeBeInsertedInRecovery(tokenType: TokenType): boolean {
    const unexpected = this.LA(1);
    const isWordOrLiteral = tokenMatcher(unexpected, Word) || tokenMatcher(unexpected, StringToken) || tokenMatcher(unexpected, NumberToken);
    return !(isWordOrLiteral && tokenMatcher(this.LA(2), tokenType));
  }

  // ─── file and declarations ────────────────────────────────────────────────

  public file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR(
        (this.fileAlts ??= [
          { ALT: () => this.SUBRULE(this.importDecl) },
          { ALT: () => this.SUBRULE(this.datasetDecl) },
          { ALT: () => this.SUBRULE(this.experimentDecl) },
          { ALT: () => this.SUBRULE(this.sweepDecl) },
          { ALT: () => this.SUBRULE(this.repeatDecl) },
          { ALT: () => this.SUBRULE(this.tableDecl) },
          { ALT: () => this.SUBRULE(this.figureDecl) },
          { ALT: () => this.SUBRULE(this.launchDecl) },
        ]),
      );
    });
  });

  public importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Import);
    this.CONSUME(StringToken, { LABEL: 'path' });
  });

  public datasetDecl = this.RULE('datasetDecl', () => {
    this.CONSUME(Dataset);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(StringToken, { LABEL: 'title' }));
    this.SUBRULE(this.block);
  });

  public experimentDecl = this.RULE('experimentDecl', () => {
    this.CONSUME(Experiment);
    this.CONSUME1(Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(Extends);
      this.CONSUME2(Identifier, { LABEL: 'base' });
    });
    this.SUBRULE(this.block);
  });

  /** `sweep [grid|zip] NAME [grid|zip] from BASE { … }`: the mode may come before or after the name. */
  public sweepDecl = this.RULE('sweepDecl', () => {
    this.CONSUME(Sweep);
    this.OPTION1(() => this.CONSUME1(SweepMode, { LABEL: 'mode' }));
    this.CONSUME1(Identifier, { LABEL: 'name' });
    this.OPTION2(() => this.CONSUME2(SweepMode, { LABEL: 'mode' }));
    this.CONSUME(From);
    this.CONSUME2(Identifier, { LABEL: 'base' });
    this.SUBRULE(this.block);
  });

  public repeatDecl = this.RULE('repeatDecl', () => {
    this.CONSUME(Repeat);
    this.CONSUME1(Identifier, { LABEL: 'name' });
    this.CONSUME(From);
    this.CONSUME2(Identifier, { LABEL: 'base' });
    this.SUBRULE(this.block);
  });

  public tableDecl = this.RULE('tableDecl', () => {
    this.CONSUME(Table);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(StringToken, { LABEL: 'title' }));
    this.SUBRULE(this.block);
  });

  public figureDecl = this.RULE('figureDecl', () => {
    this.CONSUME(Figure);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(StringToken, { LABEL: 'title' }));
    this.SUBRULE(this.block);
  });

  /** `launch slurm { partition: gpu, time: 2d }`: the scheduler's defaults for `ablate launch`. */
  public launchDecl = this.RULE('launchDecl', () => {
    this.CONSUME(Launch);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.SUBRULE(this.block);
  });

  // ─── blocks and entries ───────────────────────────────────────────────────

  public block = this.RULE('block', () => {
    this.CONSUME(LCurly);
    this.MANY(() => {
      this.SUBRULE(this.entry);
      this.OPTION(() => this.CONSUME(Comma));
    });
    this.CONSUME(RCurly);
  });

  /** `path: value contract?`, `path in values`, or `path head? (at place)? { … }`. */
  public entry = this.RULE('entry', () => {
    this.SUBRULE(this.keyPath);
    this.OR(
      (this.entryAlts ??= {
        DEF: [
          {
            ALT: () => {
              this.CONSUME(Colon);
              this.SUBRULE1(this.value);
              this.OPTION3(() => this.SUBRULE(this.contract));
            },
          },
          {
            ALT: () => {
              this.CONSUME(In);
              this.SUBRULE2(this.value);
            },
          },
          {
            ALT: () => {
              this.OPTION1(() => this.SUBRULE(this.head));
              this.OPTION2(() => {
                this.CONSUME(At);
                this.SUBRULE(this.expression, { LABEL: 'at' });
              });
              this.SUBRULE(this.block);
            },
          },
        ],
        ERR_MSG: "':' or '{'",
      }),
    );
  });

  /**
   * A table row's ablation contract: `differs [loss.mcr, model.joint] from "Joint V3"`, the
   * Run IR paths the row changes relative to another row (its label). Any entry may carry
   * one in the grammar; the checker allows it only on a table row (E126).
   */
  public contract = this.RULE('contract', () => {
    this.CONSUME(Differs);
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE1(this.keyPath, { LABEL: 'paths' });
      this.MANY(() => {
        this.CONSUME1(Comma);
        this.SUBRULE2(this.keyPath, { LABEL: 'paths' });
      });
      this.OPTION1(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
    this.CONSUME(From);
    this.SUBRULE(this.key, { LABEL: 'reference' });
  });

  public keyPath = this.RULE('keyPath', () => {
    this.SUBRULE1(this.key);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.SUBRULE2(this.key);
    });
  });

  /** A key segment: a name (keywords allowed: `x:` in a figure) or a quoted label. */
  public key = this.RULE('key', () => {
    this.OR(
      (this.keyAlts ??= {
        DEF: [{ ALT: () => this.CONSUME(Word) }, { ALT: () => this.CONSUME(StringToken) }],
        ERR_MSG: 'a key',
      }),
    );
  });

  /** The head of `data mmwhs { … }` or `icr 0.1 { … }`. */
  public head = this.RULE('head', () => {
    this.OR((this.headAlts ??= [{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(NumberToken) }]));
  });

  /** An expression with an optional options block (`sgd { lr: 0.05 }`), or a bare block. */
  public value = this.RULE('value', () => {
    this.OR(
      (this.valueAlts ??= {
        DEF: [
          {
            ALT: () => {
              this.SUBRULE(this.expression);
              this.OPTION(() => this.SUBRULE1(this.block));
            },
          },
          { ALT: () => this.SUBRULE2(this.block) },
        ],
        ERR_MSG: 'a value',
      }),
    );
  });

  // ─── expressions ──────────────────────────────────────────────────────────

  /**
   * A chain `operand (operator operand)*` over `±`, `..`, `+ -`, `* /`. Precedence and
   * associativity are applied by the CST → AST step (precedence climbing): one rule per
   * level would cost six nested rule calls for every scalar in a file.
   */
  public expression = this.RULE('expression', () => {
    this.SUBRULE1(this.operand, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(BinaryOperator, { LABEL: 'operators' });
      this.SUBRULE2(this.operand, { LABEL: 'operands' });
    });
  });

  /** A primary with any number of unary minus signs: `-1`, `--x`. */
  public operand = this.RULE('operand', () => {
    this.MANY(() => this.CONSUME(Minus, { LABEL: 'signs' }));
    this.SUBRULE(this.primary);
  });

  public primary = this.RULE('primary', () => {
    this.OR(
      (this.primaryAlts ??= {
        DEF: [
          { ALT: () => this.SUBRULE(this.numeric) },
          { ALT: () => this.CONSUME(StringToken) },
          { ALT: () => this.SUBRULE(this.reference) },
          { ALT: () => this.SUBRULE(this.list) },
          { ALT: () => this.SUBRULE(this.parenExpr) },
        ],
        ERR_MSG: 'a value',
      }),
    );
  });

  /**
   * A number with an optional unit (`2%`, `8 mm`), or dimensions (`1.5 x 1.5 x 8 mm`).
   * Gates keep a following entry keyed `x` or `mm` (`x: loss.icr.tau`) out of the number.
   */
  public numeric = this.RULE('numeric', () => {
    this.CONSUME1(NumberToken, { LABEL: 'items' });
    this.MANY(
      (this.dimsRepetition ??= {
        GATE: () => isNumberToken(this.LA(2).tokenType),
        DEF: () => {
          this.CONSUME(X);
          this.CONSUME2(NumberToken, { LABEL: 'items' });
        },
      }),
    );
    this.OPTION(
      (this.unitOption ??= {
        GATE: () => {
          const next = this.LA(2).tokenType;
          return this.LA(1).tokenType !== Mm || (next !== Colon && next !== Dot && next !== In && next !== At);
        },
        DEF: () => this.CONSUME(UnitToken, { LABEL: 'unit' }),
      }),
    );
    // `8 cm`: a name right after the number that ends its line (or is followed by a separator)
    // cannot start an entry; read it as a unit so that it is reported as one (E003).
    this.OPTION2(
      (this.strayUnitOption ??= {
        GATE: () => {
          const word = this.LA(1);
          if (word.tokenType !== Identifier || word.startLine !== this.LA(0).endLine) return false;
          const next = this.LA(2);
          // `time: 2h mem: 16GB`: a launch unit is the number's unless it starts an entry itself (`h: 1`).
          if (LAUNCH_UNITS.has(word.image)) return next.tokenType !== Colon && next.tokenType !== Dot && next.tokenType !== In && next.tokenType !== At && next.tokenType !== LCurly;
          return next.tokenType === EOF || isSeparator(next.tokenType) || next.startLine! > word.endLine!;
        },
        DEF: () => this.CONSUME(Identifier, { LABEL: 'unknownUnit' }),
      }),
    );
  });

  /** `ct`, `loss.icr.tau`, `poly(0.9)`, `decoder[1..3]`. */
  public reference = this.RULE('reference', () => {
    this.CONSUME(Identifier);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.CONSUME(Word, { LABEL: 'members' });
    });
    this.OPTION(() => {
      this.OR((this.suffixAlts ??= [{ ALT: () => this.SUBRULE(this.callArgs) }, { ALT: () => this.SUBRULE(this.indexSuffix) }]));
    });
  });

  public callArgs = this.RULE('callArgs', () => {
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE1(this.value, { LABEL: 'args' });
      this.MANY(() => {
        this.CONSUME1(Comma);
        this.SUBRULE2(this.value, { LABEL: 'args' });
      });
      this.OPTION1(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RParen);
  });

  public indexSuffix = this.RULE('indexSuffix', () => {
    this.CONSUME(LBracket);
    this.SUBRULE(this.expression);
    this.CONSUME(RBracket);
  });

  /**
   * `[a, b, c]`, trailing comma allowed. A missing comma between two items parses (and is
   * reported by the CST → AST step), so `[dice asd]` gives one clear error, not a cascade.
   */
  public list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE1(this.value, { LABEL: 'items' });
      this.MANY(() => {
        this.OPTION1(() => this.CONSUME1(Comma));
        this.SUBRULE2(this.value, { LABEL: 'items' });
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });

  public parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });
}

/** The one parser instance (Chevrotain parsers are reused: setting `input` resets them). */
export const ablParser = new AblParser();
