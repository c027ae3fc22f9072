/**
 * `ablate diff` on the rows of experiments/paper/table7.abl: exactly the IR paths that
 * differ, with both values and where each was set (through `extends` in common.abl).
 */
import { describe, expect, it } from 'vitest';
import { registerDiffCommand } from '../../cli/commands/diff.ts';
import { BASE, DATASET, writeFiles } from '../compiler/fixtures.ts';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runCommands } from './run-command.ts';

const diff = (args: string[]) => runCommands([registerDiffCommand], ['diff', ...args]);

/** 1-based line:col of the first occurrence of `needle` (after `after`) in a file. */
function where(file: string, needle: string, after = ''): string {
  const text = readFileSync(file, 'utf8');
  const index = text.indexOf(needle, after ? text.indexOf(after) : 0);
  const lines = text.slice(0, index).split('\n');
  return `${file}:${lines.length}:${lines[lines.length - 1]!.length + 1}`;
}

describe('ablate diff', () => {
  it('names exactly the paths where two rows of table7 differ, with locations', async () => {
    const r = await diff(['experiments/paper/table7.abl', 'Joint V3', 'Joint V3 + L_mcr', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { differences: Array<{ path: string; a: unknown; b: unknown; aAt?: string; bAt?: string }> };
    expect(doc.differences.map((d) => d.path)).toEqual(['loss.mcr']);
    const [mcr] = doc.differences;
    expect(mcr!.a).toBeNull();
    expect(mcr!.b).toEqual({ weight: 0.1 });
    // B's value is set in abdominal_v3_mcr (common.abl); A has none, so it points at its declaration.
    expect(mcr!.bAt).toBe(where('experiments/paper/common.abl', 'mcr: 0.1', 'experiment abdominal_v3_mcr'));
    expect(mcr!.aAt).toMatch(/^experiments\/paper\/common\.abl:\d+:\d+$/);
  });

  it('lists every differing path of two rows, in text', async () => {
    const r = await diff(['experiments/paper/table7.abl', 'Joint V3 + L_mcr', 'Joint V3 + L_mcr + L_icr']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Joint V3 + L_mcr vs Joint V3 + L_mcr + L_icr: 1 path(s) differ');
    expect(r.stdout).toContain('  loss.icr\n    Joint V3 + L_mcr: null');
  });

  it('follows -s overrides to the command line, and compares IR files', async () => {
    const dir = writeFiles({ 'main.abl': `${DATASET}${BASE}experiment other extends base { train.epochs: 3 }\n` });
    const file = join(dir, 'main.abl');
    const r = await diff([file, 'base', 'other', '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { differences: Array<{ path: string; a: unknown; b: unknown; bAt?: string }> };
    expect(doc.differences.map((d) => [d.path, d.a, d.b])).toEqual([['train.epochs', 2, 3]]);
    expect(doc.differences[0]!.bAt).toBe(where(file, '3 }', 'experiment other'));
    const same = await diff([file, 'base', 'other', '-s', 'train.epochs=5']);
    expect(same.stdout).toBe('base vs other: no difference in the Run IR\n');
  });

  it('refuses an unknown name with the known rows', async () => {
    const r = await diff(['experiments/paper/table7.abl', 'Joint V3', 'Joint V4']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("has no row, run, experiment or repeat named 'Joint V4'");
    expect(r.stderr).toContain('"Joint V3 + L_mcr"');
  });
});
