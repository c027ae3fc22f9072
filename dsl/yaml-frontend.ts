/**
 * The YAML/JSON front end: an experiment document → the same AST the `.abl` parser
 * produces, with spans into the YAML file, so YAML files get the same resolver, checker
 * and diagnostics (with `file:line:col`) as `.abl` files.
 *
 * Document shape (schemas/experiment-document.schema.json; editors pick it up through
 * `# yaml-language-server: $schema=…`):
 *
 *   import: [../datasets.abl]              # a string or a list
 *   datasets:    { NAME: { title?, …keys of a dataset… } }
 *   experiments: { NAME: { extends?, …keys of an experiment… } }
 *   sweeps:      { NAME: { from, mode?: grid | zip, set?: { path: value }, axes: { path: [values] | "a..b" } } }
 *   repeats:     { NAME: { from, times, sample?, seed?, pool? } }
 *   tables:      { NAME: { title?, rows, columns?, tolerance?, paper? } }
 *                a row is `Label: run`, or with an ablation contract
 *                `Label: { run: NAME, differs: [paths], from: Other label }`
 *   figures:     { NAME: { title?, sweep, x, y? } }
 *   launch:      { slurm: { partition?, time?, gpus_per_task?, … } }   # `launch slurm { … }`
 *
 * Keys are the language's, dotted paths allowed (`loss.icr.tau: 2`). A block's head
 * becomes a key of its mapping: `dataset` (`data`), `kind` (`backbone`, `optimizer`,
 * `source`), `weight` (`icr: { weight: 0.1, tau: 4 }`), and `at` for a placement
 * (`eam: { at: "decoder[1..3]", heads: 8 }`). Scalars are the language's expressions
 * (`"64 x 64"`, `"2%"`, `"0.4 * ce + 0.6 * dice"`, `1e-3`), parsed with `parseExpression`
 * so their spans point inside the YAML file; a scalar that is not an expression, or
 * reads as a path (`ct/images`), is a string. `null` is `none`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Contract, Decl, Entry, Expr, ImportDecl, Key, LaunchDecl, Name, ObjectExpr, SourceFile, Span, StringLit } from './ast.ts';
import { MAX_NESTING } from './nesting-limit.ts';
import { parseExpression } from './parse.ts';
import { SpanMap } from './span.ts';
import { syntaxDiagnostic, type SyntaxDiagnostic } from './syntax-error.ts';

export interface YamlParseResult {
  ast: SourceFile;
  diagnostics: SyntaxDiagnostic[];
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Mapping keys that hold a block's head or placement rather than an entry. */
const headKeys = new Set(['kind', 'dataset', 'weight']);
const sections = ['datasets', 'experiments', 'sweeps', 'repeats', 'tables', 'figures'] as const;

/** The first collection deeper than `MAX_NESTING`, found without recursion. */
function deepestCollection(root: YamlNode): { node: YamlNode; depth: number } | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_NESTING) return { node, depth };
    for (const item of node.items as unknown[]) stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
  }
  return undefined;
}

