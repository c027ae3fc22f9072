/**
 * The in-plane resize (App. C, abdominal volumes at 256 × 256) as a data key: checked like every
 * key, in the Run IR and so in the spec hash only when set (runs without it keep their hashes).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compileFile } from '../../compiler/compile.ts';
import * as validators from '../../schemas/validators.generated.js';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

const withResize = (value: string) => BASE.replace('crop: 64 x 64', `crop: 64 x 64\n    resize: ${value}`);
const base = (text: string) => compileMarked({ 'main.abl': DATASET + text }).result.runs.find((r) => r.name === 'base')!;

describe('data.resize', () => {
  it('is absent from the IR when unset, present when set, and enters the spec hash', () => {
    const plain = base(BASE);
    const resized = base(withResize('96 x 80'));
    expect('resize' in plain.data).toBe(false);
    expect(resized.data.resize).toEqual([96, 80]);
    expect(resized.specHash).not.toBe(plain.specHash);
    expect(base(withResize('96 x 96')).specHash).not.toBe(resized.specHash);
    // Both IRs satisfy the Run IR schema (the key is optional there).
    expect(validators.run(plain)).toBe(true);
    expect(validators.run(resized)).toBe(true);
    expect(validators.run({ ...resized, data: { ...resized.data, resize: [256] } })).toBe(false);
  });

  // Each bad value: [source value with « at the expected position, code, message fragment].
  const bad: [string, string, string][] = [
    ['«256', 'E031', '`data.resize` expects n x n'],
    ['«256 x 256 x 32', 'E037', '`data.resize` needs 2 values, found 3'],
    ['256 x «0', 'E033', '`data.resize` must be > 0, found 0'],
    ['256 x «128.5', 'E032', '`data.resize` must be a whole number, found 128.5'],
    ['«256 x 256 mm', 'E040', '`data.resize` does not take the unit `mm`'],
    ['«32 x 256', 'E111', '`data.resize: 32 x 256` is smaller in-plane than the crop 64 x 64'],
  ];
  it.each(bad)('resize: %s is %s at its line:col', (value, code, message) => {
    const b = compileMarked({ 'main.abl': DATASET + withResize(value) });
    expect(b.result.diagnostics.map((d) => [d.code, where(d, b.dir)])).toEqual([[code, `main.abl:${b.mark!.line}:${b.mark!.column}`]]);
    expect(b.result.diagnostics[0]!.message).toContain(message);
  });

  it('a misspelt key gets a did-you-mean', () => {
    const b = compileMarked({ 'main.abl': DATASET + BASE.replace('crop: 64 x 64', 'crop: 64 x 64\n    «resise: 96 x 96') });
    expect(b.result.diagnostics.map((d) => [d.code, where(d, b.dir), d.hint])).toEqual([['E030', `main.abl:${b.mark!.line}:${b.mark!.column}`, expect.stringContaining('resize')]]);
  });

  it("the paper's abdominal specs resize to 256 x 256 with 8 mm slices (App. C); the cardiac ones do not", () => {
    const paper = join(import.meta.dirname, '..', '..', 'experiments', 'paper');
    const abdominal = compileFile(join(paper, 'table6.abl'));
    expect(abdominal.diagnostics).toEqual([]);
    expect(abdominal.runs.length).toBeGreaterThan(0);
    for (const run of abdominal.runs) expect([run.name, run.data.resize, run.data.spacing?.[2]]).toEqual([run.name, [256, 256], 8]);
    const cardiac = compileFile(join(paper, 'table1.abl'));
    expect(cardiac.runs.length).toBeGreaterThan(0);
    for (const run of cardiac.runs) expect('resize' in run.data).toBe(false);
  });
});
