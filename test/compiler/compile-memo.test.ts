/**
 * `checkFiles` shares expanded and checked runs between the files it compiles
 * (compiler/compile-memo.ts): the result must be exactly what compiling each file on
 * its own gives — the same IRs, the same diagnostics — including when a run that fails
 * in one file's program succeeds in another's.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { checkFiles, collectSourceFiles, compileFile, SourceCache } from '../../compiler/compile.ts';
import { CompileMemo } from '../../compiler/compile-memo.ts';
import { sortDiagnostics, type Diagnostic } from '../../compiler/diagnostics.ts';
import { BASE, DATASET, writeFiles } from './fixtures.ts';

const key = (d: Diagnostic) => `${d.span.file}:${d.span.start.line}:${d.span.start.column} ${d.code} ${d.message}`;
const uniqueKeys = (ds: Diagnostic[]) => [...new Set(sortDiagnostics(ds).map(key))];

describe('runs shared between the files of one check', () => {
  it('experiments/: every file compiles to the same IRs and diagnostics with the memo as alone', () => {
    const files = collectSourceFiles(['experiments/']);
    const cache = new SourceCache();
    const memo = new CompileMemo();
    let shared = 0;
    for (const file of files) {
      const alone = compileFile(file);
      const withMemo = compileFile(file, { cache, memo });
      expect(withMemo.runs).toEqual(alone.runs);
      expect(withMemo.tables).toEqual(alone.tables);
      expect(withMemo.figures).toEqual(alone.figures);
      expect(withMemo.diagnostics.map(key)).toEqual(alone.diagnostics.map(key));
      shared += withMemo.runs.length;
    }
    expect(shared).toBeGreaterThan(200); // the paper's tables really do name common.abl's runs again
  });

  it('a run that fails where it is declared but resolves in an importing file is checked again there', () => {
    // common.abl names a base it does not import; the file that imports it declares that base.
    const dir = writeFiles({
      'data.abl': DATASET,
      'common.abl': 'import "data.abl"\nexperiment child extends base { train { epochs: 3 } }\n',
      'table.abl': `import "common.abl"\n${BASE}table t { rows { "child": child } }\n`,
      'other.abl': `import "data.abl"\n${BASE.replace('epochs: 2', 'epochs: 5')}experiment user extends base {}\n`,
    });
    const paths = ['common.abl', 'table.abl', 'other.abl'].map((f) => join(dir, f));
    const alone = paths.flatMap((p) => compileFile(p).diagnostics);
    const checked = checkFiles(paths);
    expect(uniqueKeys(checked.diagnostics)).toEqual(uniqueKeys(alone));
    // common.abl alone reports the unknown base; table.abl compiles child with its base.
    expect(alone.some((d) => d.span.file.endsWith('common.abl'))).toBe(true);
    const cache = new SourceCache();
    const memo = new CompileMemo();
    expect(compileFile(paths[0]!, { cache, memo }).runs).toEqual([]);
    const table = compileFile(paths[1]!, { cache, memo });
    expect(table.diagnostics).toEqual([]);
    expect(table.runs.find((r) => r.name === 'child')?.train.epochs).toBe(3);
  });

  it('a run is not reused in a program where one of the names it could see means something else', () => {
    // Both entries import exp.abl, which extends `base` — declared differently by each entry's other import.
    const dir = writeFiles({
      'data.abl': DATASET,
      'base2.abl': `import "data.abl"\n${BASE.replace('epochs: 2', 'epochs: 2')}`,
      'base5.abl': `import "data.abl"\n${BASE.replace('epochs: 2', 'epochs: 5')}`,
      'exp.abl': 'experiment child extends base { train { batch: 4 } }\n',
      'a.abl': 'import "base2.abl"\nimport "exp.abl"\n',
      'b.abl': 'import "base5.abl"\nimport "exp.abl"\ntable t { rows { "child": child } }\n',
    });
    const cache = new SourceCache();
    const memo = new CompileMemo();
    const a = compileFile(join(dir, 'a.abl'), { cache, memo, only: 'child' });
    const b = compileFile(join(dir, 'b.abl'), { cache, memo, only: 'child' });
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.runs[0]!.train.epochs).toBe(2);
    expect(b.runs[0]!.train.epochs).toBe(5);
    expect(b.runs).toEqual(compileFile(join(dir, 'b.abl'), { only: 'child' }).runs);
  });
});