class YamlToAst {
  readonly diagnostics: SyntaxDiagnostic[] = [];
  private readonly spans: SpanMap;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    this.spans = new SpanMap(text, file);
  }

  spanOf(node: YamlNode | Pair | null | undefined): Span {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.spans.span(range[0], range[1]) : this.spans.span(0, 0);
  }

  private tooDeep(span: Span, depth: number | undefined): void {
    const level = depth === undefined ? 'nests too deep' : `opens nesting level ${depth}`;
    this.diagnostics.push(
      syntaxDiagnostic('E004', `this mapping or list ${level}; at most ${MAX_NESTING} levels are allowed`, span, 'flatten the document: dotted keys (`a.b.c: 1`) replace nested mappings'),
    );
  }

  error(message: string, node: YamlNode | null | undefined, hint?: string): void {
    this.diagnostics.push(syntaxDiagnostic('E002', message, this.spanOf(node), hint));
  }

  /** The text of a scalar and the file offset where that text starts (inside the quotes). */
  private scalarText(node: Scalar): { text: string; start: number } {
    const [start, end] = node.range!;
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') return { text: String(node.value), start: start + 1 };
    if (node.type === 'PLAIN') return { text: this.text.slice(start, end), start };
    return { text: String(node.value), start };
  }

  private stringLit(node: Scalar): StringLit {
    return { kind: 'String', value: String(node.value ?? ''), span: this.spanOf(node) };
  }

  /** A scalar as an expression (or a string when it is none, or reads as a path). */
  scalar(node: Scalar): Expr {
    const span = this.spanOf(node);
    if (node.value === null) return { kind: 'Ident', name: 'none', span };
    if (typeof node.value === 'string' && node.value.trim() === '') return this.stringLit(node);
    const { text, start } = this.scalarText(node);
    const origin = this.spans.position(start);
    const parsed = parseExpression(text, this.file, { line: origin.line, column: origin.column, offset: origin.offset });
    if (!parsed.expr || parsed.diagnostics.length > 0 || isPathLike(parsed.expr)) return this.stringLit(node);
    return parsed.expr;
  }

  /** The key segments of a mapping key: `loss.icr.tau` → three keys; `"Ours (w/ CR)"` → one quoted key. */
  keys(node: YamlNode | null): Key[] | undefined {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
      this.error('a mapping key must be a name or a string', node);
      return undefined;
    }
    const { text, start } = this.scalarText(node);
    const segments = text.split('.');
    if (node.type === 'PLAIN' && segments.every((s) => identifier.test(s))) {
      let at = start;
      return segments.map((name) => {
        const key: Key = { kind: 'Key', name, quoted: false, span: this.spans.span(at, at + name.length) };
        at += name.length + 1;
        return key;
      });
    }
    return [{ kind: 'Key', name: String(node.value), quoted: true, span: this.spanOf(node) }];
  }

  /** Any value node → an expression (mappings become blocks). */
  value(node: YamlNode | null | undefined, owner: YamlNode | Pair): Expr {
    if (!node) return { kind: 'Ident', name: 'none', span: this.spanOf(owner) };
    if (isMap(node)) return this.object(node);
    if (isSeq(node)) return { kind: 'List', items: node.items.map((item) => this.value(item as YamlNode, node)), span: this.spanOf(node) };
    if (isScalar(node)) return this.scalar(node);
    this.error('aliases and tags are not supported in experiment documents', node);
    return { kind: 'Ident', name: 'none', span: this.spanOf(node) };
  }

  /** A mapping → a block; `kind`/`dataset`/`weight` give its head and `at` its placement. */
  object(map: YAMLMap, skip: ReadonlySet<string> = new Set()): ObjectExpr {
    const object: ObjectExpr = { kind: 'Object', entries: [], span: this.spanOf(map) };
    for (const pair of map.items) {
      const keyNode = pair.key as YamlNode | null;
      const name = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (name !== undefined && skip.has(name)) continue;
      const value = pair.value as YamlNode | null;
      if (name !== undefined && (headKeys.has(name) || name === 'at') && isScalar(value)) {
        const expr = this.scalar(value);
        if (name === 'at') object.at = expr;
        else object.head = expr;
        continue;
      }
      const path = this.keys(keyNode);
      if (!path) continue;
      object.entries.push(this.entry(path, value, pair, false));
    }
    return object;
  }

  entry(path: Key[], value: YamlNode | null, pair: Pair, axis: boolean): Entry {
    const expr = this.value(value, pair);
    const span: Span = { file: this.file, start: path[0]!.span.start, end: expr.span.end };
    return { kind: 'Entry', path, value: expr, axis, span };
  }

  /** A table's `rows`, where a row may carry an ablation contract: `Label: { run, differs, from }`. */
  private tableRows(entry: Entry, map: YAMLMap): Entry {
    if (entry.value.kind !== 'Object') return entry;
    const entries: Entry[] = [];
    for (const pair of map.items) {
      const value = pair.value as YamlNode | null;
      const path = this.keys(pair.key as YamlNode);
      if (!path) continue;
      const isContract = isMap(value) && value.items.some((p) => isScalar(p.key) && p.key.value === 'run');
      const row = isContract ? this.contractRow(path, value) : this.entry(path, value, pair, false);
      if (row) entries.push(row);
    }
    return { ...entry, value: { ...entry.value, entries } };
  }

  /** `Label: { run: NAME, differs: [loss.mcr], from: Other }` → the entry `Label: NAME differs [loss.mcr] from "Other"`. */
  private contractRow(path: Key[], map: YAMLMap): Entry | undefined {
    const field = (key: string) => map.items.find((p) => isScalar(p.key) && p.key.value === key);
    for (const p of map.items) {
      const key = isScalar(p.key) ? String(p.key.value) : '';
      if (!['run', 'differs', 'from'].includes(key)) this.error(`unknown table row key \`${key}\``, p.key as YamlNode, 'a row with a contract has `run`, `differs` and `from`');
    }
    const run = field('run');
    const differs = field('differs');
    const from = field('from');
    if (!differs || !from) {
      this.error('a table row written as a mapping is a contract: it needs `run`, `differs` and `from`', map, 'e.g. `{ run: ours_mcr, differs: [loss.mcr], from: "Ours" }`, or write the row as `Label: run`');
      return undefined;
    }
    const paths: Key[][] = [];
    if (!isSeq(differs.value)) this.error('`differs` lists Run IR paths, e.g. `[loss.mcr]`', differs.value as YamlNode);
    else {
      for (const item of differs.value.items) {
        const keys = isScalar(item) && typeof item.value === 'string' ? this.pathKeys(item) : undefined;
        if (keys) paths.push(keys);
        else this.error('a contract path is a dotted Run IR path such as `loss.mcr`', item as YamlNode);
      }
    }
    const fromNode = from.value as YamlNode | null;
    if (!isScalar(fromNode) || fromNode.value === null) {
      this.error('`from` names another row of the table by its label', fromNode ?? (from.key as YamlNode));
      return undefined;
    }
    const reference: Key = { kind: 'Key', name: String(fromNode.value), quoted: true, span: this.spanOf(fromNode) };
    const expr = this.value(run?.value as YamlNode | null, run ?? map);
    const contract: Contract = { kind: 'Contract', paths, reference, span: this.spanOf(map) };
    return { kind: 'Entry', path, value: expr, axis: false, contract, span: { file: this.file, start: path[0]!.span.start, end: contract.span.end } };
  }

  /** `loss.icr.tau` (plain or quoted) → one key per segment, each with its span. */
  private pathKeys(node: Scalar): Key[] {
    const { text, start } = this.scalarText(node);
    let at = start;
    return text.split('.').map((name) => {
      const key: Key = { kind: 'Key', name, quoted: false, span: this.spans.span(at, at + name.length) };
      at += name.length + 1;
      return key;
    });
  }

  name(node: YamlNode | null | undefined): Name | undefined {
    if (!isScalar(node) || typeof node.value !== 'string' || !identifier.test(node.value)) {
      this.error('expected a name (letters, digits and _)', node ?? null);
      return undefined;
    }
    return { kind: 'Name', name: node.value, span: this.spanOf(node) };
  }

  private field(map: YAMLMap, key: string): YamlNode | null | undefined {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    return pair ? (pair.value as YamlNode | null) : undefined;
  }

  private title(map: YAMLMap): StringLit | undefined {
    const node = this.field(map, 'title');
    return isScalar(node) && node.value !== null ? this.stringLit(node) : undefined;
  }

  declaration(section: (typeof sections)[number], pair: Pair): Decl | undefined {
    const name = this.name(pair.key as YamlNode);
    const body = pair.value as YamlNode | null;
    if (!name) return undefined;
    if (!isMap(body)) {
      this.error(`\`${name.name}\` must be a mapping of keys`, body ?? (pair.key as YamlNode));
      return undefined;
    }
    const span = this.spanOf(pair.key as YamlNode);
    const declSpan: Span = { ...span, end: this.spanOf(body).end };
    const title = this.title(body);
    switch (section) {
      case 'datasets':
        return { kind: 'Dataset', name, ...(title ? { title } : {}), body: this.object(body, new Set(['title'])), span: declSpan };
      case 'tables': {
        const object = this.object(body, new Set(['title']));
        const rows = body.items.find((p) => isScalar(p.key) && p.key.value === 'rows');
        const index = object.entries.findIndex((e) => e.path.length === 1 && e.path[0]!.name === 'rows');
        if (rows && index >= 0 && isMap(rows.value)) object.entries[index] = this.tableRows(object.entries[index]!, rows.value);
        return { kind: 'Table', name, ...(title ? { title } : {}), body: object, span: declSpan };
      }
      case 'figures':
        return { kind: 'Figure', name, ...(title ? { title } : {}), body: this.object(body, new Set(['title'])), span: declSpan };
      case 'experiments': {
        const base = this.field(body, 'extends');
        const extendsName = base && !(isScalar(base) && base.value === null) ? this.name(base) : undefined;
        return { kind: 'Experiment', name, ...(extendsName ? { extends: extendsName } : {}), body: this.object(body, new Set(['extends'])), span: declSpan };
      }
      case 'repeats': {
        const from = this.name(this.field(body, 'from') ?? (pair.key as YamlNode));
        if (!from) return undefined;
        return { kind: 'Repeat', name, from, body: this.object(body, new Set(['from'])), span: declSpan };
      }
      case 'sweeps': {
        const from = this.name(this.field(body, 'from') ?? (pair.key as YamlNode));
        if (!from) return undefined;
        const modeNode = this.field(body, 'mode');
        const mode = isScalar(modeNode) && modeNode.value === 'zip' ? 'zip' : 'grid';
        if (isScalar(modeNode) && modeNode.value !== 'zip' && modeNode.value !== 'grid') this.error('`mode` is `grid` or `zip`', modeNode);
        const object: ObjectExpr = { kind: 'Object', entries: [], span: this.spanOf(body) };
        const set = this.field(body, 'set');
        if (isMap(set)) object.entries.push(...this.object(set).entries);
        const axes = this.field(body, 'axes');
        if (isMap(axes)) {
          for (const axis of axes.items) {
            const path = this.keys(axis.key as YamlNode);
            if (path) object.entries.push(this.entry(path, axis.value as YamlNode, axis, true));
          }
        }
        for (const p of body.items) {
          const key = isScalar(p.key) ? String(p.key.value) : '';
          if (!['from', 'mode', 'set', 'axes'].includes(key)) this.error(`unknown sweep key \`${key}\``, p.key as YamlNode, 'a sweep has `from`, `mode`, `set` and `axes`');
        }
        return { kind: 'Sweep', name, mode, from, body: object, span: declSpan };
      }
    }
  }

  /** `slurm: { partition: gpu, … }` under `launch` → the declaration `launch slurm { partition: gpu … }` (the scheduler is checked with it). */
  private launch(pair: Pair): LaunchDecl | undefined {
    const name = this.name(pair.key as YamlNode);
    if (!name) return undefined;
    const body = pair.value as YamlNode | null;
    if (body !== null && !isMap(body)) {
      this.error(`\`${name.name}\` must be a mapping of launch settings`, body);
      return undefined;
    }
    const object: ObjectExpr = body ? this.object(body) : { kind: 'Object', entries: [], span: this.spanOf(pair) };
    // sbatch arguments are verbatim strings: `--exclusive` must not read as an expression.
    const args = body?.items.find((p) => isScalar(p.key) && p.key.value === 'sbatch_args');
    const entry = object.entries.find((e) => e.path.length === 1 && e.path[0]!.name === 'sbatch_args');
    if (args && entry && isSeq(args.value)) {
      const list = args.value;
      entry.value = { kind: 'List', items: list.items.map((item) => (isScalar(item) && typeof item.value === 'string' ? this.stringLit(item) : this.value(item as YamlNode, list))), span: this.spanOf(list) };
    }
    return { kind: 'Launch', name, body: object, span: { ...name.span, end: (body ? this.spanOf(body) : name.span).end } };
  }

  file_(): SourceFile {
    const lineCounter = new LineCounter();
    const doc = parseDocument(this.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    for (const e of doc.errors) {
      // The yaml package reports its own stack overflow on very deep flow collections as an error.
      if (/call stack/i.test(e.message)) this.tooDeep(this.spans.span(e.pos[0], e.pos[1]), undefined);
      else this.diagnostics.push(syntaxDiagnostic('E002', e.message.split('\n')[0]!, this.spans.span(e.pos[0], e.pos[1])));
    }
    const ast: SourceFile = { kind: 'File', path: this.file, imports: [], decls: [], comments: [], span: this.spans.span(0, this.text.length) };
    if (doc.errors.length) return ast;
    const root = doc.contents as YamlNode | null;
    if (root === null) return ast;
    // The conversion below is recursive: refuse too deep a document before it runs.
    const deep = deepestCollection(root);
    if (deep) {
      this.tooDeep(this.spanOf(deep.node), deep.depth);
      return ast;
    }
    if (!isMap(root)) {
      this.error('an experiment document is a mapping with `import`, `datasets`, `experiments`, `sweeps`, `repeats`, `tables`, `figures`, `launch`', root);
      return ast;
    }
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value as YamlNode | null;
      if (key === 'import') {
        const items = isSeq(value) ? value.items : [value];
        for (const item of items) {
          if (isScalar(item) && typeof item.value === 'string') {
            const path = this.stringLit(item);
            ast.imports.push({ kind: 'Import', path, span: path.span } satisfies ImportDecl);
          } else this.error('an import is a file path', item as YamlNode);
        }
      } else if ((sections as readonly string[]).includes(key)) {
        if (value === null) continue;
        if (!isMap(value)) {
          this.error(`\`${key}\` must map names to declarations`, value);
          continue;
        }
        for (const decl of value.items) {
          const d = this.declaration(key as (typeof sections)[number], decl);
          if (d) ast.decls.push(d);
        }
      } else if (key === 'launch') {
        if (value === null) continue;
        if (!isMap(value)) {
          this.error('`launch` maps a scheduler to its settings', value, 'e.g. `launch: { slurm: { partition: gpu, time: 2h } }`');
          continue;
        }
        for (const block of value.items) {
          const d = this.launch(block);
          if (d) ast.decls.push(d);
        }
      } else {
        this.error(`unknown top-level key \`${key}\``, pair.key as YamlNode, `an experiment document has ${['import', ...sections, 'launch'].map((s) => `\`${s}\``).join(', ')}`);
      }
    }
    return ast;
  }
}

/** `ct/images`, `mr/images`: division of names reads as a path, never as arithmetic. */
function isPathLike(expr: Expr): boolean {
  if (expr.kind !== 'Binary' || expr.op !== '/') return false;
  const side = (e: Expr): boolean => e.kind === 'Ident' || e.kind === 'Number' || isPathLike(e);
  return side(expr.left) && side(expr.right);
}

/**
 * Parses a YAML (or JSON) experiment document into the language's AST. Never throws on
 * bad input: YAML errors and misplaced structure come back as E002 diagnostics.
 */
export function parseYamlDocument(text: string, file: string): YamlParseResult {
  const converter = new YamlToAst(text, file);
  const ast = converter.file_();
  return { ast, diagnostics: converter.diagnostics };
}
