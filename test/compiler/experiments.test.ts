/**
 * Every spec in experiments/ compiles without a diagnostic, and every concrete run of
 * every spec (sweep points and repeat draws included) validates against the Run IR
 * schema with a validator compiled here, independently of the compiler's own.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectSourceFiles, compileFile, SourceCache } from '../../compiler/compile.ts';
import { runIrSchema } from '../../schemas/run-ir.schema.ts';
import { tableIrSchema } from '../../schemas/table-ir.schema.ts';

const root = fileURLToPath(new URL('../../experiments/', import.meta.url));
const files = collectSourceFiles([root]);
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validateRun = ajv.compile(runIrSchema);
const validateTable = ajv.compile(tableIrSchema);
const cache = new SourceCache();

describe('experiments/', () => {
  it('has specs to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(`${file.slice(root.length)}: compiles clean, every run and table validates`, () => {
      const result = compileFile(file, { cache });
      expect(result.diagnostics.map((d) => `${d.span.file}:${d.span.start.line + 1}: ${d.code} ${d.message}`)).toEqual([]);
      for (const run of result.runs) expect(validateRun(run), `${run.name}: ${JSON.stringify(validateRun.errors)}`).toBe(true);
      for (const table of result.tables) expect(validateTable(table), `${table.name}: ${JSON.stringify(validateTable.errors)}`).toBe(true);
      const names = result.runs.map((r) => r.name);
      expect(new Set(names).size).toBe(names.length);
    });
  }

  it('the YAML example compiles to the same IR hash as its .abl twin', () => {
    const yaml = compileFile(`${root}examples/quick.yaml`, { cache });
    const abl = compileFile(`${root}examples/quick.abl`, { cache });
    expect(yaml.diagnostics).toEqual([]);
    expect(yaml.runs.map((r) => r.specHash)).toEqual(abl.runs.map((r) => r.specHash));
  });

  it('table rows resolve to runs: repeats pool every draw, paper-only rows have none', () => {
    const result = compileFile(`${root}paper/table2.abl`, { cache });
    const table = result.tables[0]!;
    const repeatRows = table.rows.filter((r) => r.kind === 'repeat');
    expect(repeatRows.length).toBeGreaterThan(0);
    for (const row of repeatRows) expect(row.runs).toHaveLength(5);
    for (const row of table.rows.filter((r) => r.kind === 'paper-only')) expect(row.runs).toEqual([]);
    const hashes = new Map(result.runs.map((r) => [r.name, r.specHash]));
    for (const row of table.rows) row.runs.forEach((run, i) => expect(row.specHashes[i]).toBe(hashes.get(run)));
  });
});
