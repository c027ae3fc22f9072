/** Nested runs: sweeps, repeats and tables are parent runs whose children carry `mlflow.parentRunId`. */
import { MLFLOW_PARENT_RUN_ID_TAG } from './mlflow-tags.ts';
import type { Run } from './tracker.ts';

/** A run and the runs nested under it. */
export interface RunNode {
  run: Run;
  children: RunNode[];
}

/**
 * Arrange runs as trees by tag `mlflow.parentRunId`. A run whose parent is not among `runs`
 * is a root. Order within each level follows the input order. Works on runs from any Tracker.
 */
export function nestRuns(runs: readonly Run[]): RunNode[] {
  const nodes = new Map<string, RunNode>(runs.map((r) => [r.info.runId, { run: r, children: [] }]));
  const roots: RunNode[] = [];
  for (const r of runs) {
    const node = nodes.get(r.info.runId)!;
    const parentId = r.data.tags[MLFLOW_PARENT_RUN_ID_TAG];
    const parent = parentId === undefined || parentId === r.info.runId ? undefined : nodes.get(parentId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}
