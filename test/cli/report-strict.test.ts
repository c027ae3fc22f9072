/**
 * `ablate report --strict` exit codes and its summary line, on a tracking store holding one
 * finished run of the table's row (results.json written through the FileStore, no training).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerReportCommand } from '../../cli/commands/report.ts';
import { toleranceVerdict } from '../../cli/tolerance-options.ts';
import { compileFile } from '../../compiler/compile.ts';
import { resultsToJson } from '../../runtime/reports/run-results.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { ABLATE_TAGS } from '../../runtime/tracking/run-tags.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { BASE, DATASET, writeFiles } from '../compiler/fixtures.ts';
import { runCommands } from './run-command.ts';

const TABLE = `${DATASET}${BASE}table t "T" {
  rows { "Ours": base }
  columns { metrics: [dice], modalities: [ct] }
  tolerance { dice: 2 }
  paper { "Ours" { ct { dice { LVM: 90 ± 1 } } } }
}
`;

const report = (args: string[]) => runCommands([registerReportCommand], ['report', ...args]);

/** A store with one finished run of row "Ours" whose CT LVM Dice is `dice` (a fraction). */
async function storeWith(dice: number): Promise<{ dir: string; file: string }> {
  const dir = writeFiles({ 'table.abl': TABLE });
  const file = join(dir, 'table.abl');
  const compiled = compileFile(file, { cwd: dir });
  const hash = compiled.tables[0]!.rows[0]!.specHashes[0]!;
  const tracker = createTracker(join(dir, 'mlruns'));
  const run = await RunLogger.start(tracker, { experimentName: 'ablate', runName: 'base', tags: { [ABLATE_TAGS.irHash]: hash } });
  await run.logText(resultsToJson({
    format: 'ablate-results', version: 1, run: 'base', specHash: hash, phantom: true,
    modalities: ['ct'], classes: ['LVM', 'LAC', 'LVC', 'AA'], metrics: ['dice'],
    cases: [{ modality: 'ct', caseId: 'c1', scores: { dice: { LVM: dice, LAC: 0.5, LVC: 0.5, AA: 0.5 } } }],
  }), 'results.json');
  await run.finish();
  await tracker.close();
  return { dir, file };
}

describe('report --strict', () => {
  it('exits 1 with a summary line when a cell is out of tolerance, 0 without --strict', async () => {
    const { dir, file } = await storeWith(0.5); // 50 vs 90 ± 1
    const common = [file, '--tracking-uri', join(dir, 'mlruns'), '--out', join(dir, 'reports')];
    const strict = await report([...common, '--strict']);
    expect(strict.stderr).toContain('tolerance: FAILED, 1 of 1 compared cells out of tolerance (t 0/1 within)');
    expect(strict.exitCode).toBe(1);
    expect((await report(common)).exitCode).toBe(0);
  });

  it('exits 0 under --strict when every compared cell is within tolerance', async () => {
    const { dir, file } = await storeWith(0.91); // 91 vs 90, band 2
    const r = await report([file, '--tracking-uri', join(dir, 'mlruns'), '--out', join(dir, 'reports'), '--strict']);
    expect(r.stderr).toContain('tolerance: ok, all 1 compared cells within tolerance (t 1/1)');
    expect(r.exitCode).toBe(0);
  });

  it('refuses --welch without --paper-n', async () => {
    const { dir, file } = await storeWith(0.91);
    const r = await report([file, '--tracking-uri', join(dir, 'mlruns'), '--welch', '0.05']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('--welch needs --paper-n <n>');
  });

  it('a verdict over no compared cell is not a failure', () => {
    expect(toleranceVerdict([{ name: 'fig', within: 0, compared: 0 }]).failed).toBe(false);
    expect(toleranceVerdict([{ name: 'a', within: 3, compared: 3 }, { name: 'b', within: 1, compared: 2 }])).toEqual({
      failed: true, line: 'tolerance: FAILED, 1 of 5 compared cells out of tolerance (a 3/3, b 1/2 within)',
    });
  });
});
