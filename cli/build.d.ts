/** Types of cli/build.js (plain JavaScript: it runs before anything can load TypeScript). */
/** A key that changes whenever a source file under `root` is added, removed or written. */
export function fingerprint(root?: string): string;
/** The file URL of the compiled `cli/main` for the current sources under `root`, built first when missing. */
export function compiledMain(root?: string): Promise<string>;
/** The build's `ablate --help` output when this process would print exactly that (not on a terminal), else undefined. */
export function compiledHelp(root?: string): Promise<string | undefined>;
