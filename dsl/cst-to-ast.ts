/**
 * CST → AST. The visitor turns Chevrotain's concrete tree into the nodes of `ast.ts`,
 * with a span on every node. After error recovery the CST may lack children (a missing
 * value, a token inserted by recovery with no position): such incomplete entries and
 * declarations are dropped rather than filled with placeholders, because the parse has
 * already reported the error and no later phase runs on a file with syntax errors.
 */
import type { CstNode, IToken } from './chevrotain.ts';
import type {
  Contract,
  Decl,
  DimsExpr,
  Entry,
  Expr,
  Ident,
  ImportDecl,
  Key,
  Name,
  NumberLit,
  ObjectExpr,
  Span,
  StringLit,
  Unit,
} from './ast.ts';
import type {
  BlockCstChildren,
  CallArgsCstChildren,
  ContractCstChildren,
  DatasetDeclCstChildren,
  EntryCstChildren,
  ExperimentDeclCstChildren,
  ExpressionCstChildren,
  OperandCstChildren,
  FigureDeclCstChildren,
  FileCstChildren,
  HeadCstChildren,
  ImportDeclCstChildren,
  IndexSuffixCstChildren,
  KeyCstChildren,
  KeyPathCstChildren,
  LaunchDeclCstChildren,
  ListCstChildren,
  NumericCstChildren,
  ParenExprCstChildren,
  PrimaryCstChildren,
  ReferenceCstChildren,
  RepeatDeclCstChildren,
  SweepDeclCstChildren,
  TableDeclCstChildren,
  ValueCstChildren,
} from './cst.generated.d.ts';
import { ablParser } from './parser.ts';
import { joinSpans, type SpanMap } from './span.ts';
import { syntaxDiagnostic, type SyntaxDiagnostic } from './syntax-error.ts';
import { DotDot, LAUNCH_UNITS, MalformedNumber, PlusMinus, SingleQuotedString, Slash, Star, StringLiteral, Zip } from './tokens.ts';

/** Binding strength of the binary operators, loosest first (as `format-expr.ts` prints them). */
const PLUS_MINUS = 1;
const RANGE = 2;
const ADDITIVE = 3;
const MULTIPLICATIVE = 4;

function precedenceOf(op: IToken): number {
  const t = op.tokenType;
  if (t === PlusMinus) return PLUS_MINUS;
  if (t === DotDot) return RANGE;
  if (t === Star || t === Slash) return MULTIPLICATIVE;
  return ADDITIVE;
}

/** An operand with the span of its text including any parentheses around it. */
interface Operand {
  expr: Expr;
  outer: Span;
}

/** Whether a token really is in the text (recovery may insert virtual tokens without a position). */
function isReal(token: IToken | undefined): token is IToken {
  return token !== undefined && !token.isInsertedInRecovery && Number.isFinite(token.startOffset);
}

/** Unescapes the body of a string literal; reports escapes other than `\"` and `\\`. */
function unescapeString(body: string, report: (message: string, at: number, length: number) => void): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[i + 1];
    if (next === '"' || next === '\\') {
      out += next;
      i++;
    } else if (next === undefined) {
      report('a string cannot end with a lone backslash', i, 1);
    } else {
      report(`unknown escape '\\${next}' in a string`, i, 2);
      out += next;
      i++;
    }
  }
  return out;
}

type DeclNode = { startOffset: number; node: CstNode };

const BaseVisitor = ablParser.getBaseCstVisitorConstructor();

export class CstToAst extends BaseVisitor {
  private spans!: SpanMap;
  private diagnostics!: SyntaxDiagnostic[];

  constructor() {
    super();
    this.validateVisitor();
  }

  /** Converts a parsed file. */
  convertFile(cst: CstNode, spans: SpanMap, diagnostics: SyntaxDiagnostic[]): { imports: ImportDecl[]; decls: Decl[] } {
    this.spans = spans;
    this.diagnostics = diagnostics;
    return this.file(cst.children as FileCstChildren);
  }

  /** Converts a standalone value (`parseExpression`). */
  convertValue(node: CstNode, spans: SpanMap, diagnostics: SyntaxDiagnostic[]): Expr | undefined {
    this.spans = spans;
    this.diagnostics = diagnostics;
    return this.value(node.children as ValueCstChildren);
  }

