/**
 * Fuzzing the checker with mutants of every spec under experiments/ (test/fuzz/mutate.ts):
 * seeded, and bounded to a few seconds here; `scripts/fuzz-checker.ts` runs thousands.
 */
import { describe, expect, it } from 'vitest';
import { fuzzChecker } from './fuzz-checker.ts';
import { mutant } from './mutate.ts';

describe('checker fuzz', () => {
  it('mutants are reproducible from the seed and differ from the source', () => {
    const text = 'experiment a { train { epochs: 2 } }\n';
    expect(mutant(text, 'seed', 3)).toEqual(mutant(text, 'seed', 3));
    const kinds = new Set(Array.from({ length: 200 }, (_, i) => mutant(text, 'seed', i).kind.split('+')[0]));
    expect(kinds.size).toBeGreaterThanOrEqual(10);
  });

  it('no mutant crashes, hangs, or yields a diagnostic without a known code and a location', () => {
    const report = fuzzChecker(['experiments'], { seed: 'ci', count: 400, budgetMs: 4000, maxMs: 5000 });
    expect(report.failures.map((f) => `${f.file} #${f.index} (${f.kind}): ${f.problem}`)).toEqual([]);
    expect(report.crashes).toBe(0);
    expect(report.hangs).toBe(0);
    expect(report.mutants).toBeGreaterThan(20);
    // The mutations reach the checker's limits, not only the parser.
    expect(report.withDiagnostics).toBeGreaterThan(report.mutants / 2);
  });
});
