/**
 * The `.abl` formatter (`ablate fmt`). Canonical layout:
 * - imports first (in their order), then declarations in source order, one blank line
 *   between declarations; a declaration's body is always one entry per line;
 * - 2-space indentation; one entry per line in a block with more than
 *   `MAX_INLINE_ENTRIES` entries, a nested block, or a comment inside; otherwise the block
 *   is written inline (`{ a: 1, b: 2 }`) when its line fits in `MAX_WIDTH` columns;
 *   lists likewise (`[2, 2, 2, 2]`, else one item per line with trailing commas);
 * - canonical spacing and minimal parentheses in expressions (see `format-expr.ts`),
 *   numbers exactly as written, `±` for mean ± std;
 * - `key head { … }` or `key: head { … }` as the source had it (both parse the same);
 * - every comment kept (see `format-comments.ts`); one blank line kept where the source
 *   had one or more between two entries; trailing comments of consecutive lines aligned.
 *
 * Guarantees (tested): `format` is idempotent, and the formatted text parses to the same
 * AST (spans aside) with the same comments.
 */
import type { Comment, Decl, Entry, Expr, ImportDecl, ListExpr, Node, ObjectExpr, SourceFile } from './ast.ts';
import { CommentPlacement } from './format-comments.ts';
import { formatContract, formatExpr, formatInlineBlock, formatPath, objectPrefix, quoteString } from './format-expr.ts';
import { parse } from './parse.ts';
import type { SyntaxDiagnostic } from './syntax-error.ts';

export const INDENT = '  ';
export const MAX_WIDTH = 100;
/** Blocks with more entries than this are written one entry per line (a paper table row has 5). */
export const MAX_INLINE_ENTRIES = 5;

/** Marks where a trailing comment starts on an output line, for alignment. */
const TRAILING = '\u0000';

/** Lines of a rendered construct: the first continues the current line, the others are complete. */
type Lines = string[];

function containsObject(expr: Expr): boolean {
  switch (expr.kind) {
    case 'Object':
      return true;
    case 'List':
      return expr.items.some(containsObject);
    case 'Call':
      return expr.args.some(containsObject);
    default:
      return false;
  }
}

/** A head that may stand without a colon (`data mmwhs { … }`, `icr 0.1 { … }`), as the grammar's `head` allows. */
function headAllowsNoColon(head: Expr | undefined): boolean {
  if (!head) return true;
  if (head.kind === 'Ident') return !head.name.includes('.');
  return head.kind === 'Number' && head.unit === undefined;
}

/** A comment's lines without trailing whitespace; lines after the first are kept as written. */
function commentLines(comment: Comment, indent: string): string[] {
  const [first, ...rest] = comment.text.split(/\r?\n|\r/).map((line) => line.trimEnd());
  return [indent + first, ...rest];
}

/** Comments written after code on the same line. */
function inlineComments(comments: Comment[]): string {
  return comments.map((c) => commentLines(c, '').join('\n')).join(' ');
}

class Formatter {
  private readonly comments: CommentPlacement;
  private readonly commentStarts: number[];

  constructor(
    private readonly file: SourceFile,
    private readonly text: string,
  ) {
    this.comments = new CommentPlacement(file, text);
    this.commentStarts = file.comments.map((c) => c.span.start.offset).sort((a, b) => a - b);
  }

  run(): string {
    const out: string[] = [];
    const items: (ImportDecl | Decl)[] = [...this.file.imports, ...this.file.decls];
    items.forEach((item, i) => {
      const unitsBefore = out.length > 0;
      const separate = i > 0 && item.kind !== 'Import' ? 'always' : 'asSource';
      this.emitItem(out, item, '', this.renderTopLevel(item), separate, unitsBefore);
    });
    const dangling = this.comments.containers.get(this.file)?.dangling ?? [];
    for (const comment of dangling) {
      if (out.length > 0 && this.blankBefore(comment.span.start.offset)) out.push('');
      out.push(...commentLines(comment, ''));
    }
    if (out.length === 0) return '';
    return alignTrailingComments(out.join('\n').split('\n')).join('\n') + '\n';
  }

  // ─── units: comments and items ────────────────────────────────────────────

  /** Whether the source has a blank line just before `offset`. */
  private blankBefore(offset: number): boolean {
    let newlines = 0;
    for (let i = offset - 1; i >= 0; i--) {
      const c = this.text[i];
      if (c === '\n') newlines++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return newlines >= 2;
    }
    return false;
  }

