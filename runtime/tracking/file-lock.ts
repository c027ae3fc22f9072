/**
 * A lock between processes that share one folder (e.g. `ablate reproduce --jobs N` writing
 * one `./mlruns`), on `proper-lockfile`: the lock is a folder created atomically, and its
 * holder refreshes the folder's mtime every `staleMs / 2` for as long as it holds it. Only a
 * lock whose holder stopped refreshing (a crashed process) is taken to be stale and broken;
 * a slow holder keeps its lock however long it writes.
 */
import lockfile from 'proper-lockfile';
import { TrackingError } from './tracking-error.ts';

export interface FileLockOptions {
  /** A lock not refreshed for this long (ms) is broken. Default 30000; proper-lockfile's minimum is 2000. */
  staleMs?: number;
  /** Give up after waiting this long (ms). Default 60000. */
  timeoutMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run `fn` while holding the lock `path` (a folder while held). */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const stale = Math.max(2000, options.staleMs ?? 30_000);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  for (;;) {
    try {
      // `path` itself need not exist: realpath off, and the lock folder is `path`.
      release = await lockfile.lock(path, {
        stale,
        realpath: false,
        lockfilePath: path,
        onCompromised: (e) => {
          compromised ??= e;
        },
      });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (Date.now() > deadline) {
        throw new TrackingError('RESOURCE_BUSY', `Timed out waiting for the lock ${path}`, {
          hint: `Another ablate process holds it and is still alive (it refreshes the lock). If none is running, delete the folder ${path}.`,
        });
      }
      await sleep(5 + Math.random() * 20);
    }
  }
  let result: T;
  try {
    result = await fn();
  } finally {
    await release().catch(() => undefined);
  }
  if (compromised) {
    throw new TrackingError('INVALID_STATE', `The lock ${path} was taken over while held: ${compromised.message}`, { hint: 'Was the folder deleted by hand, or is the file system too slow to refresh it?' });
  }
  return result;
}
