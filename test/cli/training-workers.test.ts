/**
 * `--workers`: how many threads train a run (`cli/training-workers.ts`), and the error a
 * bad value gets from `ablate run` before anything is trained or written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainingWorkers, WorkersOptionError } from '../../cli/training-workers.ts';

describe('--workers', () => {
  it("'auto' uses the cores on the one-core-per-process backends, one thread on libtensorflow", () => {
    expect(trainingWorkers('auto', 'wasm', 2)).toBe(2);
    expect(trainingWorkers('auto', 'cpu', 8)).toBe(8);
    expect(trainingWorkers('auto', 'node', 8)).toBe(1);
    expect(trainingWorkers('auto', 'node-gpu', 8)).toBe(1);
    expect(trainingWorkers('3', 'node', 8)).toBe(3);
    expect(trainingWorkers('1', 'wasm', 8)).toBe(1);
  });

  it('rejects anything but auto or a positive integer', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '']) expect(() => trainingWorkers(bad, 'wasm', 2)).toThrow(WorkersOptionError);
  });

  it('ablate run --workers 0 exits 1 with the option named and a hint, writing no MLflow store', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-workers-'));
    try {
      const bin = path.join(import.meta.dirname, '..', '..', 'cli', 'bin.js');
      const spec = path.join(import.meta.dirname, '..', '..', 'experiments', 'quickstart.abl');
      const r = spawnSync(process.execPath, [bin, 'run', spec, '--workers', '0', '--backend', 'cpu'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("--workers must be 'auto' or a positive integer, got '0'");
      expect(r.stderr).toContain('hint: use --workers auto');
      expect(existsSync(path.join(dir, 'mlruns'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
