/**
 * Rules that make a table's rows a sound comparison.
 *
 * No two rows may train the same thing. Two rows with the same spec hashes (e.g. a "w/o
 * L_mcr" row whose experiment ends up equal to "Ours", because `mcr: 0` and no `mcr` are the
 * same run) would print one result twice under two names.
 *
 * Ablation contracts: a row may state what it changes relative to another row,
 * `"Joint V3 + L_mcr": abdominal_v3_mcr_x5 differs [loss.mcr] from "Joint V3"`. The two
 * rows' Run IRs are diffed (diff-ir.ts) and must differ in every named path (or inside it)
 * and in nothing else. Rows that name several runs (repeats, points of a repeat over a
 * sweep) are compared draw by draw, draw i with draw i: the per-draw seed is the same in
 * both when their repeats share `times`, `sample` and `seed`, as the paper's rows do, and
 * otherwise the rows test other cases, which is a difference to name (`data.sample`). A
 * row of one run against a repeat is compared with its first draw (the difference is then
 * `repeat` and `data.sample`).
 */
import type { Contract, Decl, Entry, Expr, Key, Span } from '../../dsl/ast.ts';
import { joinSpans } from '../../dsl/span.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import type { Location } from '../diagnostics.ts';
import { diffRunIrs, type IrDifference } from '../diff-ir.ts';
import { isIdentityPath, knownIrPaths, resolveIrPath } from '../ir-paths.ts';
import type { Issue } from '../issue-codes.ts';
import { suggest } from './types.ts';

export interface HashedRow {
  label: string;
  labelKey: Key;
  /** The spec hashes of the row's runs, in order. */
  specHashes: readonly string[];
}

/** Each row trains something no earlier row trains (E075 at the later row). */
export function checkRowsDistinct(table: string, rows: readonly HashedRow[], report: (issue: Issue, at: Location) => void): void {
  const first = new Map<string, string>();
  for (const row of rows) {
    if (row.specHashes.length === 0 || row.specHashes.some((h) => h === '')) continue;
    const key = row.specHashes.join(',');
    const earlier = first.get(key);
    if (earlier !== undefined) report({ code: 'E075', table, row: row.label, same: earlier, specHash: row.specHashes[0]!.slice(0, 12) }, { node: row.labelKey });
    else first.set(key, row.label);
  }
}

export interface ContractRow {
  label: string;
  labelKey: Key;
  contract?: Contract;
  /** The row's runs as checked IR (draws in order); undefined when one of them did not check. */
  runs: readonly RunIR[] | undefined;
}

export interface ContractContext {
  table: string;
  rows: readonly ContractRow[];
  /** Labels of the paper's rows that name no run (`"UMMKD (Dou et al., 2020)"`). */
  paperOnly: readonly string[];
  report(issue: Issue, at: Location): void;
}

const pathSpan = (path: Key[]): { span: Span } => ({ span: joinSpans(path[0]!.span, path[path.length - 1]!.span) });

