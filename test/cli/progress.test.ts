/**
 * The training progress display, run as the CLI runs it: on a terminal (a pseudo-terminal from
 * util-linux `script`) the bar stays for the whole run — notes such as the validation Dice are
 * printed above it and it is drawn again below them, with epoch, step, loss terms, throughput
 * and ETA; through a pipe, plain lines without escape codes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const driver = fileURLToPath(new URL('./progress-driver.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const command = (extra = '') => `node --import tsx ${driver} ${extra}`;
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe('progress display', () => {
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: the bar comes back after each note and runs to the end', () => {
    const raw = execFileSync('script', ['-q', '-e', '-c', `${command()} 2>&1`, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, TERM: 'xterm', COLUMNS: '200' } });
    const text = strip(raw).replace(/\r/g, '\n');
    const first = text.indexOf('tiny: epoch 1/2: val.dice.ct 54.0%');
    const second = text.indexOf('tiny: epoch 2/2: val.dice.ct 58.0%');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    // The bar is drawn again between the two notes (epoch 2 in progress) and after the last one (8/8).
    const between = text.slice(first, second);
    expect(between).toMatch(/tiny \|[█░]+\| [5-8]\/8 · epoch 2\/2 · loss [\d.]+ · [\d.]+ step\/s · ETA \d+s · seg\/ct [\d.]+ seg\/mri [\d.]+/);
    expect(text.slice(second)).toMatch(/tiny \|█+\| 8\/8 · epoch 2\/2/);
    expect(text.trimEnd().endsWith('1 run(s) done')).toBe(true);
  }, 30_000);

  it('through a pipe: one clean line per epoch and the notes, no escape codes', () => {
    const out = execFileSync('sh', ['-c', `${command()} 2>&1 | cat`], { cwd: root, encoding: 'utf8' });
    expect(out).not.toMatch(/\x1b/);
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/[\d.]+ step\/s ETA \d+s/, 'R step/s ETA Es'))).toEqual([
      'backend: cpu',
      'tiny: training 8 steps',
      'tiny: epoch 1/2 step 4/8 loss 0.2500 (seg/ct 0.125 seg/mri 0.063) R step/s ETA Es',
      'tiny: epoch 1/2: val.dice.ct 54.0%',
      'tiny: epoch 2/2 step 8/8 loss 0.1250 (seg/ct 0.063 seg/mri 0.031) R step/s ETA Es',
      'tiny: epoch 2/2: val.dice.ct 58.0%',
      '1 run(s) done',
    ]);
  }, 30_000);
});
