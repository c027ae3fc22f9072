/**
 * The project's FileStore reader against a store written by MLflow 2.2.2 itself
 * (fixtures/mlflow-2.2.2/filestore): it must return exactly what MLflow returned (expected.json).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStoreTracker, parseMetaYaml, readMlflowStore, renderMetaYaml } from '../../runtime/tracking/mlflow-filestore.ts';
import { nestRuns } from '../../runtime/tracking/run-tree.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';
import { copyFixture, experimentJson, loadExpected, metricJson, runJson, snapshotTree, tempDir } from './fixture-store.ts';

let root = '';
let cleanup: () => Promise<void> = async () => {};
let expected: any;
let store: FileStoreTracker;
const warnings: string[] = [];

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  root = await copyFixture(t.dir);
  expected = await loadExpected();
  store = new FileStoreTracker(root, { onWarning: (m) => warnings.push(m) });
});
afterAll(async () => cleanup());

describe('FileStore reader on the tree MLflow 2.2.2 wrote', () => {
  it('lists the experiments with their tags, in search order', async () => {
    const exps = await store.listExperiments();
    expect(exps.map(experimentJson)).toEqual(expected.experiments);
  });

  it('search_runs ACTIVE_ONLY: runs, params, latest metrics and tags', async () => {
    const runs = await store.searchRuns({ experimentIds: expected.search_runs.experiment_ids });
    expect(runs.map(runJson)).toEqual(expected.search_runs.runs);
  });

  it('search_runs ALL includes the deleted run', async () => {
    const runs = await store.searchRuns({ experimentIds: expected.search_runs_all.experiment_ids, runViewType: 'ALL' });
    expect(runs.map(runJson)).toEqual(expected.search_runs_all.runs);
  });

  it('search_runs DELETED_ONLY', async () => {
    const runs = await store.searchRuns({ experimentIds: expected.search_runs_deleted_only.experiment_ids, runViewType: 'DELETED_ONLY' });
    expect(runs.map((r) => r.info.runId)).toEqual(expected.search_runs_deleted_only.run_ids);
  });

  it('search_runs with a filter and order_by', async () => {
    const q = expected.search_runs_filtered;
    const runs = await store.searchRuns({ experimentIds: q.experiment_ids, filter: q.filter_string, orderBy: q.order_by });
    expect(runs.map((r) => r.info.runId)).toEqual(q.run_ids);
  });

  it('search_runs ordered by metrics.loss DESC', async () => {
    const q = expected.search_runs_ordered;
    const runs = await store.searchRuns({ experimentIds: q.experiment_ids, orderBy: q.order_by });
    expect(runs.map((r) => r.info.runId)).toEqual(q.run_ids);
  });

  it('the default experiment holds a RUNNING run with end_time null', async () => {
    const runs = await store.searchRuns({ experimentIds: expected.search_runs_default_experiment.experiment_ids });
    expect(runs.map(runJson)).toEqual(expected.search_runs_default_experiment.runs);
  });

  it('get_run of a deleted run', async () => {
    expect(runJson(await store.getRun(expected.ids.deleted_run))).toEqual(expected.get_run_deleted);
  });

  it('metric histories in file order (NaN, int values, 1e-05)', async () => {
    for (const h of expected.metric_history) {
      const history = await store.getMetricHistory(h.run_id, h.key);
      expect(history.map(metricJson)).toEqual(h.history);
    }
  });

  it('lists artifacts relative to the run root', async () => {
    for (const l of expected.list_artifacts) {
      const files = await store.listArtifacts(l.run_id, l.path ?? undefined);
      expect(files.map((f) => ({ path: f.path, is_dir: f.isDir, file_size: f.fileSize }))).toEqual(l.files);
    }
    const bytes = await store.readArtifact(expected.ids.parent_run, 'subdir/notes.txt');
    expect(Buffer.from(bytes).toString('utf8')).toBe('hello from a subfolder\n');
  });

  it('reads the whole store with nested runs under their parent', async () => {
    const snap = await readMlflowStore(root);
    expect(snap.warnings).toEqual([]);
    expect(snap.experiments.map((e) => e.experiment.name)).toEqual(['fixture-experiment', 'Default']);
    const fixtureRuns = snap.experiments[0]!.runs;
    expect(fixtureRuns.map((r) => r.info.runName)).toEqual(['deleted-run', 'child-run', 'parent-run']);
    const tree = nestRuns(fixtureRuns.filter((r) => r.info.lifecycleStage === 'active'));
    expect(tree.map((n) => [n.run.info.runName, n.children.map((c) => c.run.info.runName)])).toEqual([['parent-run', ['child-run']]]);
  });

  it('renders every meta.yaml of the fixture byte for byte from its parsed fields', async () => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else if (e.name === 'meta.yaml') files.push(join(dir, e.name));
      }
    };
    await walk(root);
    expect(files).toHaveLength(6);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(renderMetaYaml(parseMetaYaml(text, f) as never)).toBe(text);
    }
  });

  it('reads the tree without its empty folders (.trash, empty artifacts/) and creates nothing while reading', async () => {
    const t = await tempDir();
    try {
      const bare = await copyFixture(t.dir);
      await rm(join(bare, '.trash'), { recursive: true, force: true });
      for (const id of [expected.ids.child_run, expected.ids.deleted_run]) {
        await rm(join(bare, expected.ids.experiment, id, 'artifacts'), { recursive: true, force: true });
      }
      const before = await snapshotTree(bare);
      const snap = await readMlflowStore(bare);
      expect(snap.experiments.flatMap((e) => e.runs).map(runJson)).toEqual([
        ...expected.search_runs_all.runs,
        ...expected.search_runs_default_experiment.runs,
      ]);
      expect(await snapshotTree(bare)).toEqual(before);
    } finally {
      await t.cleanup();
    }
  });
});

describe('FileStore writes that MLflow 2.2.2 rejects are rejected the same way and change nothing', () => {
  const parent = (): string => expected.ids.parent_run;
  const calls: Record<string, () => Promise<unknown>> = {
    "FileStore.log_param(parent, Param('lr', '0.02'))  # change existing value": () => store.logParams(parent(), { lr: '0.02' }),
    "FileStore.log_param(parent, Param('lr', '0.01'))  # same value again: allowed": () => store.logParams(parent(), { lr: '0.01' }),
    "FileStore.log_param(parent, Param('p501', 'x'*501))": () => store.logParams(parent(), { p501: 'x'.repeat(501) }),
    "FileStore.log_param(parent, Param('k'*251, '1'))": () => store.logParams(parent(), { ['k'.repeat(251)]: '1' }),
    "FileStore.log_param(parent, Param('bad:key', '1'))": () => store.logParams(parent(), { 'bad:key': '1' }),
    "FileStore.log_param(parent, Param('../up', '1'))": () => store.logParams(parent(), { '../up': '1' }),
    "FileStore.log_batch(parent, tags=[RunTag('t', 'x'*5001)])": () => store.logBatch(parent(), { tags: [{ key: 't', value: 'x'.repeat(5001) }] }),
    'FileStore.log_batch(parent, 1001 metrics)': () =>
      store.logBatch(parent(), { metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1700000000000, step: i })) }),
    'FileStore.log_batch(parent, 101 params)': () =>
      store.logBatch(parent(), { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })) }),
    'FileStore.log_batch(parent, 900 metrics + 100 params + 1 tag)': () =>
      store.logBatch(parent(), {
        metrics: Array.from({ length: 900 }, (_, i) => ({ key: 'm', value: i, timestamp: 1700000000000, step: i })),
        params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: '1' })),
        tags: [{ key: 't', value: 'v' }],
      }),
    'FileStore.log_batch(parent, duplicate param keys)': () =>
      store.logBatch(parent(), { params: [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }] }),
    "get_run('0123456789abcdef0123456789abcdef')": () => store.getRun('0123456789abcdef0123456789abcdef'),
  };

  it('covers every recorded error case', () => {
    expect(Object.keys(calls).sort()).toEqual(expected.errors.map((e: { call: string }) => e.call).sort());
  });

  it('gives the recorded error code and message, leaving the tree unchanged', async () => {
    const before = await snapshotTree(root);
    for (const rec of expected.errors) {
      const call = calls[rec.call]!;
      if (rec.error === null) {
        await expect(call(), rec.call).resolves.not.toThrow();
        continue;
      }
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, rec.call).toBeInstanceOf(TrackingError);
      expect({ code: (err as TrackingError).code, message: (err as TrackingError).message }, rec.call).toEqual({ code: rec.error_code, message: rec.message });
    }
    expect(await snapshotTree(root)).toEqual(before);
  });
});
