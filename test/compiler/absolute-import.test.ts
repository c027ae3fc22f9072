import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';

describe('imports', () => {
  it('accepts an absolute path as well as one relative to the importing file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-import-'));
    const datasets = path.resolve('experiments/datasets.abl');
    const file = path.join(dir, 'abs.abl');
    writeFileSync(file, `import "${datasets}"\n\nexperiment abs extends nothing_here {\n}\n`);
    const codes = compileFile(file).diagnostics.map((d) => d.code);
    expect(codes).not.toContain('E010'); // the import resolved
    expect(codes.length).toBeGreaterThan(0); // the unknown base is still reported
  });
});
