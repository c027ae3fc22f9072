/**
 * Finds the finished runs a table or figure needs in the tracking store and reads their
 * per-volume results back (`results.json`). A run is found by the spec hash of its Run IR
 * (tag `ablate.irHash`), so renaming an experiment or moving it to another file does not
 * lose its results; the most recent FINISHED run wins.
 */
import type { FigureIR } from '../../schemas/figure-ir.schema.ts';
import type { TableIR } from '../../schemas/table-ir.schema.ts';
import { ABLATE_TAGS } from '../tracking/run-tags.ts';
import { runFilter } from '../tracking/run-search.ts';
import type { Run, Tracker } from '../tracking/tracker.ts';
import type { ReportProvenance } from './report-provenance.ts';
import type { RunProvenance } from '../tracking/provenance-tags.ts';
import { buildReport, type CellGrid, type Metric, type Report, type ReportRowInput, type Stat, type ToleranceTest } from './report-model.ts';
import { aggregateResults, readRunResults, type RunResults } from './run-results.ts';

/** Finished results by IR spec hash; hashes without a finished run are absent. */
export async function findResults(tracker: Tracker, experimentName: string, irHashes: readonly string[]): Promise<Map<string, RunResults>> {
  const found = await findRunResults(tracker, experimentName, irHashes);
  return new Map([...found].map(([hash, f]) => [hash, f.results]));
}

/** A finished run's results with the run itself (its tags carry its provenance). */
export interface FoundRun {
  results: RunResults;
  run: Run;
}

/** As `findResults`, with the run each result came from. */
export async function findRunResults(tracker: Tracker, experimentName: string, irHashes: readonly string[]): Promise<Map<string, FoundRun>> {
  const out = new Map<string, FoundRun>();
  const experiment = await tracker.getExperimentByName(experimentName);
  if (!experiment) return out;
  for (const hash of new Set(irHashes)) {
    const runs = await tracker.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: runFilter({ tags: { [ABLATE_TAGS.irHash]: hash }, status: 'FINISHED' }),
      orderBy: ['attributes.start_time DESC'],
    });
    for (const run of runs) {
      try {
        out.set(hash, { results: await readRunResults(tracker, run.info.runId), run });
        break;
      } catch {
        // A finished run without results (killed during evaluation, or from an older version): try the next.
      }
    }
  }
  return out;
}

/** The paper-vs-measured report of a table from the results found. */
/** `test`: judge cells by the paper's spread too (report-model.ts `ToleranceTest`). */
/** `provenance`: the report's provenance; its `rows` are filled here from `runs` (IR hash → the run's provenance). */
export function tableReport(
  table: TableIR, results: ReadonlyMap<string, RunResults>, test?: ToleranceTest,
  provenance?: { report: Omit<ReportProvenance, 'rows'>; runs: ReadonlyMap<string, RunProvenance> },
): Report {
  const provenanceRows: Record<string, RunProvenance[]> = {};
  const metrics = table.columns.metrics as Metric[];
  const { modalities, classes } = table.columns;
  let phantom = false;
  const labelCropRows: string[] = [];
  const rows: ReportRowInput[] = table.rows.map((row) => {
    const paperRow = table.paper.find((p) => p.row === row.label);
    const paper: CellGrid<Stat> = {};
    for (const c of paperRow?.cells ?? []) {
      ((paper[c.modality] ??= {})[c.metric as Metric] ??= {})[c.class] = { mean: c.mean, std: c.std };
    }
    const paperOverall = Object.fromEntries((paperRow?.overall ?? []).map((o) => [o.metric, o.mean]));
    if (row.kind === 'paper-only') {
      return { label: row.label, paper, paperOverall, measured: null, measuredOverall: {}, runs: [], pending: false };
    }
    const found = row.specHashes.map((h) => results.get(h));
    if (found.some((r) => r === undefined) || found.length === 0) {
      return { label: row.label, paper, paperOverall, measured: null, measuredOverall: {}, runs: row.runs, pending: true };
    }
    const runs = found as RunResults[];
    if (provenance) provenanceRows[row.label] = row.specHashes.map((h) => provenance.runs.get(h)).filter((p): p is RunProvenance => p !== undefined);
    phantom ||= runs.some((r) => r.phantom);
    if (runs.some((r) => r.cropAt === 'label')) labelCropRows.push(row.label);
    const { grid, overall } = aggregateResults(runs, modalities, classes, metrics);
    // Each run is one draw (draw order), for the paired comparisons between rows.
    return { label: row.label, paper, paperOverall, measured: grid, measuredOverall: overall, runs: row.runs, pending: false, draws: runs.map((r) => r.cases), ...(row.contract ? { pairedWith: row.contract.from } : {}) };
  });
  return buildReport({
    name: table.name,
    title: table.title ?? table.name,
    metrics,
    modalities,
    classes,
    tolerance: table.tolerance as Partial<Record<Metric, number>>,
    ...(test ? { test } : {}),
    phantom,
    labelCropRows,
    rows,
    ...(provenance ? { provenance: { ...provenance.report, rows: provenanceRows } } : {}),
  });
}

