/**
 * Runs one `ablate` subcommand in-process (a fresh commander program with only the
 * commands under test), capturing stdout, stderr and the exit code it sets.
 */
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerCheckCommand } from '../../cli/commands/check.ts';
import { registerCompileCommand } from '../../cli/commands/compile.ts';
import { registerFmtCommand } from '../../cli/commands/fmt.ts';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `check`, `compile` and `fmt`: the commands most tests drive. */
export function runAblate(args: string[]): Promise<CommandOutput> {
  return runCommands([registerCheckCommand, registerCompileCommand, registerFmtCommand], args);
}

/** Runs `ablate <args>` on a program that holds only the commands `register` adds. */
export async function runCommands(register: readonly ((program: Command) => unknown)[], args: string[]): Promise<CommandOutput> {
  const program = new Command('ablate').exitOverride();
  for (const add of register) add(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'ablate', ...args]);
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}
