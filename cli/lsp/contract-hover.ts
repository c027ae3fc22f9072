/**
 * Hover on a path of a table row's ablation contract (`differs [loss.mcr] from "Joint V3"`):
 * the path's value in this row and in the reference row, or "not different", from the same
 * Run IR diff `ablate check` judges the contract by (compiler/check/contracts.ts). Rows of
 * repeats are compared draw by draw; the values shown are those of the first draw that differs.
 */
import type { Key } from '../../dsl/ast.ts';
import { namedPathDiffers, valueAt } from '../../compiler/check/contracts.ts';
import { diffRunIrs } from '../../compiler/diff-ir.ts';
import { isIdentityPath, resolveIrPath } from '../../compiler/ir-paths.ts';
import { canonicalize } from '../../compiler/canonical-json.ts';
import type { Analysis } from './workspace.ts';

// Canonical key order, as in the emitted IR (a checked IR keeps the order it was built in).
const shown = (value: unknown) => (value === undefined ? 'absent' : `\`${JSON.stringify(canonicalize(value)).replace(/,/g, ', ')}\``);

/** Markdown for the contract path `keys` of row `row` (reference row `reference`) in table `table`. */
export function describeContractPath(analysis: Analysis, table: string, row: string, reference: string, keys: readonly Key[]): string {
  const written = keys.map((k) => k.name).join('.');
  const path = resolveIrPath(keys.map((k) => k.name));
  const spelled = path !== undefined && path !== written ? ` (\`${path}\` in the Run IR)` : '';
  const head = `**\`${written}\`**${spelled} — row \`${row}\` against \`${reference}\``;
  if (path === undefined || isIdentityPath(path)) return `${head}\n\nnot a Run IR path a contract can name`;
  // The checked IRs the contract was judged on: there even when the file has errors (E077 among them).
  const rows = analysis.result.tableRows?.get(table);
  const mine = rows?.get(row);
  const theirs = rows?.get(reference);
  if (!mine?.length || !theirs?.length) return `${head}\n\nvalues unknown: a row's runs did not check`;
  const pairs = Math.min(mine.length, theirs.length);
  for (let i = 0; i < pairs; i++) {
    const a = theirs[i]!;
    const b = mine[i]!;
    if (!namedPathDiffers(a, b, path, diffRunIrs(a, b))) continue;
    const draw = pairs > 1 ? ` (draw ${i + 1} of ${pairs}, compared draw by draw)` : '';
    return `${head}\n\n\`${row}\`: ${shown(valueAt(b, path))} · \`${reference}\`: ${shown(valueAt(a, path))}${draw}`;
  }
  return `${head}\n\nnot different: both have ${shown(valueAt(mine[0]!, path))}${pairs > 1 ? ` (all ${pairs} draws)` : ''}`;
}
