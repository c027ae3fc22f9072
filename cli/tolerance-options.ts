/**
 * The tolerance options `report` and `reproduce` share: `--welch ALPHA --paper-n N` judges
 * cells by the paper's spread too (runtime/reports/statistics/welch.ts), `--strict` (report)
 * makes a cell out of tolerance an exit status of 1. `reproduce` is always strict.
 */
import type { Command } from 'commander';
import type { ToleranceTest } from '../runtime/reports/report-model.ts';
import type { WrittenReport } from './report-writer.ts';

export interface ToleranceCliOptions {
  welch?: string;
  paperN?: string;
}

export function addToleranceOptions(command: Command): Command {
  return command
    .option('--welch <alpha>', "also judge each cell by Welch's t-test at this two-sided level (e.g. 0.05), from the paper's ± and n and ours")
    .option('--paper-n <n>', "test volumes behind each of the paper's ± (with --welch), e.g. 4 for MM-WHS's 20% test split");
}

/** The test the options ask for, or an error sentence naming the bad option. */
export function toleranceTestOf(options: ToleranceCliOptions): { test?: ToleranceTest; error?: string } {
  if (options.welch === undefined) {
    return options.paperN === undefined ? {} : { error: '--paper-n needs --welch <alpha>' };
  }
  const alpha = Number(options.welch);
  if (!(alpha > 0 && alpha < 1)) return { error: `--welch must be a level in (0, 1) such as 0.05, got '${options.welch}'` };
  if (options.paperN === undefined) return { error: "--welch needs --paper-n <n>: the paper prints ± but not how many volumes are behind it" };
  const paperN = Number(options.paperN);
  if (!Number.isInteger(paperN) || paperN < 2) return { error: `--paper-n must be a whole number ≥ 2, got '${options.paperN}'` };
  return { test: { kind: 'welch', alpha, paperN } };
}

/**
 * The summary line of `--strict` (and of `reproduce`): how many compared cells lie outside
 * tolerance, per table; `failed` when any does.
 */
export function toleranceVerdict(written: readonly Pick<WrittenReport, 'name' | 'within' | 'compared'>[]): { failed: boolean; line: string } {
  const within = written.reduce((n, w) => n + w.within, 0);
  const compared = written.reduce((n, w) => n + w.compared, 0);
  const out = compared - within;
  const per = written.filter((w) => w.compared > 0).map((w) => `${w.name} ${w.within}/${w.compared}`).join(', ');
  if (compared === 0) return { failed: false, line: 'tolerance: no cell compared (no finished run, or no paper numbers / tolerance)' };
  return {
    failed: out > 0,
    line: out > 0
      ? `tolerance: FAILED, ${out} of ${compared} compared cells out of tolerance (${per} within)`
      : `tolerance: ok, all ${compared} compared cells within tolerance (${per})`,
  };
}
