/**
 * Imports: relative to the importing file, a file imported along two paths (a diamond)
 * is loaded once and is no cycle, declarations from transitive imports are visible.
 */
import { describe, expect, it } from 'vitest';
import { BASE, compileMarked, DATASET } from './fixtures.ts';

describe('imports', () => {
  it('resolve relative to the importing file, transitively, diamonds allowed', () => {
    const { result } = compileMarked({
      'specs/main.abl': 'import "lib/a.abl"\nimport "lib/b.abl"\nexperiment top extends base { train.epochs: 3 }\n',
      'specs/lib/a.abl': 'import "../../shared/data.abl"\nimport "b.abl"\n',
      'specs/lib/b.abl': `import "../../shared/data.abl"\n${BASE}`,
      'shared/data.abl': DATASET,
    }, { entry: 'specs/main.abl' });
    expect(result.diagnostics).toEqual([]);
    expect(result.runs.map((r) => [r.name, r.train.epochs, r.origin.file])).toEqual([['top', 3, 'specs/main.abl']]);
  });

  it('a declaration in an imported file is not run by the importer unless a table names it', () => {
    const { result } = compileMarked({ 'main.abl': 'import "lib.abl"\n', 'lib.abl': DATASET + BASE });
    expect(result.diagnostics).toEqual([]);
    expect(result.runs).toEqual([]);
    const withTable = compileMarked({ 'main.abl': 'import "lib.abl"\ntable t { rows { "Base": base } }\n', 'lib.abl': DATASET + BASE });
    expect(withTable.result.runs.map((r) => r.name)).toEqual(['base']);
    expect(withTable.result.tables[0]!.rows).toEqual([{ label: 'Base', ref: 'base', kind: 'experiment', runs: ['base'], specHashes: [withTable.result.runs[0]!.specHash] }]);
  });

  it('the dataset root is resolved against the declaring file and written relative to the working folder', () => {
    const { result } = compileMarked({
      'exp/main.abl': `import "../data/datasets.abl"\n${BASE.replace('data phantom {', 'data n {')}`,
      'data/datasets.abl': 'dataset n { source: nifti { root: "../volumes/n" }, classes: [LVM, LAC, LVC, AA], modalities { ct { images: "i", labels: "l" }, mri { images: "i", labels: "l" } } }\n',
    }, { entry: 'exp/main.abl' });
    expect(result.diagnostics).toEqual([]);
    expect(result.runs[0]!.dataset.source).toEqual({ kind: 'nifti', root: 'volumes/n' });
  });
});
