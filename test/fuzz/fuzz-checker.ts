/**
 * The checker under fuzzing: each mutant of a spec is compiled as that spec (its imports
 * read from disk) and, for `.abl` files, formatted. What must hold for every mutant: no
 * exception escapes, the work ends within `maxMs`, every diagnostic has a known code and
 * a location in a file, no compiler bug (E131) is reported, and a mutant with errors
 * yields no run.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { collectSourceFiles, compileFile, SourceCache } from '../../compiler/compile.ts';
import { issueCodes } from '../../compiler/issue-codes.ts';
import { loadSource, type LoadedSource } from '../../compiler/load-source.ts';
import { formatText } from '../../dsl/format.ts';
import { mutant } from './mutate.ts';

/** Reads every file from disk except the one under test, whose text is the mutant's. */
class MutantCache extends SourceCache {
  target = '';
  text = '';
  override read(file: string): LoadedSource | undefined {
    return file === this.target ? loadSource(file, this.text) : super.read(file);
  }
}

export interface FuzzFailure {
  file: string;
  index: number;
  kind: string;
  problem: string;
  /** The mutant's text, to reproduce it. */
  text: string;
}

export interface FuzzReport {
  mutants: number;
  /** Mutants with at least one diagnostic. */
  withDiagnostics: number;
  diagnostics: number;
  crashes: number;
  hangs: number;
  failures: FuzzFailure[];
  slowestMs: number;
  codes: Record<string, number>;
}

export interface FuzzOptions {
  seed: string;
  /** Stop after this many mutants… */
  count: number;
  /** …or once this much time has passed. */
  budgetMs: number;
  /** A check of one mutant taking longer than this is a hang. */
  maxMs: number;
}

const knownCodes = new Set(Object.keys(issueCodes));

/** Fuzzes every spec under `paths` in turn (mutant i of spec i mod n) until the count or the budget is spent. */
export function fuzzChecker(paths: string[], options: FuzzOptions): FuzzReport {
  const specs = collectSourceFiles(paths).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const cache = new MutantCache();
  const report: FuzzReport = { mutants: 0, withDiagnostics: 0, diagnostics: 0, crashes: 0, hangs: 0, failures: [], slowestMs: 0, codes: {} };
  const started = performance.now();
  for (let index = 0; index < options.count && performance.now() - started < options.budgetMs; index++) {
    const spec = specs[index % specs.length]!;
    const m = mutant(spec.text, options.seed, index);
    const fail = (problem: string) => report.failures.push({ file: spec.file, index, kind: m.kind, problem, text: m.text });
    cache.target = spec.file;
    cache.text = m.text;
    report.mutants++;
    const t0 = performance.now();
    try {
      const result = compileFile(spec.file, { cache });
      if (extname(spec.file) === '.abl') formatText(m.text, spec.file);
      const ms = performance.now() - t0;
      report.slowestMs = Math.max(report.slowestMs, ms);
      if (ms > options.maxMs) {
        report.hangs++;
        fail(`took ${Math.round(ms)} ms`);
      }
      report.diagnostics += result.diagnostics.length;
      if (result.diagnostics.length) report.withDiagnostics++;
      for (const d of result.diagnostics) {
        report.codes[d.code] = (report.codes[d.code] ?? 0) + 1;
        if (!knownCodes.has(d.code)) fail(`unknown code ${d.code}`);
        if (d.code === 'E131') fail(`internal error: ${d.message}`);
        if (!d.span?.file || !(d.span.start.line >= 0 && d.span.start.column >= 0)) fail(`${d.code} without a location`);
        if (!d.message) fail(`${d.code} without a message`);
      }
      if (result.diagnostics.some((d) => d.severity === 'error') && result.runs.length > 0) fail('runs emitted despite errors');
    } catch (error) {
      report.crashes++;
      fail(`uncaught ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }
  return report;
}
