/**
 * Provenance as MLflow tags: what made a run (ablate version, git commit and dirty flag of
 * the ablate checkout and of the experiment file's repository, backend, `-s` overrides) and
 * what it read (data content hash, phantom or real). Written on every run by `ablate run`
 * / `reproduce`, read back by the reports and by the reuse check.
 *
 * Stale: a finished run made by another ablate version, or by another commit of the ablate
 * checkout (when both commits are known), is still reused, but reports mark it and
 * `--rerun-stale` retrains it. A dirty tree does not make a run stale (every run made
 * during development would be); the flag is shown beside the commit.
 */
import type { CodeProvenance, GitState } from '../run/code-provenance.ts';
import type { DataFingerprint } from '../data/data-hash.ts';
import { MLFLOW_GIT_COMMIT_TAG, MLFLOW_RUN_NAME_TAG } from './mlflow-tags.ts';
import { ABLATE_TAGS } from './run-tags.ts';
import type { Run } from './tracker.ts';

const UNKNOWN = 'unknown';

const dirtyText = (dirty: boolean | null) => (dirty === null ? UNKNOWN : String(dirty));

export interface ProvenanceTagInput {
  code: CodeProvenance;
  /** The experiment file's repository (`mlflow.source.git.commit`, `ablate.source.git.dirty`). */
  sourceGit?: GitState;
  /** The run's data (absent on parent runs). */
  data?: DataFingerprint;
  backend?: string;
  overrides?: readonly string[];
}

/** The provenance tags of a run; unknown git states are written as `unknown`. */
export function provenanceTags(input: ProvenanceTagInput): Record<string, string> {
  const tags: Record<string, string> = {
    [ABLATE_TAGS.version]: input.code.version,
    [ABLATE_TAGS.gitCommit]: input.code.git.commit ?? UNKNOWN,
    [ABLATE_TAGS.gitDirty]: dirtyText(input.code.git.dirty),
    [ABLATE_TAGS.overrides]: JSON.stringify(input.overrides ?? []),
  };
  if (input.sourceGit) {
    if (input.sourceGit.commit) tags[MLFLOW_GIT_COMMIT_TAG] = input.sourceGit.commit;
    tags[ABLATE_TAGS.sourceGitDirty] = dirtyText(input.sourceGit.dirty);
  }
  if (input.data) {
    tags[ABLATE_TAGS.dataHash] = input.data.hash;
    tags[ABLATE_TAGS.dataKind] = input.data.kind;
    tags[ABLATE_TAGS.phantom] = String(input.data.kind === 'phantom');
  }
  if (input.backend) tags[ABLATE_TAGS.backend] = input.backend;
  return tags;
}

/** Where one measured number came from: one MLflow run, as its tags say. */
export interface RunProvenance {
  /** Concrete run name (`ablate.run`, else the MLflow run name). */
  run: string;
  runId: string;
  /** The run's identity: Run IR + split + data (`ablate.specHash`). */
  specHash: string | null;
  /** The Run IR's spec hash (what `ablate compile` prints; `ablate.irHash`). */
  irHash: string | null;
  dataHash: string | null;
  dataKind: 'phantom' | 'real' | null;
  version: string | null;
  /** The ablate checkout's commit; null when unknown or not recorded. */
  gitCommit: string | null;
  gitDirty: boolean | null;
  backend: string | null;
  overrides: string[];
  /** Why the run is stale (made by another ablate version or commit), or null. */
  stale: string | null;
}

const known = (v: string | undefined) => (v === undefined || v === UNKNOWN || v === '' ? null : v);

/**
 * Why a run with these tags is stale for `current`, or null: another ablate version, or
 * another commit of the ablate checkout when both commits are known. A run without a
 * version tag predates provenance and is stale.
 */
export function staleReason(tags: Readonly<Record<string, string>>, current: Pick<CodeProvenance, 'version' | 'git'>): string | null {
  const version = tags[ABLATE_TAGS.version];
  if (version === undefined) return `made by an ablate that recorded no version (this is ${current.version})`;
  if (version !== current.version) return `made by ablate ${version} (this is ${current.version})`;
  const commit = known(tags[ABLATE_TAGS.gitCommit]);
  if (commit && current.git.commit && commit !== current.git.commit) {
    return `made at commit ${commit.slice(0, 12)} (this is ${current.git.commit.slice(0, 12)})`;
  }
  return null;
}

/** A run's provenance from its tags; `current` decides staleness. */
export function runProvenance(run: Pick<Run, 'info' | 'data'>, current: Pick<CodeProvenance, 'version' | 'git'>): RunProvenance {
  const tags = run.data.tags;
  let overrides: string[] = [];
  try {
    const parsed = JSON.parse(tags[ABLATE_TAGS.overrides] ?? '[]') as unknown;
    if (Array.isArray(parsed)) overrides = parsed.map(String);
  } catch {
    // A hand-edited tag: show none rather than fail the report.
  }
  const dirty = tags[ABLATE_TAGS.gitDirty];
  const kind = tags[ABLATE_TAGS.dataKind] ?? (tags[ABLATE_TAGS.phantom] === undefined ? undefined : tags[ABLATE_TAGS.phantom] === 'true' ? 'phantom' : 'real');
  return {
    run: tags[ABLATE_TAGS.run] ?? tags[MLFLOW_RUN_NAME_TAG] ?? run.info.runName ?? run.info.runId,
    runId: run.info.runId,
    specHash: tags[ABLATE_TAGS.specHash] ?? null,
    irHash: tags[ABLATE_TAGS.irHash] ?? null,
    dataHash: tags[ABLATE_TAGS.dataHash] ?? null,
    dataKind: kind === 'phantom' || kind === 'real' ? kind : null,
    version: tags[ABLATE_TAGS.version] ?? null,
    gitCommit: known(tags[ABLATE_TAGS.gitCommit]),
    gitDirty: dirty === 'true' ? true : dirty === 'false' ? false : null,
    backend: tags[ABLATE_TAGS.backend] ?? null,
    overrides,
    stale: staleReason(tags, current),
  };
}