  /**
   * Emits an item's leading comments, the item, and its trailing comments.
   * `separate`: 'always' puts one blank line before the group (between declarations);
   * 'asSource' keeps one where the source had one (never at the start of a block).
   */
  private emitItem(
    out: string[],
    item: Node,
    indent: string,
    lines: Lines,
    separate: 'always' | 'asSource',
    unitsBefore: boolean,
    suffix = '',
  ): void {
    const attached = this.comments.items.get(item);
    const leading = attached?.leading ?? [];
    let first = true;
    const blankIfNeeded = (offset: number) => {
      if (first) {
        if (separate === 'always' || (unitsBefore && this.blankBefore(offset))) out.push('');
      } else if (this.blankBefore(offset)) out.push('');
      first = false;
    };
    for (const comment of leading) {
      blankIfNeeded(comment.span.start.offset);
      out.push(...commentLines(comment, indent));
    }
    blankIfNeeded(item.span.start.offset);
    const rendered = [...lines];
    rendered[0] = indent + rendered[0];
    rendered[rendered.length - 1] += suffix;
    const trailing = attached?.trailing ?? [];
    if (trailing.length > 0) rendered[rendered.length - 1] += TRAILING + inlineComments(trailing);
    out.push(...rendered);
  }

  /** Whether a comment starts in `[from, to)`. */
  private hasCommentBetween(from: number, to: number): boolean {
    const starts = this.commentStarts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < to;
  }

  /**
   * Whether comments will be written inside the brackets of a block or list. (A comment in
   * an object's head, `at decoder[1] /* c *\/ {`, is written above the entry instead.)
   */
  private hasCommentInside(node: ObjectExpr | ListExpr): boolean {
    const from = node.kind === 'Object' ? this.comments.openBrace(node) : node.span.start.offset;
    return this.hasCommentBetween(from, node.span.end.offset);
  }

  // ─── declarations ─────────────────────────────────────────────────────────

  private renderTopLevel(item: ImportDecl | Decl): Lines {
    if (item.kind === 'Import') return [`import ${quoteString(item.path.value)}`];
    const header = this.declHeader(item);
    return this.renderBlock(item.body, '', header.length + 1, true, `${header} `);
  }

  private declHeader(decl: Decl): string {
    const title = 'title' in decl && decl.title ? ` ${quoteString(decl.title.value)}` : '';
    switch (decl.kind) {
      case 'Dataset':
        return `dataset ${decl.name.name}${title}`;
      case 'Experiment':
        return `experiment ${decl.name.name}${decl.extends ? ` extends ${decl.extends.name}` : ''}`;
      case 'Sweep':
        return `sweep ${decl.mode === 'zip' ? 'zip ' : ''}${decl.name.name} from ${decl.from.name}`;
      case 'Repeat':
        return `repeat ${decl.name.name} from ${decl.from.name}`;
      case 'Table':
        return `table ${decl.name.name}${title}`;
      case 'Figure':
        return `figure ${decl.name.name}${title}`;
      case 'Launch':
        return `launch ${decl.name.name}`;
    }
  }

  // ─── blocks, lists, entries ───────────────────────────────────────────────

  private canInlineBlock(obj: ObjectExpr): boolean {
    return (
      obj.entries.length <= MAX_INLINE_ENTRIES &&
      !this.hasCommentInside(obj) &&
      obj.entries.every((entry) => !containsObject(entry.value))
    );
  }

  /**
   * Renders an object's `{ … }` (the `prefix`, e.g. `data mmwhs `, goes before the brace).
   * `column` is where the brace would start, for the width check.
   */
  private renderBlock(obj: ObjectExpr, indent: string, column: number, forceLines: boolean, prefix = ''): Lines {
    const placed = this.comments.containers.get(obj);
    const open = placed?.open ?? [];
    const dangling = placed?.dangling ?? [];
    if (obj.entries.length === 0 && open.length === 0 && dangling.length === 0) return [`${prefix}{}`];
    if (!forceLines && this.canInlineBlock(obj)) {
      const inline = formatInlineBlock(obj.entries);
      if (column + inline.length <= MAX_WIDTH) return [prefix + inline];
    }
    const inner = indent + INDENT;
    const lines: string[] = [`${prefix}{${open.length > 0 ? TRAILING + inlineComments(open) : ''}`];
    obj.entries.forEach((entry, i) => {
      this.emitItem(lines, entry, inner, this.renderEntry(entry, inner), 'asSource', i > 0 || open.length > 0);
    });
    this.emitDangling(lines, dangling, inner, obj.entries.length > 0);
    lines.push(`${indent}}`);
    return lines;
  }

