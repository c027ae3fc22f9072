/**
 * `ablate diff <file> <A> <B>`: the Run IR paths where two runs of a spec differ, each with
 * both values and the `file:line:col` where each was set (through `extends`, imports,
 * sweep points and `-s`). A and B are table row labels ("Joint V3"), run names
 * (`fig5_tau[loss.icr.tau=4]`) or experiment / repeat names; a repeat (or a row naming one)
 * is compared draw by draw. `ablate diff --ir a.json b.json` compares two IR files (values
 * only). `--format json` prints the list.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { CompileResult } from '../../compiler/compile.ts';
import { diffRunIrs, type IrDifference } from '../../compiler/diff-ir.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';

interface DiffCliOptions {
  ir?: boolean;
  set: string[];
  format: 'text' | 'json';
}

export interface LocatedDifference extends IrDifference {
  /** 1-based `file:line:col` of the entry that set each side's value (absent for --ir). */
  aAt?: string;
  bAt?: string;
}

/** The runs a name stands for: a table row label, a run name, or an experiment / repeat / sweep. */
export function runsNamed(result: CompileResult, name: string): RunIR[] {
  for (const table of result.tables) {
    const row = table.rows.find((r) => r.label === name && r.kind !== 'paper-only');
    if (row) return row.runs.map((n) => result.runs.find((r) => r.name === n)).filter((r): r is RunIR => r !== undefined);
  }
  const exact = result.runs.filter((r) => r.name === name);
  if (exact.length) return exact;
  return result.runs.filter((r) => r.origin.group?.name === name);
}

/** Differences of A and B run by run (draw i against draw i), merged by path. */
export function locatedDiff(result: CompileResult, a: RunIR[], b: RunIR[]): LocatedDifference[] {
  const at = (run: string, path: string) => {
    const span = result.locate(run, path);
    return span ? `${span.file}:${span.start.line + 1}:${span.start.column + 1}` : undefined;
  };
  const byPath = new Map<string, LocatedDifference>();
  const pairs = Math.min(a.length, b.length);
  for (let i = 0; i < pairs; i++) {
    for (const d of diffRunIrs(a[i]!, b[i]!)) {
      if (byPath.has(d.path)) continue;
      const aAt = at(a[i]!.name, d.path);
      const bAt = at(b[i]!.name, d.path);
      byPath.set(d.path, { ...d, ...(aAt ? { aAt } : {}), ...(bAt ? { bAt } : {}) });
    }
  }
  return [...byPath.values()];
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

function renderText(aName: string, bName: string, diffs: LocatedDifference[]): string {
  const lines = [`${aName} vs ${bName}: ${diffs.length === 0 ? 'no difference in the Run IR' : `${diffs.length} path(s) differ`}`];
  for (const d of diffs) {
    lines.push(`  ${d.path}`);
    lines.push(`    ${aName}: ${show(d.a)}${d.aAt ? `  (${d.aAt})` : ''}`);
    lines.push(`    ${bName}: ${show(d.b)}${d.bAt ? `  (${d.bAt})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description('the Run IR paths where two runs differ, with both values and where each was set')
    .argument('<first>', 'a spec file (or, with --ir, the first Run IR JSON)')
    .argument('<second>', 'a row label, run, experiment or repeat (or, with --ir, the second Run IR JSON)')
    .argument('[third]', 'the second row label, run, experiment or repeat')
    .option('--ir', 'compare two Run IR JSON files (`ablate compile` output)')
    .option('-s, --set <key=value>', 'override a value for both sides (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .action(async (first: string, second: string, third: string | undefined, options: DiffCliOptions) => {
      let diffs: LocatedDifference[];
      let names: [string, string];
      if (options.ir) {
        const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunIR;
        let a: RunIR;
        let b: RunIR;
        try {
          a = read(first);
          b = read(second);
        } catch (error) {
          process.stderr.write(`ablate diff: cannot read a Run IR: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = 1;
          return;
        }
        diffs = diffRunIrs(a, b);
        names = [first, second];
      } else {
        if (third === undefined) {
          process.stderr.write('ablate diff: expected <file> <A> <B>\n  = hint: `ablate diff experiments/paper/table7.abl "Joint V3" "Joint V3 + L_mcr"`, or `--ir a.json b.json`\n');
          process.exitCode = 1;
          return;
        }
        const { compileFile } = await import('../../compiler/compile.ts');
        const { hasErrors } = await import('../../compiler/diagnostics.ts');
        const result = compileFile(first, { overrides: options.set });
        if (hasErrors(result.diagnostics)) {
          process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
          process.exitCode = 1;
          return;
        }
        const a = runsNamed(result, second);
        const b = runsNamed(result, third);
        for (const [name, runs] of [[second, a], [third, b]] as const) {
          if (runs.length === 0) {
            const labels = result.tables.flatMap((t) => t.rows.filter((r) => r.kind !== 'paper-only').map((r) => `"${r.label}"`));
            process.stderr.write(`ablate diff: ${first} has no row, run, experiment or repeat named '${name}'\n  = hint: known rows: ${labels.join(', ') || '(none)'}; runs: ${result.runs.map((r) => r.name).slice(0, 8).join(', ')}\n`);
            process.exitCode = 1;
            return;
          }
        }
        if (a.length !== b.length) process.stderr.write(`note: ${second} has ${a.length} run(s), ${third} ${b.length}; comparing the first ${Math.min(a.length, b.length)} pairwise\n`);
        diffs = locatedDiff(result, a, b);
        names = [second, third];
      }
      if (options.format === 'json') process.stdout.write(`${JSON.stringify({ a: names[0], b: names[1], differences: diffs }, null, 2)}\n`);
      else process.stdout.write(renderText(names[0], names[1], diffs));
    });
}
