/**
 * `ablate check <files|dirs...> [--format text|json|github]`: parse, resolve and check
 * experiment files (folders are walked for .abl, .yaml, .yml); exit code 1 on any error.
 */
import { Command, Option } from 'commander';
import { renderDiagnostics, summary, type DiagnosticFormat } from '../render-diagnostic.ts';

interface CheckOptions {
  format: DiagnosticFormat;
  cache: boolean;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('check experiment files (folders: every .abl, .yaml, .yml inside); exit 1 on any error')
    .argument('<paths...>', 'files or folders')
    .addOption(new Option('--format <format>', 'diagnostic format').choices(['text', 'json', 'github']).default('text'))
    .option('--no-cache', 'check every file again (by default a file whose contents, imports and ablate itself did not change is answered from node_modules/.cache/ablate-check)')
    .action(async (paths: string[], options: CheckOptions) => {
      // Loaded on use, so other commands do not pay for the parser and ajv at start-up; with
      // the cache, not even `check` when nothing changed.
      const { hasErrors } = await import('../../compiler/diagnostics.ts');
      const result = options.cache ? await (await import('../check-cache.ts')).checkFilesCached(paths) : (await import('../../compiler/compile.ts')).checkFiles(paths);
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
