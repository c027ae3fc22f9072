/**
 * The git state recorded with every run (runtime/run/code-provenance.ts), on real git
 * repositories in a temp folder: commit and dirty flag (tracked files only); unknown, never
 * an error, outside a repository, below the top with `topLevel`, and without git at all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeGit, gitState, sourceGit } from '../../runtime/run/code-provenance.ts';
import { writeFiles } from '../compiler/fixtures.ts';

function repo(): { dir: string; head: string } {
  const dir = writeFiles({ 'a.txt': 'one\n' });
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args]).toString().trim();
  git('init', '-q');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'first');
  return { dir, head: git('rev-parse', 'HEAD') };
}

describe('git state', () => {
  it('reads HEAD and whether tracked files changed; untracked files do not count', () => {
    const { dir, head } = repo();
    expect(gitState(dir)).toEqual({ commit: head, dirty: false });
    writeFileSync(join(dir, 'new.txt'), 'untracked\n');
    expect(gitState(dir)).toEqual({ commit: head, dirty: false });
    writeFileSync(join(dir, 'a.txt'), 'two\n');
    expect(gitState(dir)).toEqual({ commit: head, dirty: true });
    expect(describeGit(gitState(dir))).toBe(`${head.slice(0, 12)} (dirty)`);
    // The experiment file's repository, from a file in a subfolder.
    mkdirSync(join(dir, 'experiments'));
    expect(sourceGit(join(dir, 'experiments', 'x.abl')).commit).toBe(head);
  });

  it('is unknown below the top with topLevel (ablate inside another repository), outside a repository, and without git', () => {
    const { dir } = repo();
    mkdirSync(join(dir, 'node_modules', 'ablate'), { recursive: true });
    expect(gitState(join(dir, 'node_modules', 'ablate'), { topLevel: true })).toEqual({ commit: null, dirty: null });
    const plain = writeFiles({ 'x.abl': '' });
    expect(gitState(plain)).toEqual({ commit: null, dirty: null });
    expect(describeGit(gitState(plain))).toBe('unknown');
    const path = process.env['PATH'];
    process.env['PATH'] = plain; // no git on the PATH
    try {
      expect(gitState(dir)).toEqual({ commit: null, dirty: null });
    } finally {
      process.env['PATH'] = path;
    }
  });
});