/** The value at a dotted IR path (undefined when absent). */
export function valueAt(ir: unknown, path: string): unknown {
  let value = ir;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

const covers = (named: string, path: string) => path === named || path.startsWith(`${named}.`);

/**
 * Whether a named path differs between `a` and `b` (`diffs`: diffRunIrs(a, b)): a difference
 * lies at or inside it, or (a whole block switched on, `loss.icr: null` → `{…}`) encloses it
 * and the values at the path differ. The editor's hover on a contract path asks the same.
 */
export function namedPathDiffers(a: RunIR, b: RunIR, path: string, diffs: readonly IrDifference[] = diffRunIrs(a, b)): boolean {
  return diffs.some((d) => covers(path, d.path)) || diffs.some((d) => covers(d.path, path) && JSON.stringify(valueAt(a, path)) !== JSON.stringify(valueAt(b, path)));
}

/** The named paths of a contract in IR spelling; reports unknown, identity and repeated paths. Undefined when one is wrong. */
function contractPaths(contract: Contract, report: ContractContext['report']): string[] | undefined {
  let ok = true;
  const resolved: { path: string; written: string; at: Location }[] = [];
  for (const keys of contract.paths) {
    const written = keys.map((k) => k.name).join('.');
    const at = { node: pathSpan(keys) };
    const path = resolveIrPath(keys.map((k) => k.name));
    if (path === undefined || isIdentityPath(path)) {
      report({ code: 'E079', path: written, identity: path !== undefined, ...(path === undefined ? { suggestion: suggest(written, knownIrPaths()) } : {}) }, at);
      ok = false;
      continue;
    }
    const other = resolved.find((r) => covers(r.path, path) || covers(path, r.path));
    if (other) {
      report({ code: 'E128', path: written, other: other.written }, at);
      ok = false;
      continue;
    }
    resolved.push({ path, written, at });
  }
  return ok ? resolved.map((r) => r.path) : undefined;
}

/**
 * Each row's contract names another row of the table and Run IR paths, and the two rows'
 * IRs differ in exactly those paths (E076 at the row for a difference not named, E077 at a
 * named path that does not differ).
 */
export function checkRowContracts({ table, rows, paperOnly, report }: ContractContext): void {
  const labels = rows.map((r) => r.label);
  for (const row of rows) {
    const contract = row.contract;
    if (!contract) continue;
    const named = contractPaths(contract, report);
    const refLabel = contract.reference.name;
    const reference = rows.find((r) => r.label === refLabel);
    if (!reference) {
      const others = labels.filter((l) => l !== row.label);
      report({ code: 'E078', table, row: row.label, reference: refLabel, paperOnly: paperOnly.includes(refLabel), suggestion: suggest(refLabel, others), known: others }, { node: contract.reference });
      continue;
    }
    if (reference === row) {
      report({ code: 'E125', row: row.label }, { node: contract.reference });
      continue;
    }
    if (contract.paths.length === 0) {
      report({ code: 'E127', row: row.label, reference: refLabel }, { node: contract });
      continue;
    }
    if (!named || !row.runs || !reference.runs || row.runs.length === 0 || reference.runs.length === 0) continue;
    // Draw i against draw i; a difference is reported once, from the first draw it shows in.
    const unnamed = new Map<string, IrDifference & { draw: number }>();
    const changed = new Set<string>();
    const pairs = Math.min(row.runs.length, reference.runs.length);
    for (let i = 0; i < pairs; i++) {
      const a = reference.runs[i]!;
      const b = row.runs[i]!;
      const diffs = diffRunIrs(a, b);
      for (const d of diffs) {
        if (!named.some((n) => covers(n, d.path)) && !unnamed.has(d.path)) unnamed.set(d.path, { ...d, draw: i });
      }
      for (const n of named) if (namedPathDiffers(a, b, n, diffs)) changed.add(n);
    }
    if (unnamed.size > 0) {
      const differences = [...unnamed.values()].map((d) => ({ path: d.path, reference: d.a, row: d.b, ...(d.draw > 0 ? { draw: d.draw } : {}) }));
      report({ code: 'E076', table, row: row.label, reference: refLabel, differences }, { node: row.labelKey });
    }
    contract.paths.forEach((keys, i) => {
      const path = named[i]!;
      if (!changed.has(path)) report({ code: 'E077', table, row: row.label, reference: refLabel, path: keys.map((k) => k.name).join('.'), value: valueAt(row.runs![0], path) }, { node: pathSpan(keys) });
    });
  }
}

const declWords: Record<string, string> = {
  Dataset: 'in a dataset',
  Experiment: 'in an experiment',
  Sweep: 'in a sweep',
  Repeat: 'in a repeat',
  Table: 'in a table but not a row of its `rows`',
  Figure: 'in a figure',
  Launch: 'in a launch block',
};

/** `differs … from` stands only after a row of a table's `rows` (E126 elsewhere: it would be ignored). */
export function checkContractsPlaced(decls: readonly Decl[], report: (issue: Issue, at: Location) => void): void {
  const visit = (decl: Decl, entries: readonly Entry[], prefix: readonly string[]) => {
    for (const entry of entries) {
      const path = [...prefix, ...entry.path.map((k) => k.name)];
      const isRow = decl.kind === 'Table' && path.length === 2 && path[0] === 'rows';
      if (entry.contract && !isRow) report({ code: 'E126', where: declWords[decl.kind] ?? 'not a table row' }, { node: entry.contract });
      visitExpr(decl, entry.value, path);
    }
  };
  const visitExpr = (decl: Decl, expr: Expr, path: readonly string[]): void => {
    if (expr.kind === 'Object') visit(decl, expr.entries, path);
    else if (expr.kind === 'List') expr.items.forEach((item) => visitExpr(decl, item, path));
    else if (expr.kind === 'Call') expr.args.forEach((arg) => visitExpr(decl, arg, path));
  };
  for (const decl of decls) visit(decl, decl.body.entries, []);
}
