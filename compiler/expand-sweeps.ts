/**
 * Expansion of declarations into concrete runs, each with its own configuration tree:
 * an experiment is one run; a `sweep` is the cross product of its axes (`grid`, the
 * default) or their pairwise combination (`zip`, equal lengths required), with its fixed
 * entries applied to every point; a `repeat` is `times` draws of the same experiment (or of
 * every point of a sweep), draw i with seed `seed + i`, which picks its case subset and its
 * own train/val/test split (runtime/data/split.ts). `-s` overrides are one more layer on top.
 */
import type { Entry, Expr, Key, NumberLit, RepeatDecl, Span, SweepDecl } from '../dsl/ast.ts';
import type { ExtendsResolver } from './apply-extends.ts';
import { checkRangeLength, checkRepeatRuns, checkSweepPoints } from './expansion-limits.ts';
import { blockFromObject, layerFor, mergeBlocks, type ConfigBlock } from './config-tree.ts';
import type { DiagnosticBag, Location } from './diagnostics.ts';
import { decodeFields, suggest, type Settings } from './check/types.ts';
import { repeatFields } from './check/key-schema.ts';
import type { Program } from './resolve-imports.ts';

export type PointValue = number | string | boolean;

export interface ConcreteRun {
  /** `cardiac_ours`, `fig5_tau[loss.icr.tau=4]`, `abdominal_ours_x5#2`. */
  name: string;
  /** The experiment declaration the run is built from. */
  experiment: string;
  /** Display path of the file declaring that experiment. */
  file: string;
  config: ConfigBlock;
  group: { kind: 'sweep' | 'repeat'; name: string; index: number; count: number } | null;
  point: Record<string, PointValue>;
  repeat: { group: string; index: number; count: number; pool: boolean } | null;
  /** A repeat's draw: cases kept per modality (none named: all) and the draw's seed, which also seeds its split. */
  sample: { cases: Record<string, number>; seed: number } | null;
  /** Where the run was asked for (the declaration's name), for issues about the run as a whole. */
  at: { span: Span };
  /** Locations of values set by the sweep or repeat itself (`data.sample.cases.mri`). */
  locations: Map<string, Location>;
}

/** One `-s key=value` override: the parsed key path and value, located in the command line. */
export interface Override {
  path: Key[];
  value: Expr;
  span: Span;
}

interface Axis {
  path: Key[];
  dotted: string;
  values: Expr[];
  entry: Entry;
}

/** The runs of experiment `name` (no sweep, no repeat). */
export function experimentRun(program: Program, resolver: ExtendsResolver, name: string): ConcreteRun | null {
  const entry = program.decls.get(name);
  if (!entry || entry.decl.kind !== 'Experiment') return null;
  const config = resolver.configOf(entry.decl);
  if (!config) return null;
  return { name, experiment: name, file: entry.file, config, group: null, point: {}, repeat: null, sample: null, at: entry.decl.name, locations: new Map() };
}

function baseRun(program: Program, resolver: ExtendsResolver, from: { name: string; span: Span }, bag: DiagnosticBag, role: 'from'): ConcreteRun | null {
  const entry = program.decls.get(from.name);
  if (!entry || entry.decl.kind !== 'Experiment') {
    bag.report({ code: 'E013', name: from.name, role, suggestion: suggest(from.name, resolver.experimentNames()) }, { node: from });
    return null;
  }
  return experimentRun(program, resolver, from.name);
}

