/**
 * `ablate diff <file> <A> <B>`: the Run IR paths where two runs of a spec differ, each with
 * both values and the `file:line:col` where each was set (through `extends`, imports,
 * sweep points and `-s`). A and B are table row labels ("Joint V3"), run names
 * (`fig5_tau[loss.icr.tau=4]`) or experiment / repeat names; a repeat (or a row naming one)
 * is compared draw by draw. `ablate diff --ir a.json b.json` compares two IR files (values
 * only); `ablate diff <runA-id> <runB-id>` (or `--runs a b`) the Run IRs two MLflow runs
 * logged (FileStore or server), and the provenance tags where they differ (data hash,
 * ablate version, commit, backend, overrides). `--format json` prints the list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { CompileResult } from '../../compiler/compile.ts';
import { diffRunIrs, type IrDifference } from '../../compiler/diff-ir.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';

interface DiffCliOptions {
  ir?: boolean;
  runs?: boolean;
  trackingUri?: string;
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

function renderText(aName: string, bName: string, diffs: LocatedDifference[], tags: TagDifference[] = []): string {
  const lines = [`${aName} vs ${bName}: ${diffs.length === 0 ? 'no difference in the Run IR' : `${diffs.length} path(s) differ`}`];
  for (const d of diffs) {
    lines.push(`  ${d.path}`);
    lines.push(`    ${aName}: ${show(d.a)}${d.aAt ? `  (${d.aAt})` : ''}`);
    lines.push(`    ${bName}: ${show(d.b)}${d.bAt ? `  (${d.bAt})` : ''}`);
  }
  if (tags.length) lines.push(`provenance tags that differ: ${tags.length}`);
  for (const t of tags) lines.push(`  ${t.tag}`, `    ${aName}: ${show(t.a)}`, `    ${bName}: ${show(t.b)}`);
  return `${lines.join('\n')}\n`;
}

/** A provenance tag whose value differs between two runs (absent: undefined). */
export interface TagDifference {
  tag: string;
  a: string | undefined;
  b: string | undefined;
}

/** The provenance tags compared by `diff` on run ids: what made the runs and what they read. */
const PROVENANCE_TAGS = [
  'ablate.data.hash', 'ablate.data.kind', 'ablate.splitHash', 'ablate.version', 'ablate.git.commit', 'ablate.git.dirty',
  'ablate.backend', 'ablate.overrides', 'mlflow.source.git.commit',
];

export function tagDiff(a: Record<string, string>, b: Record<string, string>): TagDifference[] {
  return PROVENANCE_TAGS.filter((t) => a[t] !== b[t]).map((tag) => ({ tag, a: a[tag], b: b[tag] }));
}

/** The IRs two MLflow runs logged, compared; names are `<run name> (<first 8 of the id>)`. */
async function diffRuns(idA: string, idB: string, trackingUri: string | undefined): Promise<{ names: [string, string]; diffs: LocatedDifference[]; tags: TagDifference[] }> {
  const { createTracker } = await import('../../runtime/tracking/tracker.ts');
  const { readLoggedRun } = await import('../../runtime/tracking/run-ir-artifact.ts');
  const tracker = createTracker(trackingUri);
  try {
    const a = await readLoggedRun(tracker, idA);
    const b = await readLoggedRun(tracker, idB);
    const name = (r: typeof a) => `${r.ir.name} (${r.run.info.runId.slice(0, 8)})`;
    return { names: [name(a), name(b)], diffs: diffRunIrs(a.ir, b.ir), tags: tagDiff(a.run.data.tags, b.run.data.tags) };
  } finally {
    await tracker.close();
  }
}

export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description('the Run IR paths where two runs differ, with both values and where each was set')
    .argument('<first>', 'a spec file (or, with --ir, the first Run IR JSON; with --runs, the first MLflow run id)')
    .argument('<second>', 'a row label, run, experiment or repeat (or, with --ir / --runs, the second IR file / run id)')
    .argument('[third]', 'the second row label, run, experiment or repeat')
    .option('--ir', 'compare two Run IR JSON files (`ablate compile` output)')
    .option('--runs', 'compare the Run IRs two MLflow runs logged (two run ids; implied by two 32-hex ids)')
    .option('--tracking-uri <uri>', 'MLflow store of --runs: a folder, file:… or http(s)://… (default: $MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('-s, --set <key=value>', 'override a value for both sides (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .action(async (first: string, second: string, third: string | undefined, options: DiffCliOptions) => {
      let diffs: LocatedDifference[];
      let names: [string, string];
      let tags: TagDifference[] = [];
      const { RUN_ID } = await import('../../runtime/tracking/run-ir-artifact.ts');
      const runIds = !options.ir && third === undefined && RUN_ID.test(first) && RUN_ID.test(second) && !existsSync(first);
      if (options.runs || runIds) {
        if (third !== undefined) {
          process.stderr.write('ablate diff --runs: expected two MLflow run ids\n');
          process.exitCode = 1;
          return;
        }
        try {
          ({ names, diffs, tags } = await diffRuns(first, second, options.trackingUri));
        } catch (error) {
          const { describeError } = await import('../describe-error.ts');
          process.stderr.write(`ablate diff: ${describeError(error)}\n`);
          process.exitCode = 1;
          return;
        }
      } else if (options.ir) {
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
      if (options.format === 'json') process.stdout.write(`${JSON.stringify({ a: names[0], b: names[1], differences: diffs, ...(tags.length ? { tags } : {}) }, null, 2)}\n`);
      else process.stdout.write(renderText(names[0], names[1], diffs, tags));
    });
}
