/**
 * A launch's job folder (`.ablate-jobs/<time>-<file>/`): what the array tasks and the
 * aggregate job read, written once by `ablate launch` so that editing the `.abl` after
 * submitting changes nothing that is queued or running.
 *
 *   plan.json          this plan (tasks, groups, tables, tracking store)
 *   runs/<i>.json      the Run IR of task i
 *   sources/…          the spec file and what it imports, as compiled
 *   batch.sh, aggregate.sh, logs/<job>_<task>.log
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FigureIR } from '../../schemas/figure-ir.schema.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import type { TableIR } from '../../schemas/table-ir.schema.ts';

export interface PlannedTask {
  name: string;
  /** Spec hash of the Run IR (tag `ablate.irHash`). */
  irHash: string;
  /** The run's identity at launch (Run IR + split + data; tag `ablate.specHash`); absent when its data could not be read then. */
  identity?: string;
  /** `runs/<i>.json`, relative to the job folder. */
  irFile: string;
  /** The sweep / repeat parent this run nests under. */
  parentRunId?: string;
}

export interface PlannedGroup {
  name: string;
  kind: 'sweep' | 'repeat';
  pool: boolean;
  parentRunId: string;
  irHashes: string[];
}

export interface JobPlan {
  format: 'ablate-job';
  version: 1;
  /** The spec as given to `ablate launch`. */
  file: string;
  cwd: string;
  trackingUri: string;
  experimentName: string;
  cache: string;
  outDir: string;
  backend?: string;
  /** The `-s key=value` overrides the plan was compiled with: each task tags its run with them (`ablate.overrides`). */
  overrides?: string[];
  /** Retrain finished runs made by another ablate version or commit (`launch --rerun-stale`). */
  rerunStale?: boolean;
  /** The MLflow run holding the launch (reports are logged to it). */
  launchRunId: string;
  tasks: PlannedTask[];
  groups: PlannedGroup[];
  tables: TableIR[];
  figures: FigureIR[];
  arrayJobId?: string;
  aggregateJobId?: string;
}

export const PLAN_FILE = 'plan.json';

export function readPlan(jobDir: string): JobPlan {
  return JSON.parse(readFileSync(path.join(jobDir, PLAN_FILE), 'utf8')) as JobPlan;
}

export function readTaskIr(jobDir: string, task: PlannedTask): RunIR {
  return JSON.parse(readFileSync(path.join(jobDir, task.irFile), 'utf8')) as RunIR;
}
