/**
 * Rules for `table` and `figure` declarations: rows name runs that exist, the paper's
 * numbers name rows, modalities, metrics and classes that exist, a figure plots an axis
 * of its sweep. `walkPaper` is the one reader of a `paper { … }` block, shared by the
 * checks and the Table IR emitter.
 */
import type { Contract, Expr, Key } from '../../dsl/ast.ts';
import type { ConfigBlock, ConfigValue } from '../config-tree.ts';
import type { Location } from '../diagnostics.ts';
import type { Issue } from '../issue-codes.ts';
import { numberOf } from './units.ts';
import { describe, suggest } from './types.ts';

export const metricNames = ['dice', 'asd', 'hd95'] as const;

export interface TableRowSource {
  label: string;
  labelKey: Key;
  /** The row's reference as written (`cardiac_ours`, `fig5_tau[4]`). */
  ref: string;
  refAt: Location;
  /** `differs [...] from "Row"` after the row (check/contracts.ts). */
  contract?: Contract;
}

export interface TableContext {
  name: string;
  rows: TableRowSource[];
  /** True when `ref` names an experiment, a repeat or a sweep point. */
  isKnownRun(ref: string): boolean;
  knownRunNames: string[];
  modalities: string[];
  classes: string[];
  /** The modalities the rows' runs train (empty when no row names a run). */
  runModalities: string[];
  /** `columns.modalities` as written, with where each item is. */
  columnModalities: { name: string; at: Location }[];
  paper: ConfigBlock | null;
  report(issue: Issue, at: Location): void;
}

export interface FigureContext {
  name: string;
  sweep: string;
  sweepAt: Location;
  x: string;
  xAt: Location;
  y: string;
  yAt: Location;
  /** The axes of the named sweep (or of the sweep a repeat draws from), or undefined when it is neither. */
  axes: string[] | undefined;
  /** What the name declares when it is not a sweep (`an experiment`, `a repeat of an experiment`), or undefined when nothing. */
  kind: string | undefined;
  /** Sweeps and repeats over sweeps. */
  sweepNames: string[];
  /** `references { "Joint V3": abdominal_v3 }`: each name, where it is written, and whether it is an experiment or a repeat. */
  references: { name: string; at: Location; known: boolean }[];
  /** Experiments and repeats, for suggestions. */
  referenceNames: string[];
  report(issue: Issue, at: Location): void;
}

export interface PaperCellSource {
  row: string;
  /** A modality, or `overall`. */
  modality: string;
  metric: string;
  /** A class name, `mean`, or '' for overall cells. */
  cls: string;
  expr: Expr;
  keys: { row: Key; modality: Key | null; metric: Key; cls: Key | null };
}

/** A paper value: `90.9 ± 1.5` or `90.9`. Undefined when it is neither. */
export function paperNumber(expr: Expr): { mean: number; std: number | null } | undefined {
  if (expr.kind === 'PlusMinus') {
    const mean = numberOf(expr.mean);
    const std = numberOf(expr.std);
    return mean && std ? { mean: mean.value, std: std.value } : undefined;
  }
  const n = numberOf(expr);
  return n ? { mean: n.value, std: null } : undefined;
}

export interface PaperVisitor {
  cell(cell: PaperCellSource): void;
  /** A value where a block was expected or the reverse. */
  shape(value: ConfigValue, path: string, expected: string): void;
}

function keyOf(value: ConfigValue, fallback: Key): Key {
  return value.kind === 'leaf' ? value.key : value.key ?? fallback;
}

/** Walks `paper { "Row" { ct { dice { LVM: 90.9 ± 1.5, mean: 94.0 } }, overall { dice: 91.4 } } }`. */
export function walkPaper(paper: ConfigBlock, visit: PaperVisitor): void {
  for (const [row, rowValue] of paper.fields) {
    if (rowValue.kind !== 'block') {
      visit.shape(rowValue, row, 'a block of modalities');
      continue;
    }
    const rowKey = rowValue.key!;
    for (const [modality, modValue] of rowValue.fields) {
      if (modValue.kind !== 'block') {
        visit.shape(modValue, `${row}.${modality}`, 'a block of metrics');
        continue;
      }
      const modKey = keyOf(modValue, rowKey);
      for (const [metric, metricValue] of modValue.fields) {
        const metricKey = keyOf(metricValue, modKey);
        if (modality === 'overall') {
          if (metricValue.kind !== 'leaf') visit.shape(metricValue, `${row}.overall.${metric}`, 'a number');
          else visit.cell({ row, modality, metric, cls: '', expr: metricValue.expr, keys: { row: rowKey, modality: modKey, metric: metricKey, cls: null } });
          continue;
        }
        if (metricValue.kind !== 'block') {
          visit.shape(metricValue, `${row}.${modality}.${metric}`, 'a block of classes');
          continue;
        }
        for (const [cls, clsValue] of metricValue.fields) {
          if (clsValue.kind !== 'leaf') visit.shape(clsValue, `${row}.${modality}.${metric}.${cls}`, 'a number such as `90.9 ± 1.5`');
          else visit.cell({ row, modality, metric, cls, expr: clsValue.expr, keys: { row: rowKey, modality: modKey, metric: metricKey, cls: clsValue.key } });
        }
      }
    }
  }
}