  private emitDangling(lines: string[], dangling: Comment[], indent: string, unitsBefore: boolean): void {
    dangling.forEach((comment, i) => {
      if ((unitsBefore || i > 0) && this.blankBefore(comment.span.start.offset)) lines.push('');
      lines.push(...commentLines(comment, indent));
    });
  }

  private renderList(list: ListExpr, indent: string, column: number): Lines {
    const placed = this.comments.containers.get(list);
    const open = placed?.open ?? [];
    const dangling = placed?.dangling ?? [];
    if (!this.hasCommentInside(list) && list.items.every((item) => this.inlineableItem(item))) {
      const inline = formatExpr(list);
      if (column + inline.length <= MAX_WIDTH) return [inline];
    }
    const inner = indent + INDENT;
    const lines: string[] = [`[${open.length > 0 ? TRAILING + inlineComments(open) : ''}`];
    list.items.forEach((item, i) => {
      this.emitItem(lines, item, inner, this.renderValue(item, inner, inner.length), 'asSource', i > 0 || open.length > 0, ',');
    });
    this.emitDangling(lines, dangling, inner, list.items.length > 0);
    lines.push(`${indent}]`);
    return lines;
  }

  /** A list item that may sit in a one-line list: no block that itself needs several lines. */
  private inlineableItem(item: Expr): boolean {
    if (item.kind === 'Object') return this.canInlineBlock(item);
    if (item.kind === 'List') return item.items.every((i) => this.inlineableItem(i));
    return !containsObject(item);
  }

  /** A value after `key: ` (or a list item): blocks and lists may take several lines. */
  private renderValue(value: Expr, indent: string, column: number): Lines {
    if (value.kind === 'Object') {
      const prefix = objectPrefix(value);
      return this.renderBlock(value, indent, column + prefix.length, false, prefix);
    }
    if (value.kind === 'List') return this.renderList(value, indent, column);
    return [formatExpr(value)];
  }

  /** Whether the source wrote `key: head { … }` rather than `key head { … }`. */
  private sourceHasColon(entry: Entry): boolean {
    const from = entry.path[entry.path.length - 1]!.span.end.offset;
    const to = entry.value.span.start.offset;
    let between = this.text.slice(from, to);
    for (const comment of this.file.comments) {
      const s = comment.span.start.offset;
      if (s >= from && s < to) between = between.replace(comment.text, '');
    }
    return between.includes(':');
  }

  private renderEntry(entry: Entry, indent: string): Lines {
    const key = formatPath(entry.path);
    const value = entry.value;
    let lead: string;
    if (entry.axis) lead = `${key} in `;
    else if (value.kind === 'Object') {
      const noColon = value.at !== undefined || !value.head || (headAllowsNoColon(value.head) && !this.sourceHasColon(entry));
      lead = noColon ? `${key} ` : `${key}: `;
    } else lead = `${key}: `;
    const rendered = this.renderValue(value, indent, indent.length + lead.length);
    rendered[0] = lead + rendered[0];
    // A table row's contract follows its value: `"+ L_mcr": v3_mcr differs [loss.mcr] from "Joint V3"`.
    if (entry.contract) rendered[rendered.length - 1] += formatContract(entry.contract);
    return rendered;
  }
}

/**
 * Aligns trailing comments of consecutive lines (gofmt style): each run of adjacent lines
 * that end in a comment gets its comments in one column, one space after the longest code.
 */
function alignTrailingComments(lines: string[]): string[] {
  const out = [...lines];
  let i = 0;
  while (i < out.length) {
    if (!out[i]!.includes(TRAILING)) {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && out[j]!.includes(TRAILING)) j++;
    const width = Math.max(...out.slice(i, j).map((line) => line.slice(0, line.indexOf(TRAILING)).length));
    for (let k = i; k < j; k++) {
      const line = out[k]!;
      const at = line.indexOf(TRAILING);
      out[k] = `${line.slice(0, at).padEnd(width)} ${line.slice(at + 1)}`;
    }
    i = j;
  }
  return out;
}

/**
 * Formats a parsed file. `text` must be the text `ast` was parsed from (the formatter
 * reads blank lines and `key: head` vs `key head` from it).
 */
export function format(ast: SourceFile, text: string): string {
  return new Formatter(ast, text).run();
}

export interface FormatResult {
  /** The formatted text; undefined when the file has syntax errors. */
  formatted?: string;
  diagnostics: SyntaxDiagnostic[];
}

/** Parses and formats; refuses (returns the diagnostics, no text) when the file has syntax errors. */
export function formatText(text: string, file: string): FormatResult {
  const { ast, diagnostics } = parse(text, file);
  if (diagnostics.length > 0) return { diagnostics };
  return { formatted: format(ast, text), diagnostics: [] };
}
