/** Helpers shared by the tracking tests: a writable copy of the MLflow-written fixture, and conversion to expected.json's shapes. */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Experiment, Metric, Run } from '../../runtime/tracking/tracker.ts';

/** The MLflow 2.2.2 recordings in shared/ beside the repository (override: $ABLATE_MLFLOW_FIXTURES). */
export const FIXTURE_DIR = process.env['ABLATE_MLFLOW_FIXTURES'] ?? fileURLToPath(new URL('../fixtures/mlflow-2.2.2/', import.meta.url));
/** Fail with a clear message when the recordings are missing. */
export function assertFixtures(): void {
  if (!existsSync(join(FIXTURE_DIR, 'layout.md'))) {
    throw new Error(`MLflow fixtures not found at ${FIXTURE_DIR}: expected shared/fixtures/mlflow-2.2.2 beside the repository (or set ABLATE_MLFLOW_FIXTURES).`);
  }
}
export const FIXTURE_MLRUNS = join(FIXTURE_DIR, 'filestore', 'mlruns');
export const REST_DIR = join(FIXTURE_DIR, 'rest');

export async function loadExpected(): Promise<any> {
  assertFixtures();
  return JSON.parse(await readFile(join(FIXTURE_DIR, 'filestore', 'expected.json'), 'utf8'));
}

async function makeWritable(path: string): Promise<void> {
  const s = await stat(path);
  await chmod(path, s.isDirectory() ? 0o755 : 0o644);
  if (s.isDirectory()) for (const e of await readdir(path)) await makeWritable(join(path, e));
}

/** A fresh temp dir; `copyFixture` puts a writable copy of filestore/mlruns in it. */
export async function tempDir(prefix = 'ablate-tracking-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function copyFixture(dest: string): Promise<string> {
  assertFixtures();
  const root = join(dest, 'mlruns');
  await cp(FIXTURE_MLRUNS, root, { recursive: true });
  await makeWritable(root);
  return root;
}

/** Every file under `root` with its bytes, for "nothing changed" checks. */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        out[relative(root, full).split(sep).join('/') + '/'] = '';
        await walk(full);
      } else out[relative(root, full).split(sep).join('/')] = (await readFile(full)).toString('base64');
    }
  };
  await walk(root);
  return out;
}

/** NaN and infinities as expected.json writes them. */
export function jsonValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export function metricJson(m: Metric): object {
  return { key: m.key, value: jsonValue(m.value), timestamp: m.timestamp, step: m.step };
}

/** A Run in expected.json's shape. */
export function runJson(r: Run): object {
  return {
    info: {
      run_id: r.info.runId,
      run_uuid: r.info.runId,
      run_name: r.info.runName,
      experiment_id: r.info.experimentId,
      user_id: r.info.userId,
      status: r.info.status,
      start_time: r.info.startTime,
      end_time: r.info.endTime,
      artifact_uri: r.info.artifactUri,
      lifecycle_stage: r.info.lifecycleStage,
    },
    data: { params: r.data.params, metrics: r.data.metrics.map(metricJson), tags: r.data.tags },
  };
}

export function experimentJson(e: Experiment): object {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    tags: e.tags,
  };
}
