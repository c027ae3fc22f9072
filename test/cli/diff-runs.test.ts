/**
 * `ablate diff <runA-id> <runB-id>`: the Run IRs two MLflow runs logged (`run-ir.json`,
 * written here through the FileStore as `ablate run` writes it), read back from a FileStore
 * and through REST, compared like `--ir a.json b.json`; the provenance tags that differ
 * are listed after the IR paths.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerDiffCommand } from '../../cli/commands/diff.ts';
import { compileFile } from '../../compiler/compile.ts';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RunLogger } from '../../runtime/tracking/run-logger.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { serveFileStore } from '../tracking/filestore-backed-server.ts';
import { startTestServer } from '../tracking/mlflow-test-server.ts';
import { BASE, DATASET, writeFiles } from '../compiler/fixtures.ts';
import { runCommands } from './run-command.ts';

const diff = (args: string[]) => runCommands([registerDiffCommand], ['diff', ...args]);

// Two experiments that differ in exactly two values: loss.mcr (IR path loss.mcr.weight) and train.seed.
const SPEC = `${DATASET}${BASE}
experiment other extends base {
  loss.mcr: 0.3
  train.seed: 99
}
`;

async function storeWithTwoRuns(): Promise<{ dir: string; store: string; ids: [string, string]; irs: [RunIR, RunIR] }> {
  const dir = writeFiles({ 'spec.abl': SPEC });
  const compiled = compileFile(join(dir, 'spec.abl'), { cwd: dir });
  expect(compiled.diagnostics).toEqual([]);
  const irs = ['base', 'other'].map((n) => compiled.runs.find((r) => r.name === n)!) as [RunIR, RunIR];
  const store = join(dir, 'mlruns');
  const tracker = createTracker(store);
  const ids: string[] = [];
  for (const [i, ir] of irs.entries()) {
    const run = await RunLogger.start(tracker, {
      experimentName: 'ablate', runName: ir.name,
      tags: { 'ablate.data.hash': i === 0 ? 'a'.repeat(64) : 'b'.repeat(64), 'ablate.version': '0.1.0', 'ablate.backend': 'cpu' },
    });
    await run.logText(`${JSON.stringify(ir, null, 2)}\n`, 'run-ir.json');
    await run.finish();
    ids.push(run.runId);
  }
  await tracker.close();
  return { dir, store, ids: ids as [string, string], irs };
}

describe('ablate diff <runA> <runB>', () => {
  it('names the differing IR paths of two runs in a FileStore, as --ir does for the same IRs, and the provenance tags that differ', async () => {
    const { dir, store, ids, irs } = await storeWithTwoRuns();
    const r = await diff([ids[0], ids[1], '--tracking-uri', store, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { a: string; b: string; differences: Array<{ path: string; a: unknown; b: unknown }>; tags: Array<{ tag: string; a: string; b: string }> };
    expect(doc.a).toBe(`base (${ids[0].slice(0, 8)})`);
    expect(doc.b).toBe(`other (${ids[1].slice(0, 8)})`);
    expect(doc.differences).toEqual([
      { path: 'loss.mcr.weight', a: 0.1, b: 0.3 },
      { path: 'train.seed', a: irs[0].train.seed, b: 99 },
    ]);
    expect(doc.tags).toEqual([{ tag: 'ablate.data.hash', a: 'a'.repeat(64), b: 'b'.repeat(64) }]);

    // The same IRs as files through --ir: the same paths and values.
    writeFileSync(join(dir, 'a.json'), JSON.stringify(irs[0]));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(irs[1]));
    const files = JSON.parse((await diff(['--ir', join(dir, 'a.json'), join(dir, 'b.json'), '--format', 'json'])).stdout) as typeof doc;
    expect(files.differences).toEqual(doc.differences);

    // Text, with --runs spelled out.
    const text = await diff(['--runs', ids[0], ids[1], '--tracking-uri', store]);
    expect(text.stdout.split('\n').slice(0, 7)).toEqual([
      `base (${ids[0].slice(0, 8)}) vs other (${ids[1].slice(0, 8)}): 2 path(s) differ`,
      '  loss.mcr.weight',
      `    base (${ids[0].slice(0, 8)}): 0.1`,
      `    other (${ids[1].slice(0, 8)}): 0.3`,
      '  train.seed',
      `    base (${ids[0].slice(0, 8)}): ${irs[0].train.seed}`,
      `    other (${ids[1].slice(0, 8)}): 99`,
    ]);
    expect(text.stdout).toContain('provenance tags that differ: 1\n  ablate.data.hash\n');
  });

  it('reads the runs from a tracking server (REST) the same way', async () => {
    const { store, ids } = await storeWithTwoRuns();
    const server = await startTestServer();
    serveFileStore(server, new FileStoreTracker(store, { onWarning: () => {} }));
    try {
      const r = await diff([ids[0], ids[1], '--tracking-uri', server.url, '--format', 'json']);
      expect(r.exitCode).toBe(0);
      expect((JSON.parse(r.stdout) as { differences: Array<{ path: string }> }).differences.map((d) => d.path)).toEqual(['loss.mcr.weight', 'train.seed']);
    } finally {
      await server.close();
    }
  });

  it('a run without a logged Run IR is an error naming the run and the store', async () => {
    const { store, ids } = await storeWithTwoRuns();
    const tracker = createTracker(store);
    const parent = await RunLogger.start(tracker, { experimentName: 'ablate', runName: 'sweep parent' });
    await parent.finish();
    await tracker.close();
    const r = await diff([ids[0], parent.runId, '--tracking-uri', store]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`run ${parent.runId} in`);
    expect(r.stderr).toContain('has no run-ir.json artifact');
    expect(r.stderr).toContain('hint: only runs made by `ablate run`');
  });
});
