/**
 * `ablate check <files|dirs...> [--format text|json|github]`: parse, resolve and check
 * experiment files (folders are walked for .abl, .yaml, .yml); exit code 1 on any error.
 */
import { Command, Option } from 'commander';
import { renderDiagnostics, summary, type DiagnosticFormat } from '../render-diagnostic.ts';

interface CheckOptions {
  format: DiagnosticFormat;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check experiment files (folders: every .abl, .yaml, .yml inside); exit 1 on any error')
    .argument('<paths...>', 'files or folders')
    .addOption(new Option('--format <format>', 'diagnostic format').choices(['text', 'json', 'github']).default('text'))
    .action(async (paths: string[], options: CheckOptions) => {
      // Loaded on use, so other commands do not pay for the parser and ajv at start-up.
      const { checkFiles } = await import('../../compiler/compile.ts');
      const { hasErrors } = await import('../../compiler/diagnostics.ts');
      const result = checkFiles(paths);
      const out = renderDiagnostics(result.diagnostics, options.format, result.sources);
      if (options.format === 'text') {
        process.stderr.write(out);
        process.stderr.write(`${result.diagnostics.length ? '\n' : ''}checked ${result.files.length} file${result.files.length === 1 ? '' : 's'}: ${summary(result.diagnostics)}\n`);
      } else {
        process.stdout.write(out);
      }
      if (hasErrors(result.diagnostics)) process.exitCode = 1;
    });
}
