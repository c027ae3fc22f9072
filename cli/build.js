// The compiled `ablate`: the TypeScript sources bundled by esbuild (tsx's own compiler)
// into ES modules, one chunk per lazily imported module, so a start runs JavaScript
// instead of compiling TypeScript (≈1 s). The small pure-JavaScript packages the compiler
// and the command line use are bundled in (`BUNDLED`): Node resolving and loading their
// files one by one cost ~20 % of `ablate check`. A build is keyed by a fingerprint of every
// source file (path, size, mtime): an edited source gives a new key, so a stale build is
// never run. `npm install`/`npm ci` build it (`prepare`); otherwise the first start after
// an edit does. Plain JavaScript: it must run before anything can load TypeScript.
// node:fs as CommonJS where Node offers it: its ES module facade loads fs streams (~5 ms of every start).
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule?.('node:fs') ?? (await import('node:fs'));
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository this file belongs to; the functions below take another root for tests. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Folders whose files the command is built from. */
const SOURCE_DIRS = ['cli', 'compiler', 'dsl', 'runtime', 'schemas'];
const SOURCE_FILE = /\.(ts|js|json|mjs)$/;
/** Bump when the build options below change. */
const BUILD_FORMAT = 3;
/**
 * Packages compiled into the build rather than loaded from node_modules at run time: pure
 * JavaScript, no native parts, no files read next to their own modules. Everything else
 * (tfjs, onnxruntime, the language server…) stays external.
 */
const BUNDLED = new Set(['commander', 'yaml', 'ajv', 'ajv-formats', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'fastest-levenshtein', 'chevrotain']);
const buildsDirOf = (root) => join(root, 'node_modules', '.cache', 'ablate-build');
const ENTRY = join('cli', 'main.js');
/** Builds kept besides the current one (another process may still be running one). */
const KEEP = 8;
const PRUNE_AFTER_MS = 24 * 3600 * 1000;

/** The esbuild that tsx depends on, resolved from tsx's own folder (wherever npm put it). */
function loadEsbuild() {
  const requireFromRoot = createRequire(join(ROOT, 'package.json'));
  const tsxPackage = requireFromRoot.resolve('tsx/package.json');
  return createRequire(tsxPackage)('esbuild');
}

/**
 * Two 32-bit FNV-1a hashes (different offsets) of `text`, as 16 hex digits. Not a
 * cryptographic hash: it only tells builds apart, and loading node:crypto alone cost
 * ~7 ms of every start.
 */
function hash64(text) {
  // Four bytes a step (the UTF-8 bytes read as 32-bit words): this loop runs cold, once per start.
  const bytes = new TextEncoder().encode(text);
  const words = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  const mix = (c) => {
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  };
  for (let i = 0; i < words.length; i++) mix(words[i]);
  for (let i = words.length * 4; i < bytes.length; i++) mix(bytes[i]);
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * A key that changes whenever a source file is added, removed or written. One stat per
 * entry, names only from readdir (typed entries cost an lstat each where the file system
 * does not report types): this runs at every start.
 */
export function fingerprint(root = ROOT) {
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  const lines = [];
  const walk = (rel) => {
    let names;
    try {
      names = readdirSync(base + rel);
    } catch {
      return; // a source folder this tree does not have
    }
    for (const name of names) {
      const child = `${rel}/${name}`;
      const s = statSync(base + child);
      if (s.isDirectory()) walk(child);
      else if (SOURCE_FILE.test(name)) lines.push(`${child}\0${s.size}\0${s.mtimeMs}\n`);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  lines.sort();
  const pkg = statSync(`${base}package.json`);
  const text = `${BUILD_FORMAT}\0${root}\0${process.version}\n${lines.join('')}package.json\0${pkg.size}\0${pkg.mtimeMs}\n`;
  return `${hash64(text)}${text.length.toString(16)}`;
}

/**
 * Rewrites `import.meta.url` to the source file's own URL, so paths taken relative to a
 * module (package.json, worker scripts, generated validators) still point into the
 * sources although the code runs from the build folder.
 */
const sourceUrlPlugin = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|mjs)$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      let text = readFileSync(args.path, 'utf8');
      if (args.path.endsWith(join('dsl', 'chevrotain.ts'))) text = staticChevrotain(text);
      text = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * dsl/chevrotain.ts imports chevrotain's single-file bundle by a computed URL (it is not
 * in the package's `exports`), which esbuild cannot follow; in the build it becomes a
 * static import of that file, so it is bundled too. Left as written if the text changed.
 */
function staticChevrotain(text) {
  const loadCall = 'const chevrotain = await load();';
  if (!text.includes(loadCall)) return text;
  let bundle;
  try {
    bundle = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('chevrotain')), '..', 'chevrotain.mjs');
  } catch {
    return text;
  }
  if (!existsSync(bundle)) return text;
  return `import * as chevrotainBundle from ${JSON.stringify(bundle)};\n${text.replace(loadCall, 'const chevrotain = chevrotainBundle as unknown as Chevrotain;')}`;
}

