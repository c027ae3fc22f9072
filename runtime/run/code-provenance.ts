/**
 * Which code made a run: ablate's package version and the git state of the ablate checkout
 * (commit, dirty), and the git state of the experiment file's repository. Recorded as run
 * tags (runtime/tracking/provenance-tags.ts) and in every report.
 *
 * Conventions:
 * - "The ablate checkout" is the folder holding ablate's package.json, and only when that
 *   folder is the top of a git work tree: ablate installed from npm inside a user's
 *   repository (node_modules/ablate) does not take the user's commit as its own.
 * - Dirty = tracked files differ from HEAD (`git status --porcelain --untracked-files=no`);
 *   untracked files do not count.
 * - No git, not a repository, or git failing: the state is unknown (null; tags say
 *   `unknown`), never an error.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GitState {
  /** HEAD's commit (40 hex), or null when unknown. */
  commit: string | null;
  /** Tracked files changed since HEAD; null when unknown. */
  dirty: boolean | null;
}

export interface CodeProvenance {
  /** ablate's package.json version. */
  version: string;
  /** The ablate checkout's git state (unknown when ablate is not a git checkout). */
  git: GitState;
}

export const UNKNOWN_GIT: GitState = { commit: null, dirty: null };

function git(dir: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...args], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString();
  } catch {
    return undefined;
  }
}

/**
 * The git state of the repository holding `dir`. With `topLevel`, only when `dir` is the
 * top of its work tree (otherwise unknown).
 */
export function gitState(dir: string, options: { topLevel?: boolean } = {}): GitState {
  if (options.topLevel) {
    const top = git(dir, ['rev-parse', '--show-toplevel'])?.trim();
    // Real paths: git prints the top without symlinks.
    const real = (p: string) => {
      try {
        return realpathSync(p);
      } catch {
        return path.resolve(p);
      }
    };
    if (!top || real(top) !== real(dir)) return UNKNOWN_GIT;
  }
  const commit = git(dir, ['rev-parse', '--verify', 'HEAD'])?.trim();
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return UNKNOWN_GIT;
  const status = git(dir, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === undefined ? null : status.trim().length > 0 };
}

/** The folder holding ablate's package.json. */
export const ABLATE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let cached: CodeProvenance | undefined;

/** ablate's version and the git state of its checkout (computed once per process). */
export function ablateCode(): CodeProvenance {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(path.join(ABLATE_ROOT, 'package.json'), 'utf8')) as { version: string };
    cached = { version: pkg.version, git: gitState(ABLATE_ROOT, { topLevel: true }) };
  }
  return cached;
}

/** The git state of the repository holding the experiment file `file` (unknown outside one). */
export function sourceGit(file: string): GitState {
  return gitState(path.dirname(path.resolve(file)));
}

/** `abc123def456` (12 hex) or `unknown`, plus ` (dirty)` when the tree has changes. */
export function describeGit(state: GitState): string {
  if (state.commit === null) return 'unknown';
  return `${state.commit.slice(0, 12)}${state.dirty ? ' (dirty)' : ''}`;
}
