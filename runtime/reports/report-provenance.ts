/**
 * What a report says about how its numbers were made: the ablate that rendered it, the `-s`
 * overrides it was asked for, and per row the MLflow runs behind the measured cells (run
 * id, spec hash, data hash, phantom or real, ablate version, commit, backend, overrides,
 * stale). Part of the report model (report-model.ts `Report.provenance`); each renderer lays
 * it out in its own form, with the texts below so the formats agree.
 */
import type { CodeProvenance } from '../run/code-provenance.ts';
import { describeGit } from '../run/code-provenance.ts';
import type { RunProvenance } from '../tracking/provenance-tags.ts';

export interface ReportProvenance {
  /** The ablate that rendered the report (staleness is judged against it). */
  renderedBy: CodeProvenance;
  /** The `-s key=value` overrides the report's runs were looked up with. */
  overrides: string[];
  /** Row label → the runs behind its measured cells (empty for paper-only and pending rows). */
  rows: Record<string, RunProvenance[]>;
}

/** Marks a measured line whose runs are stale; explained by `STALE_LEGEND`. */
export const STALE_MARK = '†';

export const STALE_LEGEND =
  `${STALE_MARK} stale: made by another ablate version or commit than the one rendering this report; \`--rerun-stale\` on run / reproduce retrains it.`;

/** 12 hex of a hash, or `–`. */
export const short = (hash: string | null | undefined): string => (hash ? hash.slice(0, 12) : '–');

/** The provenance columns of a per-run table, in the order of `provenanceRow`. */
export const PROVENANCE_HEADER = ['Row', 'Run', 'MLflow run', 'Spec hash', 'Data hash', 'Data', 'ablate', 'Commit', 'Backend', 'Overrides', 'Stale'];

/** One run as the cells of a provenance table (hashes shortened to 12 hex). */
export function provenanceRow(row: string, p: RunProvenance): string[] {
  return [
    row, p.run, p.runId, short(p.irHash), short(p.dataHash), p.dataKind ?? 'unknown', p.version ?? 'unknown',
    describeGit({ commit: p.gitCommit, dirty: p.gitDirty }), p.backend ?? 'unknown', p.overrides.join(' ') || '–',
    p.stale ? `${STALE_MARK} ${p.stale}` : '',
  ];
}

/** The summary lines of a provenance block: who rendered it, with which overrides, on which data. */
export function provenanceSummary(p: ReportProvenance): string[] {
  const runs = Object.values(p.rows).flat();
  const data = [...new Set(runs.map((r) => `${short(r.dataHash)} (${r.dataKind ?? 'unknown'})`))];
  const backends = [...new Set(runs.map((r) => r.backend ?? 'unknown'))];
  return [
    `Rendered by ablate ${p.renderedBy.version}, commit ${describeGit(p.renderedBy.git)}.`,
    `Overrides: ${p.overrides.length ? p.overrides.map((o) => `-s ${o}`).join(' ') : 'none'}.`,
    `Runs: ${runs.length}; data: ${data.join(', ') || '–'}; backend: ${backends.join(', ') || '–'}.`,
  ];
}

/** For a cell's tooltip (HTML title): the runs behind it. */
export function runsTitle(runs: readonly RunProvenance[]): string {
  return runs.map((r) => `${r.run}: MLflow run ${r.runId}, spec ${short(r.irHash)}, data ${short(r.dataHash)}${r.stale ? `, stale (${r.stale})` : ''}`).join('\n');
}

/** Whether any run of the report is stale (the legend is printed then). */
export function hasStale(p: ReportProvenance | undefined): boolean {
  return !!p && Object.values(p.rows).some((runs) => runs.some((r) => r.stale));
}