/** A figure's value for `runs` pooled (aggregateResults): per modality (upper-case name) and `Overall` when y is `metric.mean`. */
function figureValues(runs: RunResults[], metric: Metric, column: string): Map<string, number> {
  const out = new Map<string, number>();
  const first = runs[0]!;
  const { grid, overall } = aggregateResults(runs, first.modalities, first.classes, [metric]);
  const add = (name: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) out.set(name, v);
  };
  for (const m of first.modalities) add(m.toUpperCase(), grid[m]?.[metric]?.[column]?.mean);
  if (column === 'mean') add('Overall', overall[metric]);
  return out;
}

/** Population std (as everywhere in the reports) of finite values; null for fewer than two. */
function spread(values: number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

/** A plotted series: y per x, with ± the std over the draws at that x (null: one run). */
export interface FigureSeries {
  name: string;
  points: Array<[number, number]>;
  /** Per point, the std over its draws (repeat over a sweep), or null when it has one run. */
  errors: Array<number | null>;
  /** Per point, how many draws entered it. */
  draws: number[];
}

/** A horizontal reference line: its pooled value and the std over its runs (null: one run). */
export interface FigureReference {
  name: string;
  y: number;
  spread: number | null;
  runs: number;
}

/**
 * The series of a figure from the results found. Each x pools its runs (the draws of a
 * repeat over a sweep) like a table row: y is the value over their distinct test volumes,
 * and the error bar is the std over the draws of each draw's own value (n = draws), so it
 * shows how much a result moves from one random split to the next. A plain sweep has one
 * run per x and no error bar. References pool their runs the same way. An x is missing
 * when any of its runs has no results yet.
 */
export function figureSeries(figure: FigureIR, results: ReadonlyMap<string, RunResults>): {
  series: FigureSeries[];
  references: FigureReference[];
  missing: string[];
} {
  const [metric, column] = figure.y.split('.') as [Metric, string];
  const missing: string[] = [];
  const byX = new Map<number, RunResults[]>();
  const incomplete = new Set<number>();
  for (const point of figure.points) {
    const r = results.get(point.specHash);
    if (!r || typeof point.x !== 'number') {
      missing.push(point.run);
      if (typeof point.x === 'number') incomplete.add(point.x);
      continue;
    }
    byX.set(point.x, [...(byX.get(point.x) ?? []), r]);
  }
  const byName = new Map<string, FigureSeries>();
  for (const [x, runs] of [...byX].sort((a, b) => a[0] - b[0])) {
    if (incomplete.has(x)) continue;
    const pooled = figureValues(runs, metric, column);
    const perDraw = runs.map((r) => figureValues([r], metric, column));
    for (const [name, y] of pooled) {
      const s = byName.get(name) ?? { name, points: [], errors: [], draws: [] };
      s.points.push([x, y]);
      s.errors.push(spread(perDraw.map((d) => d.get(name)).filter((v): v is number => v !== undefined)));
      s.draws.push(runs.length);
      byName.set(name, s);
    }
  }
  const references: FigureReference[] = [];
  for (const ref of figure.references) {
    const runs = ref.specHashes.map((h) => results.get(h));
    if (runs.length === 0 || runs.some((r) => r === undefined)) {
      missing.push(...ref.runs.filter((_, i) => runs[i] === undefined));
      continue;
    }
    const found = runs as RunResults[];
    // The reference is drawn for the figure's headline value: Overall for `metric.mean`, else the first modality.
    const pooled = figureValues(found, metric, column);
    const name = column === 'mean' ? 'Overall' : [...pooled.keys()][0];
    const y = name === undefined ? undefined : pooled.get(name);
    if (y === undefined) continue;
    const perRun = found.map((r) => figureValues([r], metric, column).get(name!)).filter((v): v is number => v !== undefined);
    references.push({ name: ref.label, y, spread: spread(perRun), runs: found.length });
  }
  return { series: [...byName.values()], references, missing };
}
