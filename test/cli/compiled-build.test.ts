/**
 * The compiled build `ablate` starts from (cli/build.js): built from the sources, keyed by
 * them so an edit is never answered by stale code, lazily imported modules kept lazy, and
 * `import.meta.url` still the source file's (paths next to sources keep working).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledMain, fingerprint } from '../../cli/build.js';

const root = mkdtempSync(join(tmpdir(), 'ablate-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

write('package.json', JSON.stringify({ name: 'tiny', version: '1.2.3', type: 'module' }));
write('cli/main.ts', `import { readFileSync } from 'node:fs';
export async function main(): Promise<string> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const { greeting } = await import('../compiler/greeting.ts');
  return \`\${greeting()} \${pkg.version} \${import.meta.url}\`;
}
`);
write('compiler/greeting.ts', "export const greeting = (): string => 'v1';\n");

async function runMain(): Promise<{ url: string; out: string }> {
  const url = await compiledMain(root);
  const { main } = (await import(url)) as { main: () => Promise<string> };
  return { url, out: await main() };
}

describe('compiled build', () => {
  it('runs the sources compiled, with import.meta.url pointing at the source file', async () => {
    const { url, out } = await runMain();
    expect(fileURLToPath(url).startsWith(join(root, 'node_modules', '.cache', 'ablate-build'))).toBe(true);
    expect(out).toBe(`v1 1.2.3 ${pathToFileURL(join(root, 'cli', 'main.ts')).href}`);
    // The lazily imported module is its own chunk, not inlined into the entry.
    expect(readFileSync(fileURLToPath(url), 'utf8')).not.toContain("'v1'");
  });

  it('the build says it is ES modules: Node need not parse each chunk twice to detect that', async () => {
    const { url } = await runMain();
    // Node's search for a module's package.json, which stops at a node_modules folder.
    let dir = join(fileURLToPath(url), '..');
    let scope: string | undefined;
    while (scope === undefined && !dir.endsWith(`${join('/', 'node_modules')}`)) {
      if (existsSync(join(dir, 'package.json'))) scope = join(dir, 'package.json');
      else dir = join(dir, '..');
    }
    expect(scope).toBeDefined();
    expect(JSON.parse(readFileSync(scope!, 'utf8')).type).toBe('module');
  });

  it('an edited source gives a new build: never stale', async () => {
    const first = await runMain();
    const before = fingerprint(root);
    write('compiler/greeting.ts', "export const greeting = (): string => 'v2';\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'compiler/greeting.ts'), later, later);
    expect(fingerprint(root)).not.toBe(before);
    const second = await runMain();
    expect(second.url).not.toBe(first.url);
    expect(second.out.startsWith('v2 ')).toBe(true);
  });

  it('a new source file changes the key; an unchanged tree keeps it', () => {
    const key = fingerprint(root);
    expect(fingerprint(root)).toBe(key);
    write('dsl/new.ts', 'export {};\n');
    expect(fingerprint(root)).not.toBe(key);
  });

  it('the real sources build (bin.js would otherwise fall back to tsx without a word)', async () => {
    const url = await compiledMain();
    expect(fileURLToPath(url)).toBe(join(fileURLToPath(new URL('../../node_modules/.cache/ablate-build/', import.meta.url)), fingerprint(), 'cli', 'main.js'));
  });

  it('a plain `ablate --help` is the text the build printed for it, byte for byte what the command prints', async () => {
    const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
    const url = await compiledMain();
    const kept = readFileSync(join(fileURLToPath(url), '..', '..', 'help.txt'), 'utf8');
    const shortcut = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    const env = { ...process.env };
    delete env['FORCE_COLOR'];
    const command = spawnSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(url)}); await main(['node', 'ablate', '--help']);`], { encoding: 'utf8', env });
    expect([shortcut.status, command.status]).toEqual([0, 0]);
    expect(command.stdout).toContain('Usage: ablate [options] [command]');
    expect(shortcut.stdout).toBe(command.stdout);
    expect(kept).toBe(command.stdout);
  });

  it('bin.js starts the real command from its build', () => {
    const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});
