/**
 * The ablate AST: what the parser (`.abl`) and the YAML/JSON front end both produce.
 *
 * The tree is deliberately generic below the declaration level, like HCL: a block is a
 * list of entries `path: value`, and the compiler (not the parser) knows which keys an
 * experiment has. That keeps the grammar small, lets "unknown key, did you mean …" be
 * one check driven by the key schema, and lets YAML documents map onto the same nodes.
 *
 * Every node carries a `span` into its source file. Positions are 0-based (line, column,
 * offset), as in LSP; only `cli/` turns them into 1-based `file:line:col`.
 */

export interface Position {
  /** 0-based character offset into the file text. */
  offset: number;
  /** 0-based line. */
  line: number;
  /** 0-based column (UTF-16 code units). */
  column: number;
}

export interface Span {
  /** Path of the source file as given to the front end. */
  file: string;
  start: Position;
  /** Exclusive end. */
  end: Position;
}

// ─── expressions ────────────────────────────────────────────────────────────

/** Durations of a `launch` block: `30min`, `2h`, `2d` (`s` for completeness). */
export type DurationUnit = 's' | 'min' | 'h' | 'd';
/** Sizes of a `launch` block: `16GB` (powers of 1024, as Slurm reads `--mem=16G`). */
export type MemoryUnit = 'MB' | 'GB' | 'TB';

/** Units the language knows: `2%`, `8 mm`, `1.5 x 1.5 x 8 mm`, and `2h`, `16GB` in a `launch` block. */
export type Unit = '%' | 'mm' | DurationUnit | MemoryUnit;

/** `96`, `1e-4`, `0.05`, `2%`, `8 mm`. `text` is the literal as written (for the formatter). */
export interface NumberLit {
  kind: 'Number';
  value: number;
  unit?: Unit;
  text: string;
  span: Span;
}

/** `"../datasets.abl"`; `value` is unescaped. */
export interface StringLit {
  kind: 'String';
  value: string;
  span: Span;
}

/** A bare name: `ct`, `zscore`, `separate`, `true`, an experiment name in `rows`. */
export interface Ident {
  kind: 'Ident';
  name: string;
  span: Span;
}

/** `[2, 2, 2, 2]`, `[ct, mri]`. */
export interface ListExpr {
  kind: 'List';
  items: Expr[];
  span: Span;
}

/** `1..8` (both ends inclusive). */
export interface RangeExpr {
  kind: 'Range';
  from: Expr;
  to: Expr;
  span: Span;
}

/** `256 x 256`, `1.5 x 1.5 x 8 mm` (the unit applies to every item). */
export interface DimsExpr {
  kind: 'Dims';
  items: NumberLit[];
  unit?: Unit;
  span: Span;
}

/** `90.9 ± 1.2` (also written `90.9 +- 1.2`): a reported mean and standard deviation. */
export interface PlusMinusExpr {
  kind: 'PlusMinus';
  mean: Expr;
  std: Expr;
  span: Span;
}

/** Arithmetic in loss expressions: `0.4 * ce + 0.6 * dice`, `0.4 * (ce + dice)`. Parentheses leave no node. */
export interface BinaryExpr {
  kind: 'Binary';
  op: '+' | '-' | '*' | '/';
  left: Expr;
  right: Expr;
  span: Span;
}

/** `-1`. */
export interface NegExpr {
  kind: 'Neg';
  operand: Expr;
  span: Span;
}

/** `poly(0.9)`, `cosine(5)`. */
export interface CallExpr {
  kind: 'Call';
  callee: Ident;
  args: Expr[];
  span: Span;
}

/** `decoder[1..3]`, `decoder[2]`. */
export interface IndexExpr {
  kind: 'Index';
  target: Ident;
  index: Expr;
  span: Span;
}

/**
 * A block, optionally introduced by a head value and/or an `at` placement:
 * - `intensity { clip_top: 2% }`          → head undefined
 * - `data mmwhs { … }`, `sgd { lr: 0.05 }` → head Ident
 * - `icr: 0.1 { tau: 4 }`                  → head Number
 * - `model.eam at decoder[1..3] { heads: 8 }` → at Index
 */
export interface ObjectExpr {
  kind: 'Object';
  head?: Expr;
  at?: Expr;
  entries: Entry[];
  span: Span;
}

