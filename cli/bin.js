#!/usr/bin/env node
// Entry point of the `ablate` command. Runs the compiled build of the current sources
// (cli/build.js: built at install, rebuilt after any edit, never stale); when it cannot be
// built, the TypeScript sources run through tsx's loader, as before.
let main;
let help;
// `ablate check` is over in well under a second: V8's optimizing compiler, working on a
// second thread, cost more CPU than it saved (~20 % of a `check experiments/`). Ten times its
// default budget before a function is optimized leaves a long check (a large sweep) optimized, later.
if (process.argv[2] === 'check') process.getBuiltinModule?.('node:v8').setFlagsFromString('--interrupt-budget=675840');
try {
  const { compiledHelp, compiledMain } = await import('./build.js');
  // A plain `ablate --help` (not on a terminal) is the text the build printed for it.
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) help = await compiledHelp();
  if (help === undefined) ({ main } = await import(await compiledMain()));
} catch {
  help = undefined;
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
if (help !== undefined) process.stdout.write(help);
else await main(process.argv);
