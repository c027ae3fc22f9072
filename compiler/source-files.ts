/**
 * Which files a command line names: files as given, folders walked for `.abl`, `.yaml` and
 * `.yml` (sorted, skipping `node_modules` and dot-folders). Its own module so that callers
 * can list files without loading the parser (`ablate check`'s result cache).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The source files under `paths`: files as given, folders walked for .abl/.yaml/.yml (sorted). */
export function collectSourceFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(abl|ya?ml)$/i.test(name)) out.push(full);
    }
  };
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) walk(path);
    else out.push(path);
  }
  return out;
}
