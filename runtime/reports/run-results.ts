/**
 * Per-volume results of a run (`results.json`, logged as an MLflow artifact) and their
 * aggregation into a report row.
 *
 * Values are stored as computed by `runtime/metrics/score.ts`: Dice as a fraction in
 * [0, 1], ASD and HD95 in mm, missing (an empty mask) as null in JSON and NaN in memory.
 * Aggregation pools the volumes of every run given (the draws of a `repeat`) by distinct
 * volume (pool-volumes.ts: a volume tested in several draws counts once, with its mean
 * score), so each test volume weighs the same and n counts volumes; std is the population
 * std (numpy's default), as `reduce.ts` says.
 */
import { meanStd } from '../metrics/reduce.ts';
import { poolByVolume } from './pool-volumes.ts';
import type { Tracker } from '../tracking/tracker.ts';
import type { CellGrid, MeasuredStat, Metric } from './report-model.ts';

export interface CaseResult {
  modality: string;
  caseId: string;
  /** metric → class name → value (NaN: missing). */
  scores: Partial<Record<Metric, Record<string, number>>>;
}

export interface RunResults {
  format: 'ablate-results';
  version: 1;
  run: string;
  specHash: string;
  /** True when the data came from the phantom generator. */
  phantom: boolean;
  /** 2D runs: what placed the test crops (`label`: the reference labels, the paper's protocol); absent for 3D runs and older results. */
  cropAt?: 'image' | 'label';
  modalities: string[];
  classes: string[];
  metrics: Metric[];
  cases: CaseResult[];
}

export function resultsToJson(results: RunResults): string {
  return JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
}

export function resultsFromJson(text: string, source: string): RunResults {
  const hint = "the run's results file is empty or damaged (an interrupted upload?): `ablate run --force` retrains it, or delete the run";
  let doc: RunResults | null;
  try {
    doc = JSON.parse(text, (_k, v: unknown) => (v === null ? NaN : v)) as RunResults | null;
  } catch (e) {
    throw new RunResultsError(`${source}: not valid JSON${text.trim() === '' ? ' (the file is empty)' : ` (${(e as Error).message})`}`, hint);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== 'ablate-results' || doc.version !== 1) {
    throw new RunResultsError(`${source}: not an ablate results file (format ${String(doc?.format)}, version ${String(doc?.version)})`, hint);
  }
  return doc;
}

/** A run's results.json that cannot be read; the message names the run and the file. */
export class RunResultsError extends Error {
  override name = 'RunResultsError';
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

/** The artifact a run logs its per-volume results under. */
export const RESULTS_ARTIFACT = 'results.json';

/** A run's per-volume results, read back from the tracking store. */
export async function readRunResults(tracker: Tracker, runId: string): Promise<RunResults> {
  const bytes = await tracker.readArtifact(runId, RESULTS_ARTIFACT);
  return resultsFromJson(Buffer.from(bytes).toString('utf8'), `${RESULTS_ARTIFACT} of run ${runId} in ${tracker.uri}`);
}

/** Dice is reported in %, distances in mm. */
const scale = (metric: Metric) => (metric === 'dice' ? 100 : 1);

export interface AggregatedRow {
  grid: CellGrid<MeasuredStat>;
  overall: Partial<Record<Metric, number>>;
}

/**
 * Mean ± std per modality × metric × class over the distinct volumes of all `runs`; the `mean`
 * column is the mean over classes of the class means (as the paper's "Mean"), and
 * `overall` the mean over modalities of those means.
 */
export function aggregateResults(runs: RunResults[], modalities: string[], classes: string[], metrics: Metric[]): AggregatedRow {
  const grid: CellGrid<MeasuredStat> = {};
  const overall: Partial<Record<Metric, number>> = {};
  for (const metric of metrics) {
    const modalityMeans: number[] = [];
    for (const modality of modalities) {
      const cases = poolByVolume(runs.flatMap((r) => r.cases.filter((c) => c.modality === modality)));
      const byClass: Record<string, MeasuredStat> = {};
      for (const cls of classes) {
        const r = meanStd(cases.map((c) => (c.scores[metric]?.[cls] ?? NaN) * scale(metric)));
        byClass[cls] = { mean: r.mean, std: r.std, n: r.count };
      }
      const classMeans = meanStd(classes.map((cls) => byClass[cls]!.mean));
      byClass.mean = { mean: classMeans.mean, std: null, n: cases.length };
      (grid[modality] ??= {})[metric] = byClass;
      modalityMeans.push(classMeans.mean);
    }
    overall[metric] = meanStd(modalityMeans).mean;
  }
  return { grid, overall };
}
