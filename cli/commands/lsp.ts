/**
 * `ablate lsp [--stdio]`: the language server for `.abl` files (and the YAML front end),
 * speaking LSP over stdin/stdout. Editors start it; see editors/vscode/ and cli/lsp/.
 */
import { Command } from 'commander';

export function registerLspCommand(program: Command): void {
  program
    .command('lsp')
    .description('run the language server (LSP over stdin/stdout) for editors')
    .option('--stdio', 'talk over stdin/stdout (the only transport; accepted because editors pass it)')
    .action(async () => {
      const { startServer } = await import('../lsp/server.ts');
      startServer();
    });
}
