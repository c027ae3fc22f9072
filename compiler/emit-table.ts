/**
 * Builds the Table IR of a checked `table` declaration and the Figure IR of a checked
 * `figure`: rows resolved to concrete run names and their spec hashes, the paper's
 * numbers flattened to cells (row × modality × metric × class | `mean`, plus overall).
 * Paper-only rows (numbers the paper prints for methods that are never run) come
 * first, as the paper lists other methods before its own.
 */
import type { FigureIR } from '../schemas/figure-ir.schema.ts';
import type { RunIR } from '../schemas/run-ir.schema.ts';
import type { TableIR } from '../schemas/table-ir.schema.ts';
import { paperNumber, walkPaper, type TableRowSource } from './check/tables.ts';
import type { ConfigBlock } from './config-tree.ts';
import { IR_VERSION } from './emit-ir.ts';
import { resolveIrPath } from './ir-paths.ts';
import type { ConcreteRun, PointValue } from './expand-sweeps.ts';

type Metric = TableIR['columns']['metrics'][number];

export interface TableSource {
  name: string;
  title: string | null;
  /** Declaring file, relative to the working folder, `/`-separated. */
  file: string;
  rows: TableRowSource[];
  /** The concrete runs of each row, same order as `rows`. */
  rowRuns: ConcreteRun[][];
  metrics: Metric[];
  modalities: string[];
  classes: string[];
  mean: boolean;
  tolerance: Record<string, number>;
  paper: ConfigBlock | null;
}

/** The paper's numbers of a table, one entry per row label, in source order. */
export function paperRows(paper: ConfigBlock | null): TableIR['paper'] {
  const rows: TableIR['paper'] = [];
  if (!paper) return rows;
  const byRow = new Map<string, TableIR['paper'][number]>();
  walkPaper(paper, {
    shape() {},
    cell(cell) {
      let row = byRow.get(cell.row);
      if (!row) {
        row = { row: cell.row, cells: [], overall: [] };
        byRow.set(cell.row, row);
        rows.push(row);
      }
      const value = paperNumber(cell.expr)!;
      const metric = cell.metric as Metric;
      if (cell.modality === 'overall') row.overall.push({ metric, mean: value.mean, std: value.std });
      else row.cells.push({ modality: cell.modality, metric, class: cell.cls, mean: value.mean, std: value.std });
    },
  });
  return rows;
}

/** The Table IR; `runs` holds the finished Run IRs by name (for the hashes). */
export function buildTableIr(table: TableSource, runs: ReadonlyMap<string, RunIR>): TableIR {
  const paper = paperRows(table.paper);
  const declared = new Set(table.rows.map((r) => r.label));
  const paperOnly = paper.filter((p) => !declared.has(p.row)).map((p) => ({ label: p.row, ref: null, kind: 'paper-only' as const, runs: [], specHashes: [] }));
  const rows = table.rows.map((row, i) => {
    const concrete = table.rowRuns[i]!;
    // A point of a repeat over a sweep pools its draws like any repeat.
    const kind = concrete[0]?.repeat ? ('repeat' as const) : row.ref.includes('[') ? ('sweep-point' as const) : ('experiment' as const);
    const contract = row.contract && {
      from: row.contract.reference.name,
      paths: row.contract.paths.map((keys) => resolveIrPath(keys.map((k) => k.name)) ?? keys.map((k) => k.name).join('.')),
    };
    return { label: row.label, ref: row.ref, kind, runs: concrete.map((r) => r.name), specHashes: concrete.map((r) => runs.get(r.name)?.specHash ?? ''), ...(contract ? { contract } : {}) };
  });
  return {
    irVersion: IR_VERSION,
    name: table.name,
    title: table.title,
    file: table.file,
    rows: [...paperOnly, ...rows],
    columns: { metrics: table.metrics, modalities: table.modalities, classes: table.classes, mean: table.mean },
    tolerance: table.tolerance,
    paper,
  };
}

/**
 * The Figure IR: one point per sweep run, x read from the run's sweep point (a repeat over a
 * sweep gives several runs per x: its draws), and one entry per reference line with the
 * runs it pools.
 */
export function buildFigureIr(
  figure: { name: string; title: string | null; file: string; sweep: string; x: string; y: string },
  points: readonly { name: string; point: Record<string, PointValue>; repeat: ConcreteRun['repeat'] }[],
  references: readonly { label: string; ref: string; runs: readonly { name: string }[] }[],
  runs: ReadonlyMap<string, RunIR>,
): FigureIR {
  return {
    irVersion: IR_VERSION,
    ...figure,
    points: points.map((p) => ({ run: p.name, x: p.point[figure.x]!, draw: p.repeat?.index ?? null, specHash: runs.get(p.name)?.specHash ?? '' })),
    references: references.map((r) => ({ label: r.label, ref: r.ref, runs: r.runs.map((x) => x.name), specHashes: r.runs.map((x) => runs.get(x.name)?.specHash ?? '') })),
  };
}
