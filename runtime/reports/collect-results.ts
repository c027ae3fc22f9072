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
import type { Tracker } from '../tracking/tracker.ts';
import { buildReport, type CellGrid, type Metric, type Report, type ReportRowInput, type Stat } from './report-model.ts';
import { aggregateResults, readRunResults, type RunResults } from './run-results.ts';

/** Finished results by IR spec hash; hashes without a finished run are absent. */
export async function findResults(tracker: Tracker, experimentName: string, irHashes: readonly string[]): Promise<Map<string, RunResults>> {
  const out = new Map<string, RunResults>();
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
        out.set(hash, await readRunResults(tracker, run.info.runId));
        break;
      } catch {
        // A finished run without results (killed during evaluation, or from an older version): try the next.
      }
    }
  }
  return out;
}

/** The paper-vs-measured report of a table from the results found. */
export function tableReport(table: TableIR, results: ReadonlyMap<string, RunResults>): Report {
  const metrics = table.columns.metrics as Metric[];
  const { modalities, classes } = table.columns;
  let phantom = false;
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
    phantom ||= runs.some((r) => r.phantom);
    const { grid, overall } = aggregateResults(runs, modalities, classes, metrics);
    return { label: row.label, paper, paperOverall, measured: grid, measuredOverall: overall, runs: row.runs, pending: false };
  });
  return buildReport({
    name: table.name,
    title: table.title ?? table.name,
    metrics,
    modalities,
    classes,
    tolerance: table.tolerance as Partial<Record<Metric, number>>,
    phantom,
    rows,
  });
}

/** One point per sweep run that has results: x from the sweep point, y per modality and overall. */
export function figureSeries(figure: FigureIR, results: ReadonlyMap<string, RunResults>): {
  series: Array<{ name: string; points: Array<[number, number]> }>;
  missing: string[];
} {
  const [metric, column] = figure.y.split('.') as [Metric, string];
  const byName = new Map<string, Array<[number, number]>>();
  const missing: string[] = [];
  for (const point of figure.points) {
    const r = results.get(point.specHash);
    if (!r || typeof point.x !== 'number') {
      missing.push(point.run);
      continue;
    }
    const { grid, overall } = aggregateResults([r], r.modalities, r.classes, [metric]);
    const add = (name: string, v: number | undefined) => {
      if (v !== undefined && Number.isFinite(v)) byName.set(name, [...(byName.get(name) ?? []), [point.x as number, v]]);
    };
    for (const m of r.modalities) add(m.toUpperCase(), grid[m]?.[metric]?.[column]?.mean);
    if (column === 'mean') add('Overall', overall[metric]);
  }
  const series = [...byName].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return { series, missing };
}