/** Bundles the packages in `BUNDLED`; every other bare import stays an import of node_modules. */
const externalsPlugin = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || isAbsolute(args.path)) return args.path.startsWith('node:') ? { external: true } : undefined;
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

/** Bundled CommonJS packages `require` Node's built-in modules: give the ES module chunks a `require`. */
// (`import.meta` and `.url` apart: this file is bundled too, and the plugin above rewrites that text.)
const REQUIRE_BANNER = `import { createRequire as __ablateCreateRequire } from 'node:module'; const require = __ablateCreateRequire(import.meta${'.url'});`;

/** Builds into a private folder, then renames it into place (another process may win the race). */
async function build(root, key) {
  const esbuild = loadEsbuild();
  const buildsDir = buildsDirOf(root);
  const target = join(buildsDir, key);
  const temp = join(buildsDir, `${key}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
  mkdirSync(temp, { recursive: true });
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: [join(root, 'cli', 'main.ts')],
      outbase: root,
      outdir: temp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      banner: { js: REQUIRE_BANNER },
      plugins: [sourceUrlPlugin, externalsPlugin],
    });
    // The build lies under node_modules, where Node's search for the package.json that
    // says `"type": "module"` stops: without one of its own, Node parsed every chunk a
    // second time to detect its format (~15 % of `ablate check`).
    writeFileSync(join(temp, 'package.json'), '{ "type": "module" }\n');
    await writeHelp(temp);
    writeFileSync(join(temp, 'complete'), `${new Date().toISOString()}\n`);
    try {
      renameSync(temp, target);
    } catch {
      rmSync(temp, { recursive: true, force: true }); // built by another process meanwhile
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  prune(buildsDir, key);
}

/** Output of the build's `ablate --help` on a pipe, kept in the build folder. */
const HELP = 'help.txt';

/** True when `ablate --help` would print what `writeHelp` kept: not on a terminal (no width to fit, no colours forced). */
function helpIsPlain(env = process.env) {
  return !process.stdout.isTTY && env.FORCE_COLOR === undefined && env.CLICOLOR_FORCE === undefined;
}

/**
 * Runs the new build's `ablate --help` once, as on a pipe (commander's 80 columns), and
 * keeps its output: bin.js prints it for a plain `ablate --help` without loading the
 * command line at all. Nothing is kept when it fails; bin.js then runs the command.
 */
async function writeHelp(dir) {
  const { spawnSync } = await import('node:child_process'); // only when building: not part of every start
  const env = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.CLICOLOR_FORCE;
  const script = `const { main } = await import(${JSON.stringify(pathToFileURL(join(dir, ENTRY)).href)}); await main(['node', 'ablate', '--help']);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 60_000 });
  if (r.status === 0 && r.stdout) writeFileSync(join(dir, HELP), r.stdout);
}

/** Removes old builds: beyond the newest `KEEP`, and only those unused for a day. */
function prune(buildsDir, current) {
  const now = Date.now();
  const builds = readdirSync(buildsDir)
    .filter((name) => name !== current)
    .map((name) => ({ name, mtime: statSync(join(buildsDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP)) {
    if (now - old.mtime > PRUNE_AFTER_MS) rmSync(join(buildsDir, old.name), { recursive: true, force: true });
  }
}

/** The URL of the compiled `cli/main` for the current sources, built first when missing. */
export async function compiledMain(root = ROOT) {
  const key = fingerprint(root);
  const dir = join(buildsDirOf(root), key);
  if (!existsSync(join(dir, 'complete'))) await build(root, key);
  // The key of the code now running, for caches keyed by it (cli/check-cache.ts), without a second fingerprint.
  if (root === ROOT) globalThis[Symbol.for('ablate.buildKey')] = key;
  return pathToFileURL(join(dir, ENTRY)).href;
}

/**
 * The build's `ablate --help` text when the current process would print exactly that
 * (`helpIsPlain`), else undefined. Builds first when the sources changed.
 */
export async function compiledHelp(root = ROOT) {
  if (!helpIsPlain()) return undefined;
  const file = join(dirname(fileURLToPath(await compiledMain(root))), '..', HELP);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

// `node cli/build.js` (npm's `prepare`): build now, say where.
// A failed build does not fail the install: `ablate` then runs the sources through tsx.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const url = await compiledMain();
    process.stdout.write(`ablate: compiled build at ${relative(ROOT, fileURLToPath(url))}\n`);
  } catch (error) {
    process.stderr.write(`ablate: no compiled build (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the command runs the TypeScript sources through tsx\n`);
  }
}