export type Expr =
  | NumberLit
  | StringLit
  | Ident
  | ListExpr
  | RangeExpr
  | DimsExpr
  | PlusMinusExpr
  | BinaryExpr
  | NegExpr
  | CallExpr
  | IndexExpr
  | ObjectExpr;

// ─── entries and blocks ─────────────────────────────────────────────────────

/** One segment of a dotted key; `quoted` for string keys such as table row labels `"Ours (w/ CR)"`. */
export interface Key {
  kind: 'Key';
  name: string;
  quoted: boolean;
  span: Span;
}

/**
 * A table row's ablation contract, `differs [loss.mcr, model.joint] from "Joint V3"`: the
 * Run IR paths (or path prefixes, each a dotted key path) in which the row's runs differ
 * from those of the row labelled `reference`, and in nothing else.
 */
export interface Contract {
  kind: 'Contract';
  paths: Key[][];
  reference: Key;
  span: Span;
}

/**
 * `path: value`, `path head { … }`, or (in sweeps) `path in values`.
 * `axis` is true for `in`: the value lists the points of a sweep axis.
 * `contract`: `path: value differs [...] from "Row"` (table rows only; the checker enforces that).
 */
export interface Entry {
  kind: 'Entry';
  path: Key[];
  value: Expr;
  axis: boolean;
  contract?: Contract;
  span: Span;
}

// ─── declarations ───────────────────────────────────────────────────────────

/** A declaration name or a reference to one (`extends cardiac_backbone`). */
export interface Name {
  kind: 'Name';
  name: string;
  span: Span;
}

/** `import "../datasets.abl"` — resolved relative to the importing file. */
export interface ImportDecl {
  kind: 'Import';
  path: StringLit;
  span: Span;
}

/** `dataset mmwhs "MM-WHS 2017" { … }` */
export interface DatasetDecl {
  kind: 'Dataset';
  name: Name;
  title?: StringLit;
  body: ObjectExpr;
  span: Span;
}

/** `experiment cardiac_ours extends cardiac_baseline { … }` */
export interface ExperimentDecl {
  kind: 'Experiment';
  name: Name;
  extends?: Name;
  body: ObjectExpr;
  span: Span;
}

/** `sweep fig5_tau from cardiac_ours { loss.icr.tau in 1..8 }`; `zip` pairs axes instead of crossing them. */
export interface SweepDecl {
  kind: 'Sweep';
  name: Name;
  mode: 'grid' | 'zip';
  from: Name;
  body: ObjectExpr;
  span: Span;
}

/** `repeat abdominal_ours_r5 from abdominal_ours { times: 5, sample { mri: 9 }, pool: true }` */
export interface RepeatDecl {
  kind: 'Repeat';
  name: Name;
  from: Name;
  body: ObjectExpr;
  span: Span;
}

/** `table table1 "Cardiac substructure segmentation, 2D" { rows { … } columns { … } paper { … } }` */
export interface TableDecl {
  kind: 'Table';
  name: Name;
  title?: StringLit;
  body: ObjectExpr;
  span: Span;
}

/** `figure fig5 "Effect of τ" { sweep: fig5_tau, x: loss.icr.tau, y: dice.mean }` */
export interface FigureDecl {
  kind: 'Figure';
  name: Name;
  title?: StringLit;
  body: ObjectExpr;
  span: Span;
}

/**
 * `launch slurm { partition: gpu, time: 2d, mem: 32GB }`: defaults for `ablate launch` on that
 * scheduler (`name` is the scheduler). Says where runs execute, not what they compute: it is
 * in no Run IR and no spec hash, and it is not a name in the declaration namespace.
 */
export interface LaunchDecl {
  kind: 'Launch';
  name: Name;
  body: ObjectExpr;
  span: Span;
}

export type Decl = DatasetDecl | ExperimentDecl | SweepDecl | RepeatDecl | TableDecl | FigureDecl | LaunchDecl;

/** A `//` or `/* … *\/` comment, kept for the formatter. `text` includes the delimiters. */
export interface Comment {
  kind: 'Comment';
  text: string;
  block: boolean;
  span: Span;
}

export interface SourceFile {
  kind: 'File';
  /** Path as given to the front end. */
  path: string;
  imports: ImportDecl[];
  decls: Decl[];
  comments: Comment[];
  span: Span;
}

export type Node = SourceFile | Decl | ImportDecl | Entry | Contract | Key | Name | Expr | Comment;
