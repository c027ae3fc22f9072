/**
 * `ablate fmt [--check] <files...>`: rewrite `.abl` files in the canonical layout
 * (dsl/format.ts), or with `--check` list the files that are not formatted and exit 1.
 * Files with syntax errors are reported and left alone.
 */
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { renderDiagnostics } from '../render-diagnostic.ts';

interface FmtOptions {
  check?: boolean;
}

export function registerFmtCommand(program: Command): void {
  program
    .command('fmt')
    .description('format .abl files in place (--check: only report files that would change)')
    .argument('<paths...>', 'files or folders')
    .option('--check', 'exit 1 and list the files that are not formatted; change nothing')
    .action(async (paths: string[], options: FmtOptions) => {
      const { collectSourceFiles } = await import('../../compiler/compile.ts');
      const { fromSyntaxDiagnostic } = await import('../../compiler/load-source.ts');
      const { formatText } = await import('../../dsl/format.ts');
      const files = collectSourceFiles(paths).filter((f) => extname(f).toLowerCase() === '.abl');
      let unformatted = 0;
      let failed = false;
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        const result = formatText(text, file);
        if (result.formatted === undefined) {
          process.stderr.write(renderDiagnostics(result.diagnostics.map(fromSyntaxDiagnostic), 'text', new Map([[file, text]])));
          failed = true;
          continue;
        }
        if (result.formatted === text) continue;
        unformatted++;
        if (options.check) process.stdout.write(`${file}\n`);
        else writeFileSync(file, result.formatted);
      }
      if (options.check && unformatted > 0) process.stderr.write(`${unformatted} file${unformatted === 1 ? '' : 's'} not formatted; run \`ablate fmt\`\n`);
      if (failed || (options.check && unformatted > 0)) process.exitCode = 1;
    });
}
