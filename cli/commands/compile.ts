/**
 * `ablate compile <file> [-e NAME] [--emit ir|yaml|plan] [-s key=value]...`: the Run IRs
 * (and table/figure IRs) of a file as JSON or YAML, or the plan: one line per concrete
 * run with its spec hash.
 */
import { Command, Option } from 'commander';
import type { CompileResult } from '../../compiler/compile.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';

interface CompileCliOptions {
  experiment?: string;
  emit: 'ir' | 'yaml' | 'plan';
  set: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The plan view: `<specHash>  <run name>` per run, then the tables and figures that use them. */
export function renderPlan(result: CompileResult): string {
  const lines = result.runs.map((run) => `${run.specHash}  ${run.name}`);
  for (const table of result.tables) lines.push(`table ${table.name}: ${table.rows.length} rows (${table.rows.filter((r) => r.kind !== 'paper-only').length} run)`);
  for (const figure of result.figures) lines.push(`figure ${figure.name}: ${figure.points.length} points over ${figure.sweep}`);
  return `${lines.join('\n')}\n`;
}

export function registerCompileCommand(program: Command): void {
  program
    .command('compile')
    .description('compile a file to Run IR (JSON or YAML) or print its plan of concrete runs')
    .argument('<file>', 'experiment file (.abl, .yaml, .yml, .json)')
    .option('-e, --experiment <name>', 'only this declaration (experiment, sweep, repeat, table or figure)')
    .addOption(new Option('--emit <what>', 'output').choices(['ir', 'yaml', 'plan']).default('ir'))
    .option('-s, --set <key=value>', 'override a value, checked like the file (repeatable): -s loss.icr.tau=2', collect, [])
    .action(async (file: string, options: CompileCliOptions) => {
      // Loaded on use, so other commands do not pay for the parser and ajv at start-up.
      const { compileFile } = await import('../../compiler/compile.ts');
      const { hasErrors } = await import('../../compiler/diagnostics.ts');
      const result = compileFile(file, { overrides: options.set, ...(options.experiment ? { only: options.experiment } : {}) });
      if (hasErrors(result.diagnostics)) {
        process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
        process.exitCode = 1;
        return;
      }
      const document = { runs: result.runs, tables: result.tables, figures: result.figures };
      if (options.emit === 'plan') process.stdout.write(renderPlan(result));
      else if (options.emit === 'yaml') process.stdout.write((await import('yaml')).stringify(document, { lineWidth: 0 }));
      else process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    });
}
