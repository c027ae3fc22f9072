/**
 * Fuzzes the checker at a larger count than the test does:
 *   node --import tsx scripts/fuzz-checker.ts [--count 5000] [--seed S] [--max-ms 5000] [paths...]
 * Prints the counts (mutants, with diagnostics, diagnostics, crashes, hangs, codes seen)
 * and every failure with its mutation; failing mutants are written to --out (default
 * /tmp/ablate-fuzz) to reproduce them. Exit 1 on any failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzChecker } from '../test/fuzz/fuzz-checker.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { count: { type: 'string', default: '5000' }, seed: { type: 'string', default: 'fuzz' }, 'max-ms': { type: 'string', default: '5000' }, out: { type: 'string', default: '/tmp/ablate-fuzz' } },
});
const started = performance.now();
const report = fuzzChecker(positionals.length ? positionals : ['experiments'], {
  seed: values.seed!,
  count: Number(values.count),
  budgetMs: Infinity,
  maxMs: Number(values['max-ms']),
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `mutants ${report.mutants}, with diagnostics ${report.withDiagnostics}, diagnostics ${report.diagnostics}, crashes ${report.crashes}, hangs ${report.hangs}, failures ${report.failures.length}; slowest ${Math.round(report.slowestMs)} ms; ${seconds.toFixed(1)} s\n`,
);
process.stdout.write(`codes: ${Object.entries(report.codes).sort().map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
if (report.failures.length) {
  mkdirSync(values.out!, { recursive: true });
  for (const f of report.failures) {
    const path = join(values.out!, `${basename(f.file)}.${f.index}.mutant`);
    writeFileSync(path, f.text);
    process.stdout.write(`${f.file} #${f.index} (${f.kind}): ${f.problem} → ${path}\n`);
  }
  process.exitCode = 1;
}
