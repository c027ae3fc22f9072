/**
 * The source file a run is tagged with (`ablate.sourceFile`, `mlflow.source.name`) is the file
 * given on the command line, also for the children of a sweep whose base experiment is
 * declared in an imported file (fig5.abl sweeps `abdominal_v3_icr` from common.abl).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { runSourceFile } from '../../runtime/run/execute-run.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('sweep children name the file that was run, not the file declaring their base', () => {
  const file = path.join(root, 'experiments/paper/fig5.abl');
  const compiled = compileFile(file, { cwd: root });
  const children = compiled.runs.filter((r) => r.origin.group?.kind === 'sweep');
  expect(children.length).toBeGreaterThan(1);
  // The IR records where the experiment was declared ...
  expect(new Set(children.map((r) => r.origin.file))).toEqual(new Set(['experiments/paper/common.abl']));
  // ... the run's tag names what was run (as its source/ artifact does).
  const ctx = { cwd: root, source: { file, text: readFileSync(file, 'utf8') } };
  expect(new Set(children.map((r) => runSourceFile(r, ctx)))).toEqual(new Set(['experiments/paper/fig5.abl']));
  expect(runSourceFile(children[0]!, { cwd: root })).toBe('experiments/paper/common.abl'); // no source given: the IR's
});
