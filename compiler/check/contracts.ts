/**
 * Rules that make a table's rows a sound comparison: no two rows may train the same thing.
 * Two rows with the same spec hashes (e.g. a "w/o L_mcr" row whose experiment ends up equal
 * to "Ours", because `mcr: 0` and no `mcr` are the same run) would print one result twice
 * under two names.
 */
import type { Key } from '../../dsl/ast.ts';
import type { Location } from '../diagnostics.ts';
import type { Issue } from '../issue-codes.ts';

export interface HashedRow {
  label: string;
  labelKey: Key;
  /** The spec hashes of the row's runs, in order. */
  specHashes: readonly string[];
}

/** Each row trains something no earlier row trains (E075 at the later row). */
export function checkRowsDistinct(table: string, rows: readonly HashedRow[], report: (issue: Issue, at: Location) => void): void {
  const first = new Map<string, string>();
  for (const row of rows) {
    if (row.specHashes.length === 0 || row.specHashes.some((h) => h === '')) continue;
    const key = row.specHashes.join(',');
    const earlier = first.get(key);
    if (earlier !== undefined) report({ code: 'E075', table, row: row.label, same: earlier, specHash: row.specHashes[0]!.slice(0, 12) }, { node: row.labelKey });
    else first.set(key, row.label);
  }
}
