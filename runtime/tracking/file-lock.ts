/**
 * A lock between processes that share one folder (e.g. `ablate reproduce --jobs N` writing
 * one `./mlruns`): the holder creates the lock file exclusively and removes it when done.
 * A lock file older than `staleMs` is taken to be left over from a crashed process.
 */
import { open, stat, unlink } from 'node:fs/promises';
import { TrackingError } from './tracking-error.ts';

export interface FileLockOptions {
  /** A lock older than this (ms) is broken. Default 30000. */
  staleMs?: number;
  /** Give up after waiting this long (ms). Default 60000. */
  timeoutMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run `fn` while holding the lock file `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - (await stat(path)).mtimeMs > staleMs) await unlink(path);
      } catch {
        // Released (or broken) by someone else meanwhile: try again.
      }
      if (Date.now() > deadline) {
        throw new TrackingError('RESOURCE_BUSY', `Timed out waiting for the lock ${path}`, { hint: 'If no other ablate process is running, delete that file.' });
      }
      await sleep(2 + Math.random() * 10);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
