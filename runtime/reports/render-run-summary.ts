/**
 * The table `ablate run` prints at the end: for each run, mean ± std over test volumes per
 * modality × metric × class, the per-modality mean over classes and the overall mean.
 */
import { formatStat, METRIC_LABEL, PHANTOM_NOTICE } from './report-model.ts';
import { aggregateResults, type RunResults } from './run-results.ts';
import { describeGit } from '../run/code-provenance.ts';
import type { RunProvenance } from '../tracking/provenance-tags.ts';
import { short, STALE_LEGEND, STALE_MARK } from './report-provenance.ts';

/** `provenance`: what made the run (provenance-tags.ts), printed under the table; a stale run gets `†` and the legend. */
export function renderRunSummary(title: string, results: RunResults, provenance?: RunProvenance): string {
  const { modalities, classes, metrics } = results;
  const { grid, overall } = aggregateResults([results], modalities, classes, metrics);
  const header = ['Modality', 'Metric', ...classes, 'Mean', 'n'];
  const out = [`### ${title}`, '', `| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const m of modalities) {
    for (const metric of metrics) {
      const cells = grid[m]![metric]!;
      const n = results.cases.filter((c) => c.modality === m).length;
      out.push(`| ${m.toUpperCase()} | ${METRIC_LABEL[metric]} | ${[...classes, 'mean'].map((c) => formatStat(cells[c]!, metric)).join(' | ')} | ${n} |`);
    }
  }
  out.push('', `Overall: ${metrics.map((metric) => `${METRIC_LABEL[metric]} ${formatStat({ mean: overall[metric]!, std: null }, metric)}`).join(', ')}`);
  if (results.phantom) out.push(`(${PHANTOM_NOTICE})`);
  if (results.cropAt === 'label') out.push("(Label-centred crop, data.crop_at: label: the test inputs were placed with the test labels, as in the paper's protocol.)");
  if (provenance) {
    const p = provenance;
    out.push(`Provenance${p.stale ? ` ${STALE_MARK}` : ''}: MLflow run ${p.runId}, spec hash ${short(p.irHash)}, identity ${short(p.specHash)}, data ${short(p.dataHash)} (${p.dataKind ?? 'unknown'}), `
      + `ablate ${p.version ?? 'unknown'} at commit ${describeGit({ commit: p.gitCommit, dirty: p.gitDirty })}, backend ${p.backend ?? 'unknown'}, overrides ${p.overrides.length ? p.overrides.map((o) => `-s ${o}`).join(' ') : 'none'}`);
    if (p.stale) out.push(`${STALE_LEGEND} (${p.stale})`);
  }
  return `${out.join('\n')}\n`;
}