/** The text of a sweep value in a run name and in `origin.point`. */
export function pointValue(expr: Expr): PointValue {
  switch (expr.kind) {
    case 'Number':
      return expr.unit ? `${expr.text}` : expr.value;
    case 'Neg':
      return expr.operand.kind === 'Number' && !expr.operand.unit ? -expr.operand.value : `-${String(pointValue(expr.operand))}`;
    case 'Ident':
      return expr.name === 'true' ? true : expr.name === 'false' ? false : expr.name;
    case 'String':
      return expr.value;
    case 'Dims':
      return expr.items.map((i) => i.text).join(' x ') + (expr.unit ? ` ${expr.unit}` : '');
    case 'List':
      return `[${expr.items.map((i) => String(pointValue(i))).join(', ')}]`;
    case 'Call':
      return `${expr.callee.name}(${expr.args.map((a) => String(pointValue(a))).join(', ')})`;
    default:
      return expr.kind;
  }
}

function rangeValues(range: Extract<Expr, { kind: 'Range' }>, bag: DiagnosticBag): NumberLit[] | undefined {
  const from = range.from.kind === 'Number' ? range.from.value : NaN;
  const to = range.to.kind === 'Number' ? range.to.value : NaN;
  if (!Number.isInteger(from) || !Number.isInteger(to) || to < from) {
    bag.report({ code: 'E022', from, to }, { node: range });
    return undefined;
  }
  if (!checkRangeLength(from, to, range, bag)) return undefined;
  return Array.from({ length: to - from + 1 }, (_, i) => ({ kind: 'Number' as const, value: from + i, text: String(from + i), span: range.span }));
}

function axisOf(entry: Entry, bag: DiagnosticBag): Axis | undefined {
  const dotted = entry.path.map((k) => k.name).join('.');
  let values: Expr[] | undefined;
  if (entry.value.kind === 'List') values = entry.value.items;
  else if (entry.value.kind === 'Range') values = rangeValues(entry.value, bag);
  else {
    bag.report({ code: 'E021', path: dotted, reason: 'not-a-list' }, { node: entry, property: 'value' });
    return undefined;
  }
  if (!values) return undefined;
  if (values.length === 0) {
    bag.report({ code: 'E021', path: dotted, reason: 'empty' }, { node: entry, property: 'value' });
    return undefined;
  }
  return { path: entry.path, dotted, values, entry };
}

/** The points of a sweep: one value index per axis. */
function points(mode: 'grid' | 'zip', axes: Axis[]): number[][] {
  if (axes.length === 0) return [[]];
  if (mode === 'zip') return Array.from({ length: axes[0]!.values.length }, (_, i) => axes.map(() => i));
  // Grid: the first axis varies slowest, as in nested loops written in source order.
  let out: number[][] = [[]];
  for (const axis of axes) out = out.flatMap((prefix) => axis.values.map((_, i) => [...prefix, i]));
  return out;
}

/** The concrete runs of a sweep. */
export function expandSweep(decl: SweepDecl, program: Program, resolver: ExtendsResolver, bag: DiagnosticBag): ConcreteRun[] {
  const base = baseRun(program, resolver, decl.from, bag, 'from');
  const axes: Axis[] = [];
  const fixed = blockFromObject(decl.body, bag, null, (entry) => {
    const axis = axisOf(entry, bag);
    if (axis) axes.push(axis);
  });
  if (!base) return [];
  if (decl.mode === 'zip' && new Set(axes.map((a) => a.values.length)).size > 1) {
    bag.report({ code: 'E020', sweep: decl.name.name, lengths: axes.map((a) => ({ path: a.dotted, length: a.values.length })) }, { node: decl.name });
    return [];
  }
  if (!checkSweepPoints(decl.name, decl.mode, axes.map((a) => ({ path: a.dotted, length: a.values.length })), bag)) return [];
  const all = points(decl.mode, axes);
  const withFixed = mergeBlocks(base.config, fixed);
  return all.map((indices, index) => {
    let config = withFixed;
    const point: Record<string, PointValue> = {};
    indices.forEach((valueIndex, axisIndex) => {
      const axis = axes[axisIndex]!;
      const value = axis.values[valueIndex]!;
      config = mergeBlocks(config, layerFor(axis.path, value, axis.entry.span));
      point[axis.dotted] = pointValue(value);
    });
    const label = Object.entries(point)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
    return {
      ...base,
      name: `${decl.name.name}[${label}]`,
      config,
      group: { kind: 'sweep' as const, name: decl.name.name, index, count: all.length },
      point,
      at: decl.name,
    };
  });
}