  // ─── helpers ──────────────────────────────────────────────────────────────

  private tokenSpan(token: IToken): Span {
    return this.spans.span(token.startOffset, token.endOffset! + 1);
  }

  /** Span of a CST node from its own location; undefined when recovery left it without tokens. */
  private nodeSpan(node: CstNode): Span | undefined {
    const { startOffset, endOffset } = node.location ?? {};
    if (startOffset === undefined || endOffset === undefined || !Number.isFinite(startOffset) || !Number.isFinite(endOffset)) {
      return undefined;
    }
    return this.spans.span(startOffset, endOffset + 1);
  }

  private error(code: 'E001' | 'E003', message: string, span: Span, hint?: string): void {
    this.diagnostics.push(syntaxDiagnostic(code, message, span, hint));
  }

  private nameNode(token: IToken | undefined): Name | undefined {
    if (!isReal(token)) return undefined;
    return { kind: 'Name', name: token.image, span: this.tokenSpan(token) };
  }

  // ─── file and declarations ────────────────────────────────────────────────

  file(ctx: FileCstChildren): { imports: ImportDecl[]; decls: Decl[] } {
    const nodes: DeclNode[] = [];
    const add = (list: CstNode[] | undefined) => {
      for (const node of list ?? []) nodes.push({ startOffset: node.location?.startOffset ?? Number.NaN, node });
    };
    add(ctx.importDecl);
    add(ctx.datasetDecl);
    add(ctx.experimentDecl);
    add(ctx.sweepDecl);
    add(ctx.repeatDecl);
    add(ctx.tableDecl);
    add(ctx.figureDecl);
    add(ctx.launchDecl);
    nodes.sort((a, b) => a.startOffset - b.startOffset);
    const imports: ImportDecl[] = [];
    const decls: Decl[] = [];
    for (const { node } of nodes) {
      const result = this.visit(node) as ImportDecl | Decl | undefined;
      if (!result) continue;
      if (result.kind === 'Import') imports.push(result);
      else decls.push(result);
    }
    return { imports, decls };
  }

  importDecl(ctx: ImportDeclCstChildren): ImportDecl | undefined {
    const path = this.stringToken(ctx.path?.[0]);
    const keyword = ctx.Import?.[0];
    if (!path || !isReal(keyword)) return undefined;
    return { kind: 'Import', path, span: joinSpans(this.tokenSpan(keyword), path.span) };
  }

  /** The parts every declaration has; undefined when recovery lost one. */
  private declParts(keyword: IToken | undefined, nameToken: IToken | undefined, block: CstNode[] | undefined) {
    const name = this.nameNode(nameToken);
    const body = block?.[0] ? this.blockObject(block[0].children as BlockCstChildren) : undefined;
    if (!name || !body || !isReal(keyword)) return undefined;
    return { name, body, span: joinSpans(this.tokenSpan(keyword), body.span) };
  }

  private title(ctx: { title?: IToken[] }): StringLit | undefined {
    return this.stringToken(ctx.title?.[0]);
  }

