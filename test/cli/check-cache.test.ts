/**
 * `ablate check`'s result cache (cli/check-cache.ts): an unchanged file is answered from
 * the cache with exactly what checking it gives, and anything the result depends on — the
 * file, a file it imports, an import that was missing and now exists, ablate's own code —
 * makes it check again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFilesCached } from '../../cli/check-cache.ts';
import { checkFiles } from '../../compiler/compile.ts';
import { BASE, DATASET, writeFiles } from '../compiler/fixtures.ts';
import { runAblate } from './run-command.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'ablate-check-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const BAD_SPLIT = BASE.replace('train: 60%', 'train: 70%');
const brief = (ds: { span: { file: string; start: { line: number } }; code: string; message: string }[], dir: string) =>
  ds.map((d) => `${d.span.file.slice(dir.length + 1)}:${d.span.start.line + 1} ${d.code} ${d.message}`);

describe('ablate check: results of unchanged files come from the cache', () => {
  it('the same diagnostics and sources as checking, answered without checking when nothing changed', async () => {
    const dir = writeFiles({ 'data.abl': DATASET, 'bad.abl': `import "data.abl"\n${BAD_SPLIT}`, 'ok.abl': `import "data.abl"\n${BASE}`, 'notes.yaml': 'not: [an, experiment' });
    const options = { dir: cacheDir, codeKey: 'code-1' };
    const fresh = checkFiles([dir]);
    const first = await checkFilesCached([dir], options);
    const second = await checkFilesCached([dir], options);
    expect([first.cached, second.cached]).toEqual([0, 4]);
    for (const result of [first, second]) {
      expect(result.files).toEqual(fresh.files);
      expect(JSON.parse(JSON.stringify(result.diagnostics))).toEqual(JSON.parse(JSON.stringify(fresh.diagnostics)));
      for (const d of fresh.diagnostics) expect(result.sources.get(d.span.file)).toBe(fresh.sources.get(d.span.file));
    }
    expect(brief(second.diagnostics, dir).some((line) => line.startsWith('bad.abl:6 E050'))).toBe(true);
  });

  it('an edited import, an import that appears, and other code make the importing file check again', async () => {
    const dir = writeFiles({ 'data.abl': DATASET, 'exp.abl': `import "data.abl"\nimport "extra.abl"\n${BASE}` });
    const options = { dir: cacheDir, codeKey: 'code-1' };
    const missing = await checkFilesCached([join(dir, 'exp.abl')], options);
    expect(missing.diagnostics.map((d) => d.code)).toEqual(['E010']); // extra.abl does not exist
    expect((await checkFilesCached([join(dir, 'exp.abl')], options)).cached).toBe(1);

    writeFileSync(join(dir, 'extra.abl'), '// nothing yet\n'); // the missing import appears
    const appeared = await checkFilesCached([join(dir, 'exp.abl')], options);
    expect([appeared.cached, appeared.diagnostics]).toEqual([0, []]);

    writeFileSync(join(dir, 'data.abl'), DATASET.replace('cases: 10 }, mri', 'cases: 10 }, mri { cases: 0 }, pet')); // an import changes
    const edited = await checkFilesCached([join(dir, 'exp.abl')], options);
    expect(edited.cached).toBe(0);
    expect(edited.diagnostics).toEqual(JSON.parse(JSON.stringify(checkFiles([join(dir, 'exp.abl')]).diagnostics)));
    expect(edited.diagnostics.length).toBeGreaterThan(0);

    expect((await checkFilesCached([join(dir, 'exp.abl')], options)).cached).toBe(1);
    expect((await checkFilesCached([join(dir, 'exp.abl')], { dir: cacheDir, codeKey: 'code-2' })).cached).toBe(0); // ablate changed
  });

  it('the command prints the same with and without the cache (--no-cache checks everything)', async () => {
    const dir = writeFiles({ 'data.abl': DATASET, 'bad.abl': `import "data.abl"\n${BAD_SPLIT}` });
    const outputs = [];
    for (const args of [['check', dir], ['check', dir], ['check', '--no-cache', dir], ['check', '--format', 'json', dir], ['check', '--no-cache', '--format', 'json', dir]]) outputs.push(await runAblate(args));
    expect(outputs[0]!.exitCode).toBe(1);
    expect(outputs[0]!.stderr).toContain(`${join(dir, 'bad.abl')}:6:5: error[E050]`);
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    expect(outputs[3]).toEqual(outputs[4]);
  });
});