/**
 * The runs a repeat draws from: one experiment, or every point of a sweep (`repeat … from
 * <sweep>`: every point × every draw). Anything else is E120; an unknown name E013.
 */
function repeatBases(decl: RepeatDecl, program: Program, resolver: ExtendsResolver, bag: DiagnosticBag): ConcreteRun[] | null {
  const found = program.decls.get(decl.from.name)?.decl;
  if (found?.kind === 'Sweep') return expandSweep(found, program, resolver, bag);
  if (found && found.kind !== 'Experiment') {
    bag.report({ code: 'E120', repeat: decl.name.name, base: decl.from.name, kind: found.kind.toLowerCase() }, { node: decl.from });
    return null;
  }
  const sweeps = [...program.decls.values()].filter((d) => d.decl.kind === 'Sweep').map((d) => d.decl.name.name);
  if (!found) {
    bag.report({ code: 'E013', name: decl.from.name, role: 'from', suggestion: suggest(decl.from.name, [...resolver.experimentNames(), ...sweeps]) }, { node: decl.from });
    return null;
  }
  const run = experimentRun(program, resolver, decl.from.name);
  return run ? [run] : null;
}

/**
 * The concrete runs of a repeat: `times` draws of each base run (one experiment, or each
 * point of a sweep), draw i with seed `seed + i`. Every draw carries a `sample` (with no
 * modality named when the repeat samples none), so every draw cuts its own split.
 */
export function expandRepeat(decl: RepeatDecl, program: Program, resolver: ExtendsResolver, bag: DiagnosticBag): ConcreteRun[] {
  const bases = repeatBases(decl, program, resolver, bag);
  const body = blockFromObject(decl.body, bag);
  const repeatLocations = new Map<string, Location>();
  const settings: Settings = decodeFields(repeatFields, body, [], { bag, locations: repeatLocations, rootAt: { node: decl.name } });
  const locations = new Map<string, Location>();
  for (const [path, location] of repeatLocations) {
    if (path === 'sample' || path.startsWith('sample.')) locations.set(`data.sample.cases${path.slice('sample'.length)}`, location);
  }
  if (!bases || bases.length === 0 || typeof settings.times !== 'number') return [];
  const times = settings.times;
  const seed = (settings.seed as number | undefined) ?? 0;
  const cases = (settings.sample as Record<string, number> | null | undefined) ?? {};
  const pool = (settings.pool as boolean | undefined) ?? false;
  if (!checkRepeatRuns(decl.name.name, times, bases.length, repeatLocations.get('times') ?? { node: decl.name }, bag)) return [];
  const count = bases.length * times;
  // Point-major: all draws of the first sweep point, then the next point's.
  return bases.flatMap((base, p) =>
    Array.from({ length: times }, (_, index) => ({
      ...base,
      // `x5#2`, or for a sweep point `x5[loss.icr.tau=4]#2`.
      name: `${decl.name.name}${base.group ? base.name.slice(base.group.name.length) : ''}#${index}`,
      group: { kind: 'repeat' as const, name: decl.name.name, index: p * times + index, count },
      repeat: { group: decl.name.name, index, count: times, pool },
      sample: { cases, seed: seed + index },
      at: decl.name,
      locations: new Map([...base.locations, ...locations]),
    })),
  );
}

/** Applies `-s` overrides to a run (the last layer: they win over everything in files). */
export function applyOverrides(run: ConcreteRun, overrides: readonly Override[]): ConcreteRun {
  let config = run.config;
  for (const o of overrides) config = mergeBlocks(config, layerFor(o.path, o.value, o.span));
  return { ...run, config };
}
