/**
 * The FileStore's guards against losing or misplacing runs: the experiment lock survives a
 * slow holder (refreshed, not broken after `staleMs`), a malformed experiment meta.yaml stops
 * a second experiment of the same name, and artifact paths cannot leave the run's folder.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkArtifactPath } from '../../runtime/tracking/artifact-path.ts';
import { withFileLock } from '../../runtime/tracking/file-lock.ts';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import { tempDir } from './fixture-store.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('experiment lock', () => {
  it('is not broken while its holder still works past staleMs', async () => {
    const lock = join(tmp.dir, '.lock');
    const events: string[] = [];
    const holder = withFileLock(lock, async () => {
      events.push('A in');
      await sleep(3500); // longer than staleMs: the old lock was broken here after 2 s
      events.push('A out');
    }, { staleMs: 2000 });
    await sleep(100);
    const contender = withFileLock(lock, async () => {
      events.push('B in');
    }, { staleMs: 2000, timeoutMs: 10_000 });
    await Promise.all([holder, contender]);
    expect(events).toEqual(['A in', 'A out', 'B in']);
  }, 15_000);

  it('is broken once its holder stopped refreshing it (a crashed process)', async () => {
    const lock = join(tmp.dir, '.lock');
    await mkdir(lock); // a lock folder nobody refreshes
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await withFileLock(lock, async () => 'got it', { staleMs: 2000, timeoutMs: 5000 })).toBe('got it');
  });

  it('the lock folder is not read as an experiment', async () => {
    const store = new FileStoreTracker(join(tmp.dir, 'mlruns'), { onWarning: (w) => { throw new Error(w); } });
    await store.getOrCreateExperiment('x');
    await mkdir(join(store.root, '.ablate-experiments.lock'));
    expect((await store.listExperiments()).map((e) => e.name).sort()).toEqual(['Default', 'x']);
  });
});

describe('a malformed experiment meta.yaml', () => {
  it('stops a second experiment of the same name, naming the file', async () => {
    const root = join(tmp.dir, 'mlruns');
    const store = new FileStoreTracker(root, { onWarning: () => {} });
    const exp = await store.getOrCreateExperiment('cardiac');
    const file = join(root, exp.experimentId, 'meta.yaml');
    await writeFile(file, 'name: cardiac\nexperiment_id: [unclosed\n');
    const fresh = new FileStoreTracker(root, { onWarning: () => {} });
    const e = await fresh.getOrCreateExperiment('cardiac').then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TrackingError);
    expect((e as TrackingError).code).toBe('INVALID_STATE');
    expect((e as TrackingError).message).toContain(`Cannot tell whether experiment 'cardiac' exists: ${file} is malformed`);
    expect((e as TrackingError).hint).toMatch(/Repair that file/);
    // Nothing was created.
    expect((await readdir(root)).filter((n) => !n.startsWith('.')).sort()).toEqual(['0', exp.experimentId].sort());
  });

  it('one that names another experiment does not block', async () => {
    const root = join(tmp.dir, 'mlruns');
    const store = new FileStoreTracker(root, { onWarning: () => {} });
    const other = await store.getOrCreateExperiment('other');
    await writeFile(join(root, other.experimentId, 'meta.yaml'), 'name: other\n'); // lacks fields
    expect((await store.getOrCreateExperiment('cardiac')).name).toBe('cardiac');
  });
});

describe('artifact paths', () => {
  it.each([['../escape.txt'], ['a/../../escape.txt'], ['/etc/passwd'], ['..\\x.txt'], ['C:/x.txt'], ['a/..']])('refuses %s', (p) => {
    expect(() => checkArtifactPath(p)).toThrow(/^Invalid artifact path '.*': it leaves the run's artifact folder$/);
  });

  it('normalises the rest', () => {
    expect(checkArtifactPath(undefined)).toBe('');
    expect(checkArtifactPath('.')).toBe('');
    expect(checkArtifactPath('plots//a/./b.svg')).toBe('plots/a/b.svg');
    expect(checkArtifactPath('..foo/x')).toBe('..foo/x');
  });

  it('the FileStore refuses them and writes nothing', async () => {
    const store = new FileStoreTracker(join(tmp.dir, 'mlruns'));
    const exp = await store.getOrCreateExperiment('x');
    const run = await store.createRun({ experimentId: exp.experimentId });
    await expect(store.logText(run.runId, 'x', '../../escape.txt')).rejects.toThrow(/leaves the run's artifact folder/);
    expect(await readdir(join(tmp.dir, 'mlruns'))).not.toContain('escape.txt');
  });
});
