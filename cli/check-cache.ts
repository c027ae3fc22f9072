/**
 * `ablate check`'s results kept per checked file, so that checking files that did not
 * change answers without loading the parser and the checker (≈250 ms of every
 * `ablate check experiments/`), as `eslint --cache` does.
 *
 * An entry is used only when it is exactly what checking again would give:
 *  - it was made by the same ablate code (the compiled build's fingerprint: every source
 *    file's path, size and mtime, package.json, the Node version) from the same working
 *    folder, for the same path as given;
 *  - every file the check read — the file, everything it imports, and each import it looked
 *    for and did not find — still has the same content (sha256), or is still missing.
 * A file the check read decides its imports, so unchanged contents mean the same files are
 * read again. Entries live in node_modules/.cache/ablate-check/ (written whole, then renamed).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniqueDiagnostics, type Diagnostic } from '../compiler/diagnostics.ts';
import { collectSourceFiles } from '../compiler/source-files.ts';

/** Bump when an entry's layout or what a check computes from its inputs changes outside the sources. */
const FORMAT = 1;
/** Entries kept: beyond this many, the oldest go. */
const MAX_ENTRIES = 2000;

interface Entry {
  format: number;
  /** What was read: path as the checker asked for it → sha256 of its text, null when it could not be read. */
  reads: [string, string | null][];
  diagnostics: Diagnostic[];
  /** Text of the files the diagnostics point into (for rendering). */
  sources: [string, string][];
}

export interface FileCheck {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export interface CachedCheckResult {
  files: string[];
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  /** Files answered from the cache. */
  cached: number;
}

export interface CheckCacheOptions {
  /** Folder of the entries (default: node_modules/.cache/ablate-check of this installation). */
  dir?: string;
  /** Key of the checker's code (default: the compiled build's fingerprint). */
  codeKey?: string;
  /** Default process.cwd(). */
  cwd?: string;
}

export const DEFAULT_CHECK_CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/ablate-check/', import.meta.url));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The fingerprint bin.js started this build under, else computed (sources run through tsx, tests). */
async function currentCodeKey(): Promise<string> {
  const started = (globalThis as Record<symbol, unknown>)[Symbol.for('ablate.buildKey')];
  if (typeof started === 'string') return started;
  const { fingerprint } = (await import('./build.js')) as { fingerprint: () => string };
  return fingerprint();
}

/**
 * Checks the files under `paths` like `checkFiles`, answering unchanged files from the cache
 * and checking the others (imports parsed once, runs shared), whose results are then kept.
 */
export async function checkFilesCached(paths: readonly string[], options: CheckCacheOptions = {}): Promise<CachedCheckResult> {
  const dir = options.dir ?? DEFAULT_CHECK_CACHE_DIR;
  const cwd = options.cwd ?? process.cwd();
  const codeKey = options.codeKey ?? (await currentCodeKey());
  const files = collectSourceFiles(paths);
  const entryPath = (file: string) => join(dir, `${sha256(`${FORMAT}\0${codeKey}\0${cwd}\0${file}`).slice(0, 40)}.json`);
  const results = new Map<string, FileCheck>();
  const misses: string[] = [];
  for (const file of files) {
    const hit = lookup(entryPath(file), cwd);
    if (hit) results.set(file, hit);
    else misses.push(file);
  }
  if (misses.length > 0) {
    const { checkFile, SourceCache } = await import('../compiler/compile.ts');
    const { CompileMemo } = await import('../compiler/compile-memo.ts');
    const shared = new SourceCache();
    const memo = new CompileMemo();
    for (const file of misses) {
      const reads = new Map<string, string | null>();
      let changedMeanwhile = false;
      // Every read goes through the shared cache (an import is parsed once); this one notes what
      // the file holds now, before the check may throw, and whether the parse saw the same text.
      const cache = new (class extends SourceCache {
        override read(path: string) {
          const now = reads.has(path) ? reads.get(path)! : readText(resolve(cwd, path));
          reads.set(path, now);
          const loaded = shared.read(path);
          if ((loaded?.text ?? null) !== now) changedMeanwhile = true;
          return loaded;
        }
      })();
      const result = checkFile(file, { cache, memo, cwd });
      results.set(file, result);
      if (!changedMeanwhile) store(entryPath(file), dir, reads, result);
    }
  }
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    const result = results.get(file)!;
    diagnostics.push(...result.diagnostics);
    for (const [f, text] of result.sources) sources.set(f, text);
  }
  return { files, diagnostics: uniqueDiagnostics(diagnostics), sources, cached: files.length - misses.length };
}

/** The entry's result when everything it read is unchanged. */
function lookup(path: string, cwd: string): FileCheck | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
  } catch {
    return undefined; // none yet, or unreadable: check again
  }
  if (entry.format !== FORMAT || !Array.isArray(entry.reads)) return undefined;
  for (const [file, hash] of entry.reads) {
    const text = readText(resolve(cwd, file));
    if ((text === null ? null : sha256(text)) !== hash) return undefined;
  }
  return { diagnostics: entry.diagnostics, sources: new Map(entry.sources) };
}

function store(path: string, dir: string, reads: Map<string, string | null>, result: FileCheck): void {
  const shown = new Set(result.diagnostics.map((d) => d.span.file));
  const entry: Entry = {
    format: FORMAT,
    reads: [...reads].map(([file, text]) => [file, text === null ? null : sha256(text)]),
    diagnostics: result.diagnostics,
    sources: [...result.sources].filter(([file]) => shown.has(file)),
  };
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entry));
    renameSync(temp, path);
    if (Math.random() < 0.05) prune(dir);
  } catch {
    // A cache that cannot be written only costs time.
  }
}

/** Keeps the newest MAX_ENTRIES entries. */
function prune(dir: string): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const byAge = names.map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs })).sort((a, b) => b.mtime - a.mtime);
  for (const old of byAge.slice(MAX_ENTRIES)) rmSync(join(dir, old.name), { force: true });
}