  datasetDecl(ctx: DatasetDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Dataset?.[0], ctx.name?.[0], ctx.block);
    if (!parts) return undefined;
    const title = this.title(ctx);
    return { kind: 'Dataset', name: parts.name, ...(title ? { title } : {}), body: parts.body, span: parts.span };
  }

  experimentDecl(ctx: ExperimentDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Experiment?.[0], ctx.name?.[0], ctx.block);
    if (!parts) return undefined;
    const base = this.nameNode(ctx.base?.[0]);
    return { kind: 'Experiment', name: parts.name, ...(base ? { extends: base } : {}), body: parts.body, span: parts.span };
  }

  sweepDecl(ctx: SweepDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Sweep?.[0], ctx.name?.[0], ctx.block);
    const from = this.nameNode(ctx.base?.[0]);
    if (!parts || !from) return undefined;
    const mode = (ctx.mode ?? []).some((t) => t.tokenType === Zip) ? 'zip' : 'grid';
    return { kind: 'Sweep', name: parts.name, mode, from, body: parts.body, span: parts.span };
  }

  repeatDecl(ctx: RepeatDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Repeat?.[0], ctx.name?.[0], ctx.block);
    const from = this.nameNode(ctx.base?.[0]);
    if (!parts || !from) return undefined;
    return { kind: 'Repeat', name: parts.name, from, body: parts.body, span: parts.span };
  }

  tableDecl(ctx: TableDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Table?.[0], ctx.name?.[0], ctx.block);
    if (!parts) return undefined;
    const title = this.title(ctx);
    return { kind: 'Table', name: parts.name, ...(title ? { title } : {}), body: parts.body, span: parts.span };
  }

  figureDecl(ctx: FigureDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Figure?.[0], ctx.name?.[0], ctx.block);
    if (!parts) return undefined;
    const title = this.title(ctx);
    return { kind: 'Figure', name: parts.name, ...(title ? { title } : {}), body: parts.body, span: parts.span };
  }

  launchDecl(ctx: LaunchDeclCstChildren): Decl | undefined {
    const parts = this.declParts(ctx.Launch?.[0], ctx.name?.[0], ctx.block);
    if (!parts) return undefined;
    return { kind: 'Launch', name: parts.name, body: parts.body, span: parts.span };
  }

  // ─── blocks and entries ───────────────────────────────────────────────────

  /** A block's entries and span (to its last entry when recovery found no `}`). */
  block(ctx: BlockCstChildren): { entries: Entry[]; span: Span | undefined } {
    const entries: Entry[] = [];
    for (const node of ctx.entry ?? []) {
      const entry = this.entry(node.children);
      if (entry) entries.push(entry);
    }
    const open = ctx.LCurly?.[0];
    const close = ctx.RCurly?.[0];
    let span: Span | undefined;
    if (isReal(open) && isReal(close)) span = this.spans.span(open.startOffset, close.endOffset! + 1);
    else if (isReal(open)) {
      // Unclosed (reported): the block runs to its last entry.
      const last = entries[entries.length - 1];
      span = last ? joinSpans(this.tokenSpan(open), last.span) : this.tokenSpan(open);
    }
    return { entries, span };
  }

  /** A block as an object without head; undefined when a brace is missing. */
  private blockObject(ctx: BlockCstChildren): ObjectExpr | undefined {
    const { entries, span } = this.block(ctx);
    if (!span) return undefined;
    return { kind: 'Object', entries, span };
  }

  entry(ctx: EntryCstChildren): Entry | undefined {
    const path = ctx.keyPath?.[0] ? this.keyPath(ctx.keyPath[0].children) : undefined;
    if (!path) return undefined;
    let value: Expr | undefined;
    let axis = false;
    let contract: Contract | undefined;
    if (ctx.Colon || ctx.In) {
      value = ctx.value?.[0] ? this.value(ctx.value[0].children) : undefined;
      axis = ctx.In !== undefined;
      if (ctx.contract?.[0]) {
        contract = this.contract(ctx.contract[0].children);
        if (!contract) return undefined;
      }
    } else if (ctx.block) {
      const body = this.block(ctx.block[0]!.children);
      const head = ctx.head?.[0] ? this.head(ctx.head[0].children) : undefined;
      const at = ctx.at?.[0] ? this.expression(ctx.at[0].children) : undefined;
      if (ctx.At && !at) return undefined;
      const startToken = isReal(ctx.At?.[0]) ? ctx.At[0] : undefined;
      const start = head?.span ?? (startToken ? this.tokenSpan(startToken) : body.span);
      if (!start || !body.span) return undefined;
      value = {
        kind: 'Object',
        ...(head ? { head } : {}),
        ...(at ? { at } : {}),
        entries: body.entries,
        span: joinSpans(start, body.span),
      };
    }
    if (!value) return undefined;
    if (contract) return { kind: 'Entry', path, value, axis, contract, span: joinSpans(path[0]!.span, contract.span) };
    return { kind: 'Entry', path, value, axis, span: joinSpans(path[0]!.span, value.span) };
  }

  /** `differs [a.b, c] from "Row"`; undefined when recovery left a part out (already reported). */
  contract(ctx: ContractCstChildren): Contract | undefined {
    const start = ctx.Differs?.[0];
    const reference = ctx.reference?.[0] ? this.key(ctx.reference[0].children) : undefined;
    if (!isReal(start) || !reference || !isReal(ctx.From?.[0])) return undefined;
    const paths: Key[][] = [];
    for (const node of ctx.paths ?? []) {
      const path = this.keyPath(node.children);
      if (!path) return undefined;
      paths.push(path);
    }
    return { kind: 'Contract', paths, reference, span: joinSpans(this.tokenSpan(start), reference.span) };
  }

  keyPath(ctx: KeyPathCstChildren): Key[] | undefined {
    const keys: Key[] = [];
    for (const node of ctx.key ?? []) {
      const key = this.key(node.children);
      if (!key) return undefined;
      keys.push(key);
    }
    return keys.length > 0 ? keys : undefined;
  }

  key(ctx: KeyCstChildren): Key | undefined {
    const word = ctx.Word?.[0];
    if (isReal(word)) return { kind: 'Key', name: word.image, quoted: false, span: this.tokenSpan(word) };
    const str = this.stringToken(ctx.StringToken?.[0]);
    if (!str) return undefined;
    return { kind: 'Key', name: str.value, quoted: true, span: str.span };
  }

  head(ctx: HeadCstChildren): Expr | undefined {
    const ident = ctx.Identifier?.[0];
    if (isReal(ident)) return { kind: 'Ident', name: ident.image, span: this.tokenSpan(ident) };
    return this.numberLiteral(ctx.NumberToken?.[0]);
  }

  value(ctx: ValueCstChildren): Expr | undefined {
    const blockNode = ctx.block?.[0];
    const body = blockNode ? this.block(blockNode.children) : undefined;
    if (!ctx.expression) {
      if (!body?.span) return undefined;
      return { kind: 'Object', entries: body.entries, span: body.span };
    }
    const head = this.expression(ctx.expression[0]!.children);
    if (!head) return undefined;
    if (!body) return head;
    if (!body.span) return undefined;
    return { kind: 'Object', head, entries: body.entries, span: joinSpans(head.span, body.span) };
  }

  // ─── expressions ──────────────────────────────────────────────────────────

  /**
   * Applies precedence to the flat chain the parser reads (precedence climbing):
   * `±` < `..` < `+ -` < `* /`; `+ - * /` associate to the left, and `..` and `±` do not
   * chain (`1..2..3` is reported). A node's span covers its operands' parentheses.
   */
  expression(ctx: ExpressionCstChildren): Expr | undefined {
    const operands: Operand[] = [];
    for (const node of ctx.operands ?? []) {
      const operand = this.operand(node.children);
      const outer = this.nodeSpan(node);
      if (!operand) return undefined;
      operands.push({ expr: operand, outer: outer ?? operand.span });
    }
    const operators = ctx.operators ?? [];
    if (operands.length === 0 || operators.length !== operands.length - 1) return undefined;
    if (operators.length === 0) return operands[0]!.expr;
    let next = 0;
    const climb = (minPrecedence: number): Operand => {
      let left = operands[next]!;
      while (next < operators.length && precedenceOf(operators[next]!) >= minPrecedence) {
        const op = operators[next]!;
        const p = precedenceOf(op);
        next++;
        const right = climb(p + 1);
        const span = joinSpans(left.outer, right.outer);
        left = { expr: this.binary(op, left.expr, right.expr, span), outer: span };
        const following = operators[next];
        if (following && p <= RANGE && precedenceOf(following) === p) {
          this.diagnostics.push(
            syntaxDiagnostic('E002', `'${following.image}' cannot follow ${p === RANGE ? 'a range' : "a value with '±'"}`, this.tokenSpan(following), 'add parentheses'),
          );
        }
      }
      return left;
    };
    return climb(0).expr;
  }

  private binary(op: IToken, left: Expr, right: Expr, span: Span): Expr {
    switch (op.tokenType) {
      case PlusMinus:
        return { kind: 'PlusMinus', mean: left, std: right, span };
      case DotDot:
        return { kind: 'Range', from: left, to: right, span };
      default:
        return { kind: 'Binary', op: op.image as '+' | '-' | '*' | '/', left, right, span };
    }
  }

  /** A primary under its unary minus signs, innermost sign first. */
  operand(ctx: OperandCstChildren): Expr | undefined {
    let expr = ctx.primary?.[0] ? this.primary(ctx.primary[0].children) : undefined;
    if (!expr) return undefined;
    let end = this.nodeSpan(ctx.primary![0]!) ?? expr.span;
    const signs = ctx.signs ?? [];
    for (let i = signs.length - 1; i >= 0; i--) {
      const sign = signs[i]!;
      if (!isReal(sign)) return undefined;
      const span = joinSpans(this.tokenSpan(sign), end);
      expr = { kind: 'Neg', operand: expr, span };
      end = span;
    }
    return expr;
  }

  primary(ctx: PrimaryCstChildren): Expr | undefined {
    if (ctx.numeric) return this.numeric(ctx.numeric[0]!.children);
    if (ctx.StringToken) return this.stringToken(ctx.StringToken[0]);
    if (ctx.reference) return this.reference(ctx.reference[0]!.children);
    if (ctx.list) return this.list(ctx.list[0]!.children);
    if (ctx.parenExpr) return this.parenExpr(ctx.parenExpr[0]!.children);
    return undefined;
  }

  numeric(ctx: NumericCstChildren): NumberLit | DimsExpr | undefined {
    const items: NumberLit[] = [];
    for (const token of ctx.items ?? []) {
      const item = this.numberLiteral(token);
      if (!item) return undefined;
      items.push(item);
    }
    if (items.length === 0) return undefined;
    const unknownUnit = ctx.unknownUnit?.[0];
    // `2h`, `16GB` (a launch block's units): a unit of one number; after dimensions, unknown.
    const launchUnit = isReal(unknownUnit) && items.length === 1 && LAUNCH_UNITS.has(unknownUnit.image) ? unknownUnit : undefined;
    if (isReal(unknownUnit) && !launchUnit) {
      const last = ctx.items[ctx.items.length - 1]!;
      this.error(
        'E003',
        `unknown unit '${unknownUnit.image}' after '${last.image}'`,
        this.tokenSpan(unknownUnit),
        /^x\d/.test(unknownUnit.image) ? 'dimensions are written 256 x 256 or 256x256' : "the units are '%' (2%) and 'mm' (8 mm)",
      );
    }
    const unitToken = launchUnit ?? ctx.unit?.[0];
    const unit = isReal(unitToken) ? (unitToken.image as Unit) : undefined;
    const last = items[items.length - 1]!;
    const span = unit ? joinSpans(items[0]!.span, this.tokenSpan(unitToken!)) : joinSpans(items[0]!.span, last.span);
    if (items.length === 1) return { ...items[0]!, ...(unit ? { unit } : {}), span };
    return { kind: 'Dims', items, ...(unit ? { unit } : {}), span };
  }

  /** A number token; a malformed one (`1e`, `8cm`) is reported (E003) and read as far as it is a number. */
  private numberLiteral(token: IToken | undefined): NumberLit | undefined {
    if (!isReal(token)) return undefined;
    const span = this.tokenSpan(token);
    if (token.tokenType !== MalformedNumber) return { kind: 'Number', value: Number(token.image), text: token.image, span };
    const core = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(token.image)![0];
    const tail = token.image.slice(core.length);
    if (/^[eE][+-]?$/.test(tail)) {
      this.error('E003', `malformed number '${token.image}': the exponent has no digits`, span, 'write an exponent with digits, as in 1e-4');
    } else {
      this.error('E003', `unknown unit '${tail}' in '${token.image}'`, span, "the units are '%' (2%) and 'mm' (8 mm); dimensions are written 256 x 256");
    }
    return { kind: 'Number', value: Number(core), text: core, span };
  }

  /** A string token; error forms (unterminated, single-quoted) and unknown escapes are reported (E001). */
  private stringToken(token: IToken | undefined): StringLit | undefined {
    if (!isReal(token)) return undefined;
    const span = this.tokenSpan(token);
    if (token.tokenType === SingleQuotedString) {
      this.error('E001', `strings use double quotes, not single quotes: ${token.image}`, span, `write "${token.image.slice(1, -1)}"`);
      return { kind: 'String', value: token.image.slice(1, -1), span };
    }
    const terminated = token.tokenType === StringLiteral;
    if (!terminated) {
      this.error('E001', 'unterminated string', span, "close the string with '\"' on the same line");
    }
    const body = token.image.slice(1, terminated ? -1 : undefined);
    const bodyStart = token.startOffset + 1;
    const value = unescapeString(body, (message, at, length) =>
      this.error('E001', message, this.spans.span(bodyStart + at, bodyStart + at + length), 'the escapes are \\" and \\\\'),
    );
    return { kind: 'String', value, span };
  }

  reference(ctx: ReferenceCstChildren): Expr | undefined {
    const first = ctx.Identifier?.[0];
    if (!isReal(first)) return undefined;
    let name = first.image;
    let span = this.tokenSpan(first);
    for (const token of ctx.members ?? []) {
      if (!isReal(token)) return undefined;
      name += `.${token.image}`;
      span = joinSpans(span, this.tokenSpan(token));
    }
    const ident: Ident = { kind: 'Ident', name, span };
    if (ctx.callArgs) {
      const call = this.callArgs(ctx.callArgs[0]!.children);
      if (!call) return undefined;
      return { kind: 'Call', callee: ident, args: call.args, span: joinSpans(span, call.span) };
    }
    if (ctx.indexSuffix) {
      const index = this.indexSuffix(ctx.indexSuffix[0]!.children);
      if (!index) return undefined;
      return { kind: 'Index', target: ident, index: index.index, span: joinSpans(span, index.span) };
    }
    return ident;
  }

  private valueList(nodes: CstNode[] | undefined): Expr[] | undefined {
    const items: Expr[] = [];
    for (const node of nodes ?? []) {
      const item = this.value(node.children as ValueCstChildren);
      if (!item) return undefined;
      items.push(item);
    }
    return items;
  }

  private bracketSpan(open: IToken | undefined, close: IToken | undefined): Span | undefined {
    return isReal(open) && isReal(close) ? this.spans.span(open.startOffset, close.endOffset! + 1) : undefined;
  }

  callArgs(ctx: CallArgsCstChildren): { args: Expr[]; span: Span } | undefined {
    const args = this.valueList(ctx.args);
    const span = this.bracketSpan(ctx.LParen?.[0], ctx.RParen?.[0]);
    return args && span ? { args, span } : undefined;
  }

  indexSuffix(ctx: IndexSuffixCstChildren): { index: Expr; span: Span } | undefined {
    const index = ctx.expression?.[0] ? this.expression(ctx.expression[0].children) : undefined;
    const span = this.bracketSpan(ctx.LBracket?.[0], ctx.RBracket?.[0]);
    return index && span ? { index, span } : undefined;
  }

  list(ctx: ListCstChildren): Expr | undefined {
    const items = this.valueList(ctx.items);
    if (items) this.checkListCommas(items, ctx.Comma ?? []);
    const span = this.bracketSpan(ctx.LBracket?.[0], ctx.RBracket?.[0]);
    return items && span ? { kind: 'List', items, span } : undefined;
  }

  /** The grammar lets a list comma be missing (for recovery); report each missing one here. */
  private checkListCommas(items: Expr[], commas: IToken[]): void {
    for (let i = 1; i < items.length; i++) {
      const from = items[i - 1]!.span.end.offset;
      const to = items[i]!.span.start.offset;
      const found = commas.some((c) => isReal(c) && c.startOffset >= from - this.spans.origin.offset && c.startOffset < to - this.spans.origin.offset);
      if (!found) {
        const item = items[i]!;
        this.diagnostics.push(
          syntaxDiagnostic(
            'E002',
            `expected ',' between list items but found '${this.spans.text.slice(item.span.start.offset - this.spans.origin.offset, item.span.end.offset - this.spans.origin.offset).split('\n')[0]}'`,
            item.span,
            'list items are separated by commas',
          ),
        );
      }
    }
  }

  /** Parentheses leave no node: the inner expression keeps its own span. */
  parenExpr(ctx: ParenExprCstChildren): Expr | undefined {
    if (!isReal(ctx.RParen?.[0])) return undefined;
    return ctx.expression?.[0] ? this.expression(ctx.expression[0].children) : undefined;
  }
}

/** The one visitor instance (its constructor validates it against the grammar). */
export const cstToAst = new CstToAst();
