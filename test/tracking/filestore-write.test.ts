/**
 * A tree the project writes: exact files (meta.yaml fields, param/tag files, metric lines),
 * MLflow's key rules and limits, parent/child runs, and a read-back through the same reader
 * that reads MLflow's own tree.
 */
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStoreTracker, readMlflowStore } from '../../runtime/tracking/mlflow-filestore.ts';
import { nestRuns } from '../../runtime/tracking/run-tree.ts';
import { runFilter } from '../../runtime/tracking/run-search.ts';
import { RestTracker } from '../../runtime/tracking/rest-tracker.ts';
import { TrackingError, UnsupportedTrackingUriError } from '../../runtime/tracking/tracking-error.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { snapshotTree, tempDir } from './fixture-store.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let root = '';

beforeEach(async () => {
  const t = await tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  root = join(dir, 'mlruns');
});
afterEach(async () => cleanup());

const read = (...p: string[]): Promise<string> => readFile(join(root, ...p), 'utf8');

async function errorOf(p: Promise<unknown>): Promise<TrackingError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(TrackingError);
  return e as TrackingError;
}

describe('FileStore layout written by the project', () => {
  it('creates the root with .trash/ and the Default experiment 0 on first use', async () => {
    const store = new FileStoreTracker(root);
    const before = Date.now();
    const exps = await store.listExperiments();
    expect((await stat(join(root, '.trash'))).isDirectory()).toBe(true);
    expect(exps.map((e) => [e.experimentId, e.name])).toEqual([['0', 'Default']]);
    const meta = await read('0', 'meta.yaml');
    const t = exps[0]!.creationTime!;
    expect(t).toBeGreaterThanOrEqual(before - 5000);
    expect(meta).toBe(
      [
        `artifact_location: ${pathToFileURL(join(root, '0')).href}`,
        `creation_time: ${t}`,
        "experiment_id: '0'",
        `last_update_time: ${t}`,
        'lifecycle_stage: active',
        'name: Default',
        '',
      ].join('\n'),
    );
  });

  it('accepts a file: URI and a plain path through createTracker', async () => {
    const a = createTracker(pathToFileURL(root).href) as FileStoreTracker;
    const b = createTracker(`file:${root}`) as FileStoreTracker;
    expect(a.root).toBe(root);
    expect(b.root).toBe(root);
    expect(createTracker(root)).toBeInstanceOf(FileStoreTracker);
    expect(createTracker('http://127.0.0.1:5000')).toBeInstanceOf(RestTracker);
    expect(() => createTracker('sqlite:///mlflow.db')).toThrow(UnsupportedTrackingUriError);
    expect(() => createTracker('databricks')).toThrow(UnsupportedTrackingUriError);
    expect((createTracker('runs/mlruns') as FileStoreTracker).root).toBe(join(process.cwd(), 'runs', 'mlruns'));
  });

  it('writes experiments, runs, params, metrics and tags exactly as MLflow lays them out', async () => {
    const store = new FileStoreTracker(root);
    const exp = await store.getOrCreateExperiment('cardiac-ablation', { team: 'seg', 'owner/name': 'ana' });
    expect(exp.experimentId).toMatch(/^[1-9]\d{17}$/);
    expect(await read(exp.experimentId, 'tags', 'team')).toBe('seg');
    expect(await read(exp.experimentId, 'tags', 'owner', 'name')).toBe('ana');
    // Same name again gives the same experiment.
    expect((await store.getOrCreateExperiment('cardiac-ablation')).experimentId).toBe(exp.experimentId);

    const parent = await store.createRun({
      experimentId: exp.experimentId,
      runName: 'parent-run',
      startTime: 1700000000000,
      tags: { 'mlflow.user': 'fixture-user', 'mlflow.source.name': 'train.abl', stage: 'dev' },
    });
    expect(parent.runId).toMatch(/^[0-9a-f]{32}$/);
    const long500 = 'v'.repeat(500);
    await store.logParams(parent.runId, {
      lr: '0.01',
      'optimizer/name': 'adam',
      'loss.icr.tau': '0.07',
      multi_line: 'line1\nline2',
      long_value: long500,
      'größe a-b_c': '3',
    });
    await store.logMetrics(parent.runId, [
      { key: 'loss', value: 1, timestamp: 1700000001000, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 1700000002000, step: 1 },
      { key: 'loss', value: 1e-5, timestamp: 1700000004000, step: 3 },
      { key: 'eval/acc', value: 0.75, timestamp: 1700000002500, step: 1 },
      { key: 'grad_norm', value: NaN, timestamp: 1700000002000, step: 1 },
      { key: 'grad_norm', value: Infinity, timestamp: 1700000003000, step: -2 },
      { key: 'big', value: 1e16, timestamp: 1700000003000, step: 0 },
      { key: 'big', value: -2.5e-7, timestamp: 1700000003000, step: 1 },
    ]);
    await store.setTags(parent.runId, { 'custom.note': 'hello', 'ablate.specHash': 'abc123' });
    const child = await store.createRun({ experimentId: exp.experimentId, runName: 'child-run', parentRunId: parent.runId, startTime: 1700000010000, userId: 'fixture-user' });
    await store.setTerminated(child.runId, 'FAILED', 1700000020000);
    await store.setTerminated(parent.runId, 'FINISHED', 1700000060000);

    const runDir = [exp.experimentId, parent.runId];
    expect(await read(...runDir, 'meta.yaml')).toBe(
      [
        `artifact_uri: ${pathToFileURL(join(root, exp.experimentId)).href}/${parent.runId}/artifacts`,
        'end_time: 1700000060000',
        "entry_point_name: ''",
        `experiment_id: '${exp.experimentId}'`,
        'lifecycle_stage: active',
        `run_id: ${parent.runId}`,
        'run_name: parent-run',
        `run_uuid: ${parent.runId}`,
        "source_name: ''",
        'source_type: 4',
        "source_version: ''",
        'start_time: 1700000000000',
        'status: 3',
        'tags: []',
        'user_id: fixture-user',
        '',
      ].join('\n'),
    );
    expect(await read(...runDir, 'params', 'lr')).toBe('0.01');
    expect(await read(...runDir, 'params', 'optimizer', 'name')).toBe('adam');
    expect(await read(...runDir, 'params', 'loss.icr.tau')).toBe('0.07');
    expect(await read(...runDir, 'params', 'multi_line')).toBe('line1\nline2');
    expect(await read(...runDir, 'params', 'long_value')).toBe(long500);
    expect(await read(...runDir, 'params', 'größe a-b_c')).toBe('3');
    expect(await read(...runDir, 'metrics', 'loss')).toBe('1700000001000 1.0 0\n1700000002000 0.5 1\n1700000004000 1e-05 3\n');
    expect(await read(...runDir, 'metrics', 'eval', 'acc')).toBe('1700000002500 0.75 1\n');
    expect(await read(...runDir, 'metrics', 'grad_norm')).toBe('1700000002000 nan 1\n1700000003000 inf -2\n');
    expect(await read(...runDir, 'metrics', 'big')).toBe('1700000003000 1e+16 0\n1700000003000 -2.5e-07 1\n');
    expect(await read(...runDir, 'tags', 'mlflow.runName')).toBe('parent-run');
    expect(await read(...runDir, 'tags', 'mlflow.user')).toBe('fixture-user');
    expect(await read(...runDir, 'tags', 'custom.note')).toBe('hello');
    expect((await stat(join(root, ...runDir, 'artifacts'))).isDirectory()).toBe(true);
    expect(await read(exp.experimentId, child.runId, 'tags', 'mlflow.parentRunId')).toBe(parent.runId);
    expect(await read(exp.experimentId, child.runId, 'meta.yaml')).toContain('status: 4\n');

    // Read back through the reader that reads MLflow's own tree.
    const fresh = new FileStoreTracker(root);
    const back = await fresh.getRun(parent.runId);
    expect(back.info).toEqual({
      runId: parent.runId,
      runName: 'parent-run',
      experimentId: exp.experimentId,
      userId: 'fixture-user',
      status: 'FINISHED',
      startTime: 1700000000000,
      endTime: 1700000060000,
      artifactUri: `${pathToFileURL(join(root, exp.experimentId)).href}/${parent.runId}/artifacts`,
      lifecycleStage: 'active',
    });
    expect(back.data.params).toEqual({ lr: '0.01', 'optimizer/name': 'adam', 'loss.icr.tau': '0.07', multi_line: 'line1\nline2', long_value: long500, 'größe a-b_c': '3' });
    expect(back.data.tags).toEqual({
      'mlflow.runName': 'parent-run',
      'mlflow.user': 'fixture-user',
      'mlflow.source.name': 'train.abl',
      stage: 'dev',
      'custom.note': 'hello',
      'ablate.specHash': 'abc123',
    });
    // Latest = max by (step, timestamp, value): grad_norm's step 1 beats the later step -2.
    expect(back.data.metrics).toEqual([
      { key: 'big', value: -2.5e-7, timestamp: 1700000003000, step: 1 },
      { key: 'eval/acc', value: 0.75, timestamp: 1700000002500, step: 1 },
      { key: 'grad_norm', value: NaN, timestamp: 1700000002000, step: 1 },
      { key: 'loss', value: 1e-5, timestamp: 1700000004000, step: 3 },
    ]);
    expect((await fresh.getMetricHistory(parent.runId, 'grad_norm')).map((m) => [m.value, m.step])).toEqual([[NaN, 1], [Infinity, -2]]);

    const snap = await readMlflowStore(root);
    const runs = snap.experiments.find((e) => e.experiment.experimentId === exp.experimentId)!.runs;
    expect(runs.map((r) => r.info.runName)).toEqual(['child-run', 'parent-run']);
    const tree = nestRuns(runs);
    expect(tree).toHaveLength(1);
    expect(tree[0]!.run.info.runId).toBe(parent.runId);
    expect(tree[0]!.children.map((c) => [c.run.info.runId, c.run.info.status])).toEqual([[child.runId, 'FAILED']]);

    // Search by spec-hash tag and status, as `ablate run` does to reuse a finished run.
    const hit = await fresh.searchRuns({ experimentIds: [exp.experimentId], filter: runFilter({ tags: { 'ablate.specHash': 'abc123' }, status: 'FINISHED' }) });
    expect(hit.map((r) => r.info.runId)).toEqual([parent.runId]);
    const miss = await fresh.searchRuns({ experimentIds: [exp.experimentId], filter: runFilter({ tags: { 'ablate.specHash': 'abc123' }, status: 'FAILED' }) });
    expect(miss).toEqual([]);
  });

  it('enforces MLflow key rules on params, metrics and tags, writing nothing on rejection', async () => {
    const store = new FileStoreTracker(root);
    const run = await store.createRun({ experimentId: '0', runName: 'keys', startTime: 1 });
    const before = await snapshotTree(root);
    for (const bad of ['', 'a//b', 'a/', './a', '/a', '../a', 'bad:key', 'a\\b']) {
      expect((await errorOf(store.logParams(run.runId, { [bad]: '1' }))).code, bad).toBe('INVALID_PARAMETER_VALUE');
      expect((await errorOf(store.logMetrics(run.runId, [{ key: bad, value: 1, timestamp: 1, step: 0 }]))).message, bad).toMatch(/^Invalid metric name: /);
      expect((await errorOf(store.setTags(run.runId, { [bad]: 'v' }))).message, bad).toMatch(/^Invalid tag name: /);
    }
    expect((await errorOf(store.logParams(run.runId, { 'a//b': '1' }))).message).toBe(
      "Invalid parameter name: 'a//b'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to 'a/b'",
    );
    expect((await errorOf(store.logParams(run.runId, { '': '1' }))).message).toContain("This name would resolve to '.'");
    expect((await errorOf(store.logMetrics(run.runId, [{ key: 'm', value: 1, timestamp: -1, step: 0 }]))).message).toMatch(/invalid timestamp -1/);
    expect((await errorOf(store.logMetrics(run.runId, [{ key: 'm', value: 1, timestamp: 1, step: 0.5 }]))).message).toMatch(/invalid step 0.5/);
    expect(await snapshotTree(root)).toEqual(before);
    await store.logParams(run.runId, { 'a b/c-d_e.f': '1', größe: '2', ['k'.repeat(250)]: 'x'.repeat(500) });
    expect(await read('0', run.runId, 'params', 'a b', 'c-d_e.f')).toBe('1');
    expect(await read('0', run.runId, 'params', 'größe')).toBe('2');
  });

  it('enforces length limits counted in code points, and param immutability', async () => {
    const store = new FileStoreTracker(root);
    const run = await store.createRun({ experimentId: '0', runName: 'limits', startTime: 1 });
    // 500 astral characters are 1000 UTF-16 units but 500 code points: allowed.
    await store.logParams(run.runId, { emoji: '😀'.repeat(500) });
    expect((await errorOf(store.logParams(run.runId, { emoji2: '😀'.repeat(501) }))).message).toContain('had length 501, which exceeded length limit of 500');
    await store.setTags(run.runId, { t: 'x'.repeat(5000) });
    expect((await errorOf(store.setTags(run.runId, { t2: 'x'.repeat(5001) }))).message).toContain('had length 5001, which exceeded length limit of 5000');
    expect((await errorOf(store.setTags(run.runId, { ['k'.repeat(251)]: 'v' }))).message).toMatch(/^Tag key 'k{250}' had length 251/);

    await store.logParams(run.runId, { lr: '0.1', seed: '1' });
    const e = await errorOf(store.logParams(run.runId, { a_new: '1', lr: '0.2' }));
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toBe(`Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${run.runId}'. Attempted logging new value '0.2'.`);
    // Checked before writing: the new key of the rejected call is not there.
    expect(Object.keys((await store.getRun(run.runId)).data.params).sort()).toEqual(['emoji', 'lr', 'seed']);
    // log_batch keeps MLflow's INTERNAL_ERROR for the same conflict.
    expect((await errorOf(store.logBatch(run.runId, { params: { lr: '0.3' } }))).code).toBe('INTERNAL_ERROR');
  });

  it('splits large metric and param sets into batches within the limits', async () => {
    const store = new FileStoreTracker(root);
    const run = await store.createRun({ experimentId: '0', runName: 'big', startTime: 1 });
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: 'loss', value: i / 4, timestamp: 1700000000000 + i, step: i }));
    await store.logMetrics(run.runId, metrics);
    const lines = (await read('0', run.runId, 'metrics', 'loss')).split('\n');
    expect(lines).toHaveLength(2501);
    expect(lines[0]).toBe('1700000000000 0.0 0');
    expect(lines[2499]).toBe('1700000002499 624.75 2499');
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, String(i)]));
    await store.logParams(run.runId, params);
    expect(Object.keys((await store.getRun(run.runId)).data.params)).toHaveLength(250);
  });

  it('deletes runs softly and experiments into .trash/', async () => {
    const store = new FileStoreTracker(root);
    const exp = await store.createExperiment('to-delete');
    const run = await store.createRun({ experimentId: exp.experimentId, runName: 'r', startTime: 5 });
    await store.deleteRun(run.runId);
    const meta = await read(exp.experimentId, run.runId, 'meta.yaml');
    expect(meta).toMatch(/^deleted_time: \d+$/m);
    expect(meta).toContain('lifecycle_stage: deleted\n');
    expect(await store.searchRuns({ experimentIds: [exp.experimentId] })).toEqual([]);
    expect((await store.searchRuns({ experimentIds: [exp.experimentId], runViewType: 'DELETED_ONLY' })).map((r) => r.info.runId)).toEqual([run.runId]);
    expect((await errorOf(store.logParams(run.runId, { a: '1' }))).message).toBe(`The run ${run.runId} must be in the 'active' state. Current state is deleted.`);
    await store.restoreRun(run.runId);
    expect(await read(exp.experimentId, run.runId, 'meta.yaml')).not.toContain('deleted_time');

    await store.deleteExperiment(exp.experimentId);
    expect((await stat(join(root, '.trash', exp.experimentId, 'meta.yaml'))).isFile()).toBe(true);
    expect((await store.listExperiments()).map((e) => e.name)).toEqual(['Default']);
    const deleted = await store.getExperiment(exp.experimentId);
    expect(deleted.lifecycleStage).toBe('deleted');
    expect((await errorOf(store.createExperiment('to-delete'))).code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await errorOf(store.deleteExperiment('0'))).code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('creates one experiment when parallel writers ask for the same new name', async () => {
    await new FileStoreTracker(root).listExperiments();
    const stores = Array.from({ length: 8 }, () => new FileStoreTracker(root));
    const ids = await Promise.all(stores.map((s) => s.getOrCreateExperiment('parallel').then((e) => e.experimentId)));
    expect(new Set(ids).size).toBe(1);
    expect((await stores[0]!.listExperiments()).filter((e) => e.name === 'parallel')).toHaveLength(1);
    expect((await readdir(root)).sort()).toEqual(['.trash', '0', ids[0]!].sort());
  });

  it('skips malformed entries with a warning instead of failing the whole read', async () => {
    const warnings: string[] = [];
    const store = new FileStoreTracker(root, { onWarning: (m) => warnings.push(m) });
    const run = await store.createRun({ experimentId: '0', runName: 'ok', startTime: 1 });
    await mkdir(join(root, 'models'));
    await mkdir(join(root, '999'));
    await writeFile(join(root, '999', 'meta.yaml'), "artifact_location: x\nexperiment_id: '998'\nname: wrong-id\n");
    await mkdir(join(root, '0', 'not-a-run'));
    expect((await store.listExperiments()).map((e) => e.experimentId)).toEqual(['0']);
    expect((await store.searchRuns({ experimentIds: ['0'] })).map((r) => r.info.runId)).toEqual([run.runId]);
    expect(warnings.some((w) => w.includes("'999'") && w.includes("'998'"))).toBe(true);
    expect(warnings.some((w) => w.includes('not-a-run'))).toBe(true);
  });

  it('copies artifacts under the run and lists, reads and downloads them', async () => {
    const store = new FileStoreTracker(root);
    const run = await store.createRun({ experimentId: '0', runName: 'art', startTime: 1 });
    const src = join(dir, 'src');
    await mkdir(join(src, 'plots'), { recursive: true });
    await writeFile(join(src, 'exp.abl'), 'experiment a {}\n');
    await writeFile(join(src, 'plots', 'curve.svg'), '<svg/>');
    await store.logArtifact(run.runId, join(src, 'exp.abl'));
    await store.logArtifact(run.runId, join(src, 'plots'), 'figures');
    await store.logText(run.runId, '{"a":1}', 'ir/run.json');
    const base = join(root, '0', run.runId, 'artifacts');
    expect(await readFile(join(base, 'exp.abl'), 'utf8')).toBe('experiment a {}\n');
    expect(await readFile(join(base, 'figures', 'curve.svg'), 'utf8')).toBe('<svg/>');
    expect(await store.listArtifacts(run.runId)).toEqual([
      { path: 'exp.abl', isDir: false, fileSize: 16 },
      { path: 'figures', isDir: true, fileSize: null },
      { path: 'ir', isDir: true, fileSize: null },
    ]);
    expect(await store.listArtifacts(run.runId, 'ir')).toEqual([{ path: 'ir/run.json', isDir: false, fileSize: 7 }]);
    const out = await store.downloadArtifact(run.runId, 'figures/curve.svg', join(dir, 'dl'));
    expect(await readFile(out, 'utf8')).toBe('<svg/>');
    expect((await errorOf(store.logText(run.runId, 'x', '../escape.txt'))).code).toBe('INVALID_PARAMETER_VALUE');
    expect((await errorOf(store.logArtifact(run.runId, join(src, 'missing.txt')))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await readdir(join(root, '0'))).sort()).toEqual(['meta.yaml', run.runId].sort());
  });
});
