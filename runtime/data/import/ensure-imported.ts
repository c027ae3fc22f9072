/**
 * A download as a dataset source (`source: chaos { root: "…" }` in an `.abl` file): imported
 * once into `<cacheRoot>/imported/<hash>/` (hash of the layout, the download folder's
 * absolute path and the import format), then read like any NIfTI dataset. The import is
 * all or nothing (import-dataset.ts): a failed or interrupted one leaves no folder there, so
 * the next run imports again. After changing files in the download, delete that folder.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IMPORT_FORMAT_VERSION, importPublished } from './import-dataset.ts';
import type { PublishedDatasetKind } from './published-dataset.ts';

export async function ensureImported(kind: PublishedDatasetKind, root: string, cacheRoot: string): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ kind, root, format: IMPORT_FORMAT_VERSION })).digest('hex').slice(0, 16);
  const dir = join(cacheRoot, 'imported', `${kind}-${hash}`);
  try {
    await stat(join(dir, 'manifest.json'));
    return dir;
  } catch {
    await importPublished(kind, root, dir, { force: true });
    return dir;
  }
}
