#!/usr/bin/env node
// Entry point of the `ablate` command. Runs the compiled build of the current sources
// (cli/build.js: built at install, rebuilt after any edit, never stale); when it cannot be
// built, the TypeScript sources run through tsx's loader, as before.
let main;
try {
  const { compiledMain } = await import('./build.js');
  ({ main } = await import(await compiledMain()));
} catch {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
await main(process.argv);
