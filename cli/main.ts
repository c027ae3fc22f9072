/**
 * The `ablate` command. Each subcommand lives in `cli/commands/<name>.ts` and exports a
 * `register…Command(program)` function; this file only wires them together.
 * Only `cli/` calls `process.exit` and turns 0-based positions into 1-based ones.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerCheckCommand } from './commands/check.ts';
import { registerCompileCommand } from './commands/compile.ts';
import { registerDataCommand } from './commands/data.ts';
import { registerDiffCommand } from './commands/diff.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerFmtCommand } from './commands/fmt.ts';
import { registerGraphCommand } from './commands/graph.ts';
import { registerLaunchCommand } from './commands/launch.ts';
import { registerLspCommand } from './commands/lsp.ts';
import { registerPredictCommand } from './commands/predict.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerReproduceCommand } from './commands/reproduce.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerScoreCommand } from './commands/score.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerSyncCommand } from './commands/sync.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('ablate')
    .description('Experiment language and compiler for unpaired multi-modal (CT + MRI) segmentation research')
    .version(pkg.version)
    .showHelpAfterError();
  for (const register of commandRegistrations) register(program);
  return program;
}

type Registration = (program: Command) => void;

// Subcommands, in the order `ablate --help` lists them.
const commandRegistrations: Registration[] = [registerCheckCommand, registerCompileCommand, registerFmtCommand, registerDataCommand, registerGraphCommand, registerDiffCommand, registerRunCommand, registerReproduceCommand, registerLaunchCommand, registerStatusCommand, registerReportCommand, registerSyncCommand, registerPredictCommand, registerExportCommand, registerScoreCommand, registerLspCommand];

/** Runs the command line; the only place that sets the exit code for uncaught errors. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`ablate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
