/**
 * Where the formatter puts each comment. Every comment is attached to exactly one place,
 * so none is lost:
 * - `leading` of an item (declaration, entry, list item): on its own line(s) above it;
 * - `trailing` of an item: after it on the same line (it started on the line the item ends on);
 * - `open` of a container (block or list): after its `{` / `[` on the same line;
 * - `dangling` of a container: after its last item, before the closing brace.
 * A comment inside an item but outside any nested block or list (`a: 0.4 * /* w *\/ ce`)
 * has no place of its own in the canonical layout; it becomes a leading comment of that item.
 */
import type { Comment, Expr, ListExpr, Node, ObjectExpr, SourceFile } from './ast.ts';
import { SpanMap } from './span.ts';

export interface ItemComments {
  leading: Comment[];
  trailing: Comment[];
}

export interface ContainerComments {
  open: Comment[];
  dangling: Comment[];
}

/** A block or list: its items and the offsets just inside its brackets. */
interface Container {
  node: Node;
  items: Node[];
  /** Offset just after `{` / `[` (the file: 0). */
  innerStart: number;
  /** Offset of `}` / `]` (the file: its length). */
  innerEnd: number;
  /** Line of the opening bracket (-1 for the file). */
  openLine: number;
}

export class CommentPlacement {
  readonly items = new Map<Node, ItemComments>();
  readonly containers = new Map<Node, ContainerComments>();
  private readonly spans: SpanMap;

  constructor(
    private readonly file: SourceFile,
    private readonly text: string,
  ) {
    this.spans = new SpanMap(text, file.path);
    const comments = [...file.comments].sort((a, b) => a.span.start.offset - b.span.start.offset);
    const items = [...file.imports, ...file.decls].sort((a, b) => a.span.start.offset - b.span.start.offset);
    this.distribute({ node: file, items, innerStart: 0, innerEnd: text.length, openLine: -1 }, comments);
  }

  item(node: Node): ItemComments {
    let entry = this.items.get(node);
    if (!entry) {
      entry = { leading: [], trailing: [] };
      this.items.set(node, entry);
    }
    return entry;
  }

  container(node: Node): ContainerComments {
    let entry = this.containers.get(node);
    if (!entry) {
      entry = { open: [], dangling: [] };
      this.containers.set(node, entry);
    }
    return entry;
  }

  /** Offset of the `{` that opens an object's block (after its head and `at` place, skipping comments). */
  openBrace(obj: ObjectExpr): number {
    const after = obj.at ?? obj.head;
    if (!after) return obj.span.start.offset;
    return this.skipTo('{', after.span.end.offset);
  }

  private skipTo(char: string, from: number): number {
    let i = from;
    const text = this.text;
    while (i < text.length && text[i] !== char) {
      if (text.startsWith('//', i)) i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
      else if (text.startsWith('/*', i)) i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 2;
      else i++;
    }
    return i;
  }

  /** The block or list an item holds directly (an entry's value, a declaration's body, a list item itself). */
  private containerOf(node: Node): Container | undefined {
    switch (node.kind) {
      case 'Dataset':
      case 'Experiment':
      case 'Sweep':
      case 'Repeat':
      case 'Table':
      case 'Figure':
      case 'Launch':
        return this.objectContainer(node.body);
      case 'Entry':
        return this.exprContainer(node.value);
      default:
        return this.exprContainer(node as Expr);
    }
  }

  private exprContainer(expr: Expr): Container | undefined {
    if (expr.kind === 'Object') return this.objectContainer(expr);
    if (expr.kind === 'List') return this.listContainer(expr);
    return undefined;
  }

  private objectContainer(obj: ObjectExpr): Container {
    const open = this.openBrace(obj);
    return {
      node: obj,
      items: obj.entries,
      innerStart: open + 1,
      innerEnd: obj.span.end.offset - 1,
      openLine: this.lineOf(open),
    };
  }

  private listContainer(list: ListExpr): Container {
    return {
      node: list,
      items: list.items,
      innerStart: list.span.start.offset + 1,
      innerEnd: list.span.end.offset - 1,
      openLine: list.span.start.line,
    };
  }

  private lineOf(offset: number): number {
    return this.spans.position(offset).line;
  }

  private distribute(container: Container, comments: Comment[]): void {
    const { items } = container;
    const nested = new Map<Node, Comment[]>();
    for (const comment of comments) {
      const start = comment.span.start.offset;
      const end = comment.span.end.offset;
      const index = items.findIndex((item) => item.span.start.offset <= start && end <= item.span.end.offset);
      if (index >= 0) {
        const item = items[index]!;
        const inner = this.containerOf(item);
        if (inner && inner.innerStart <= start && end <= inner.innerEnd) {
          const list = nested.get(item) ?? [];
          list.push(comment);
          nested.set(item, list);
        } else {
          this.item(item).leading.push(comment);
        }
        continue;
      }
      // Between items: after the last item that ends before the comment.
      let previous: Node | undefined;
      let next: Node | undefined;
      for (const item of items) {
        if (item.span.end.offset <= start) previous = item;
        else if (!next && item.span.start.offset >= end) next = item;
      }
      const line = comment.span.start.line;
      if (previous && previous.span.end.line === line) this.item(previous).trailing.push(comment);
      else if (!previous && line === container.openLine && (!next || next.span.start.line > line)) {
        this.container(container.node).open.push(comment);
      } else if (next) this.item(next).leading.push(comment);
      else this.container(container.node).dangling.push(comment);
    }
    for (const [item, inside] of nested) this.distribute(this.containerOf(item)!, inside);
  }
}
