/**
 * `ablate check`, `ablate compile` and `ablate fmt` as a user sees them: rendered
 * diagnostics (1-based, caret under the span, hint), GitHub annotations, JSON, exit codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../cli/render-diagnostic.ts';
import { diagnostic } from '../../compiler/diagnostics.ts';
import { BASE, DATASET, writeFiles } from '../compiler/fixtures.ts';
import { runAblate } from './run-command.ts';

const BAD_SPLIT = DATASET + BASE.replace('train: 60%', 'train: 70%');

describe('rendered diagnostics', () => {
  it('text: file:line:col, code, message, the source line, a caret and tildes under the span, the hint', () => {
    const text = 'experiment e {\n\tloss.icr.tau: -2\n}\n';
    const span = { file: 'e.abl', start: { offset: 29, line: 1, column: 15 }, end: { offset: 31, line: 1, column: 17 } };
    const d = diagnostic({ code: 'E062', tau: -2 }, span);
    expect(renderText(d, new Map([['e.abl', text]]))).toBe(
      [
        'e.abl:2:16: error[E062]: temperature τ must be > 0, found -2',
        '  |',
        '2 | \tloss.icr.tau: -2',
        '  | \t              ^~',
        '  = hint: the paper sweeps τ in 1..8 (Fig. 5)',
      ].join('\n'),
    );
  });
});

describe('ablate check', () => {
  it('--format github prints one ::error annotation per diagnostic, 1-based, and exits 1', async () => {
    const dir = writeFiles({ 'bad.abl': BAD_SPLIT });
    const out = await runAblate(['check', '--format', 'github', join(dir, 'bad.abl')]);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toBe(
      `::error file=${join(dir, 'bad.abl')},line=10,col=5,endLine=10,endColumn=10,title=E050::` +
        // `%` is escaped as %25 in workflow commands (GitHub decodes it).
        'split fractions add up to 110%25 (train 70%25 + val 20%25 + test 20%25), not 100%25 (hint: change one of them by 10%25 so that train + val + test = 100%25)\n',
    );
  });

  it('text format goes to stderr with the source line and a summary', async () => {
    const dir = writeFiles({ 'bad.abl': BAD_SPLIT });
    const out = await runAblate(['check', join(dir, 'bad.abl')]);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain(`${join(dir, 'bad.abl')}:10:5: error[E050]: split fractions add up to 110%`);
    expect(out.stderr).toContain('10 |     split { train: 70%, val: 20%, test: 20% }\n   |     ^~~~~');
    expect(out.stderr).toContain('checked 1 file: 1 error\n');
  });

  it('walks folders for .abl/.yaml/.yml, reports JSON with 1-based positions, exits 0 when clean', async () => {
    const dir = writeFiles({ 'a/ok.abl': DATASET + BASE, 'a/b/bad.abl': BAD_SPLIT, 'notes.txt': 'not a spec' });
    const out = await runAblate(['check', '--format', 'json', dir]);
    expect(out.exitCode).toBe(1);
    const json = JSON.parse(out.stdout) as { file: string; line: number; column: number; code: string; name: string }[];
    expect(json.map((d) => [d.file.slice(dir.length + 1), d.line, d.column, d.code, d.name])).toEqual([['a/b/bad.abl', 10, 5, 'E050', 'split-sum']]);
    const clean = await runAblate(['check', join(dir, 'a', 'ok.abl')]);
    expect(clean.exitCode).toBe(0);
    expect(clean.stderr).toBe('checked 1 file: no problems\n');
  });

  it('E016: a file given explicitly that is no experiment file', async () => {
    const dir = writeFiles({ 'notes.txt': 'x' });
    const out = await runAblate(['check', '--format', 'json', join(dir, 'notes.txt')]);
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout).map((d: { code: string }) => d.code)).toEqual(['E016']);
  });
});

describe('ablate compile', () => {
  it('--emit plan lists every concrete run with its spec hash', async () => {
    const dir = writeFiles({ 'main.abl': `${DATASET}${BASE}sweep s from base { loss.icr.tau in 1..2 }\n` });
    const out = await runAblate(['compile', '--emit', 'plan', join(dir, 'main.abl')]);
    expect(out.exitCode).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/^[0-9a-f]{64} {2}/, 'HASH '))).toEqual(['HASH base', 'HASH s[loss.icr.tau=1]', 'HASH s[loss.icr.tau=2]']);
    const ir = JSON.parse((await runAblate(['compile', join(dir, 'main.abl'), '-e', 'base'])).stdout);
    expect(lines[0]!.slice(0, 64)).toBe(ir.runs[0].specHash);
  });

  it('-s errors are rendered against the command line', async () => {
    const dir = writeFiles({ 'main.abl': DATASET + BASE });
    const out = await runAblate(['compile', join(dir, 'main.abl'), '-s', 'loss.icr.tau=0']);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toBe(
      ['<command line>:1:17: error[E062]: temperature τ must be > 0, found 0', '  |', '1 | -s loss.icr.tau=0', '  |                 ^', '  = hint: the paper sweeps τ in 1..8 (Fig. 5)', ''].join('\n'),
    );
  });
});

describe('ablate compile -e', () => {
  it('an unknown declaration is reported against the command line, with a suggestion', async () => {
    const dir = writeFiles({ 'main.abl': DATASET + BASE });
    const out = await runAblate(['compile', join(dir, 'main.abl'), '-s', 'train.epochs=3', '-e', 'bsae']);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toBe(
      ['<command line>:1:22: error[E017]: unknown declaration `bsae`', '  |', '1 | -s train.epochs=3 -e bsae', '  |                      ^~~~', '  = hint: did you mean `base`?', ''].join('\n'),
    );
  });
});

describe('ablate fmt', () => {
  it('--check lists unformatted files and exits 1; without it, rewrites them', async () => {
    const dir = writeFiles({ 'messy.abl': 'experiment   e {train{epochs:2}}\n', 'tidy.abl': '' });
    const file = join(dir, 'messy.abl');
    const check = await runAblate(['fmt', '--check', dir]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toBe(`${file}\n`);
    const fixed = await runAblate(['fmt', file]);
    expect(fixed.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe('experiment   e {train{epochs:2}}\n');
    expect((await runAblate(['fmt', '--check', dir])).exitCode).toBe(0);
  });
});
