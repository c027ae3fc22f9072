// The compiled `ablate`: the TypeScript sources bundled by esbuild (tsx's own compiler)
// into ES modules, one chunk per lazily imported module, so a start runs JavaScript
// instead of compiling TypeScript (≈1 s). A build is keyed by a fingerprint of every
// source file (path, size, mtime): an edited source gives a new key, so a stale build is
// never run. `npm install`/`npm ci` build it (`prepare`); otherwise the first start after
// an edit does. Plain JavaScript: it must run before anything can load TypeScript.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository this file belongs to; the functions below take another root for tests. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Folders whose files the command is built from. */
const SOURCE_DIRS = ['cli', 'compiler', 'dsl', 'runtime', 'schemas'];
const SOURCE_FILE = /\.(ts|js|json|mjs)$/;
/** Bump when the build options below change. */
const BUILD_FORMAT = 1;
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

function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE_FILE.test(entry.name)) out.push(full);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return out.sort();
}

/** A key that changes whenever a source file is added, removed or written. */
export function fingerprint(root = ROOT) {
  const hash = createHash('sha256').update(`${BUILD_FORMAT}\0${root}\0${process.version}\n`);
  for (const file of [...sourceFiles(root), join(root, 'package.json')]) {
    const s = statSync(file);
    hash.update(`${relative(root, file)}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 20);
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
      const text = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** Builds into a private folder, then renames it into place (another process may win the race). */
async function build(root, key) {
  const esbuild = loadEsbuild();
  const buildsDir = buildsDirOf(root);
  const target = join(buildsDir, key);
  const temp = join(buildsDir, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
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
      packages: 'external',
      logLevel: 'silent',
      plugins: [sourceUrlPlugin],
    });
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
  return pathToFileURL(join(dir, ENTRY)).href;
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