/** Every row names an experiment, a repeat or a sweep point. */
export function checkTableRowsKnown({ name, rows, isKnownRun, knownRunNames, report }: TableContext): void {
  for (const row of rows) {
    if (!isKnownRun(row.ref)) report({ code: 'E065', name: row.ref, table: name, suggestion: suggest(row.ref, knownRunNames) }, row.refAt);
  }
}

/** The table's columns name modalities its runs train. */
export function checkTableColumnsKnown({ runModalities, columnModalities, report }: TableContext): void {
  if (runModalities.length === 0) return;
  for (const { name, at } of columnModalities) {
    if (!runModalities.includes(name)) report({ code: 'E066', what: 'modality', name, known: runModalities, suggestion: suggest(name, runModalities) }, at);
  }
}

/** The paper's numbers name known modalities (or `overall`), metrics and classes (or `mean`), and are numbers. */
export function checkPaperNamesKnown({ paper, modalities, classes, report }: TableContext): void {
  if (!paper) return;
  const reportUnknown = (what: 'modality' | 'metric' | 'class', name: string, known: string[], key: Key) =>
    report({ code: 'E066', what, name, known, suggestion: suggest(name, known) }, { node: key });
  walkPaper(paper, {
    shape(value, path, expected) {
      const at: Location = value.kind === 'leaf' ? { node: value.expr } : { node: value.key ?? { span: value.span } };
      report({ code: 'E031', path: `paper.${path}`, expected, found: value.kind === 'leaf' ? describe(value.expr) : 'a block' }, at);
    },
    cell(cell) {
      if (cell.modality !== 'overall' && modalities.length && !modalities.includes(cell.modality)) {
        reportUnknown('modality', cell.modality, [...modalities, 'overall'], cell.keys.modality!);
        return;
      }
      if (!(metricNames as readonly string[]).includes(cell.metric)) {
        reportUnknown('metric', cell.metric, [...metricNames], cell.keys.metric);
        return;
      }
      if (cell.cls && cell.cls !== 'mean' && classes.length && !classes.includes(cell.cls)) {
        reportUnknown('class', cell.cls, [...classes, 'mean'], cell.keys.cls!);
        return;
      }
      const value = paperNumber(cell.expr);
      const path = `paper.${cell.row}.${cell.modality}.${cell.metric}${cell.cls ? `.${cell.cls}` : ''}`;
      if (!value) report({ code: 'E031', path, expected: 'a number such as `90.9 ± 1.5`', found: describe(cell.expr) }, { node: cell.expr });
      else if (value.std !== null && value.std < 0 && cell.expr.kind === 'PlusMinus') report({ code: 'E045', path, std: value.std }, { node: cell.expr.std });
    },
  });
}

/** A figure plots a sweep, along one of its axes, a known metric. */
export function checkFigureAxis(ctx: FigureContext): void {
  if (!ctx.axes) {
    if (ctx.kind) ctx.report({ code: 'E122', figure: ctx.name, name: ctx.sweep, kind: ctx.kind, suggestion: suggest(ctx.sweep, ctx.sweepNames) }, ctx.sweepAt);
    else ctx.report({ code: 'E017', name: ctx.sweep, expected: 'sweep', suggestion: suggest(ctx.sweep, ctx.sweepNames) }, ctx.sweepAt);
    return;
  }
  if (!ctx.axes.includes(ctx.x)) ctx.report({ code: 'E071', figure: ctx.name, axis: ctx.x, sweep: ctx.sweep, known: ctx.axes }, ctx.xAt);
  const metric = ctx.y.split('.')[0]!;
  if (!(metricNames as readonly string[]).includes(metric)) {
    ctx.report({ code: 'E035', path: 'y', value: metric, allowed: [...metricNames], suggestion: suggest(metric, metricNames) }, ctx.yAt);
  }
}

/** A figure's reference lines name experiments or repeats (E123). */
export function checkFigureReferencesKnown(ctx: FigureContext): void {
  for (const ref of ctx.references) {
    if (!ref.known) ctx.report({ code: 'E123', figure: ctx.name, name: ref.name, suggestion: suggest(ref.name, ctx.referenceNames) }, ref.at);
  }
}
