/**
 * The tags ablate puts on its runs, named once so that `ablate run` (which writes them),
 * `ablate reproduce` (which looks runs up by spec hash) and `ablate report` agree.
 */
import { MLFLOW_GIT_COMMIT_TAG, MLFLOW_SOURCE_NAME_TAG, MLFLOW_SOURCE_TYPE_TAG } from './mlflow-tags.ts';

export const ABLATE_TAGS = {
  /** Hash of the canonical Run IR + data split: identifies a run for reuse. */
  specHash: 'ablate.specHash',
  /** The `.abl` file the run came from (as given on the command line). */
  sourceFile: 'ablate.sourceFile',
  /** Name of the concrete experiment inside the file. */
  experiment: 'ablate.experiment',
  /** What the run is: one training run, or a parent of nested runs. */
  kind: 'ablate.kind',
  /** The tfjs backend that trained it (wasm, cpu, tensorflow, ...). */
  backend: 'ablate.backend',
  /** ablate's package version. */
  version: 'ablate.version',
  /** 'true' when trained on phantom data: not comparable with the paper's numbers. */
  phantom: 'ablate.data.phantom',
  /** The error message of a FAILED run. */
  error: 'ablate.error',
  /** Spec hash of the Run IR alone (without the split): how reports find a row's runs. */
  irHash: 'ablate.irHash',
  /** Hash of the data split (`split.json`). */
  splitHash: 'ablate.splitHash',
  /** Concrete run name (`fig5_tau[loss.icr.tau=4]`). */
  run: 'ablate.run',
  /** The sweep or repeat a run belongs to (on parents and children). */
  group: 'ablate.group',
  /** Identifies a sweep or repeat parent: its name and its children's IR hashes. */
  groupHash: 'ablate.groupHash',
  /** HEAD of the ablate checkout that made the run (`unknown` outside a git checkout). */
  gitCommit: 'ablate.git.commit',
  /** 'true' when the ablate checkout had uncommitted changes to tracked files; `unknown` without git. */
  gitDirty: 'ablate.git.dirty',
  /** 'true' / 'false' / `unknown`: uncommitted changes in the experiment file's repository (its HEAD is `mlflow.source.git.commit`). */
  sourceGitDirty: 'ablate.source.git.dirty',
  /** Content hash of the data the run read (runtime/data/data-hash.ts); part of its identity. */
  dataHash: 'ablate.data.hash',
  /** `phantom` or `real`. */
  dataKind: 'ablate.data.kind',
  /** The `-s key=value` overrides the run was made with, as a JSON list. */
  overrides: 'ablate.overrides',
} as const;

export type RunKind = 'run' | 'sweep' | 'repeat' | 'table' | 'reproduce';

export interface RunTagInput {
  specHash: string;
  sourceFile: string;
  experiment?: string;
  kind?: RunKind;
  gitCommit?: string;
  backend?: string;
  ablateVersion?: string;
  phantom?: boolean;
  /** More tags, added last (they win over the ones above). */
  extra?: Record<string, string>;
}

/**
 * The tag set of an ablate run: the `ablate.*` tags plus MLflow's own source tags
 * (`mlflow.source.name` = the .abl file, `mlflow.source.type` = LOCAL,
 * `mlflow.source.git.commit`) so that `mlflow ui` shows where a run came from.
 */
export function runTags(input: RunTagInput): Record<string, string> {
  const tags: Record<string, string> = {
    [ABLATE_TAGS.specHash]: input.specHash,
    [ABLATE_TAGS.sourceFile]: input.sourceFile,
    [ABLATE_TAGS.kind]: input.kind ?? 'run',
    [MLFLOW_SOURCE_NAME_TAG]: input.sourceFile,
    [MLFLOW_SOURCE_TYPE_TAG]: 'LOCAL',
  };
  if (input.experiment !== undefined) tags[ABLATE_TAGS.experiment] = input.experiment;
  if (input.gitCommit !== undefined) tags[MLFLOW_GIT_COMMIT_TAG] = input.gitCommit;
  if (input.backend !== undefined) tags[ABLATE_TAGS.backend] = input.backend;
  if (input.ablateVersion !== undefined) tags[ABLATE_TAGS.version] = input.ablateVersion;
  if (input.phantom !== undefined) tags[ABLATE_TAGS.phantom] = String(input.phantom);
  return { ...tags, ...(input.extra ?? {}) };
}
