/**
 * `ablate run` with an MLflow tracking server that stops after the first epoch and stays down
 * until the run ends (the outage-until-exit scenario), through the functions the CLI
 * calls: the run finishes (no FAILED anywhere), the server holds the first epoch and says
 * RUNNING, the spool holds the rest and FINISHED, and a sync once the server is back leaves the
 * server with every step once, every artifact and FINISHED.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeRuns } from '../../cli/run-session.ts';
import { compileFile } from '../../compiler/compile.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { silentProgress } from '../../runtime/run/progress-sink.ts';
import { FileStoreTracker } from '../../runtime/tracking/mlflow-filestore.ts';
import { RestTracker, resultsLocation, type SpoolReport } from '../../runtime/tracking/rest-tracker.ts';
import { currentUser } from '../../runtime/tracking/run-user.ts';
import { listSpooledRuns, syncSpool } from '../../runtime/tracking/spool-delivery.ts';
import { serveFileStore } from '../tracking/filestore-backed-server.ts';
import { startTestServer, type TestServer } from '../tracking/mlflow-test-server.ts';

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 32 x 32 x 6, spacing: 1 x 1 x 2 mm, seed: 3 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 4, label_values: [1, 2, 3, 4] }, mri { cases: 4, label_values: [1, 2, 3, 4] } }
}

experiment tiny_down {
  data tiny {
    modalities: [ct, mri]
    slices: 3
    crop: 16 x 16
    split { train: 50%, val: 25%, test: 25%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 8, depths: [1, 1, 1, 1], heads: [1, 1, 2, 2], window: 2 }
    joint: v3
  }
  loss { seg: 0.5 * ce + 0.5 * dice }
  train { epochs: 2, steps_per_epoch: 2, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}
`;

describe('the tracking server stops at the last validation and stays down until the run ends', () => {
  it('the run finishes; ablate sync later leaves every step once on the server', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ablate-outage-'));
    const file = path.join(dir, 'tiny.abl');
    await writeFile(file, SPEC);
    const backend = await initBackend('cpu');
    const store = new FileStoreTracker(path.join(dir, 'server-mlruns'), { onWarning: () => {} });
    let server: TestServer = await startTestServer();
    serveFileStore(server, store);
    const port = Number(new URL(server.url).port);
    const spoolRoot = path.join(dir, 'mlruns-spool');
    const reports: SpoolReport[] = [];
    const tracker = new RestTracker(server.url, { sleep: async () => {}, spoolUri: spoolRoot, onOutage: () => {}, onSpool: (r) => reports.push(r), onSpoolSummary: () => {} });
    const notes: string[] = [];
    const progress = silentProgress((line) => {
      notes.push(line);
      if (/epoch 2\/2/.test(line)) void server.close(); // down from the last validation on (epoch 1 was flushed)
    });
    const compiled = compileFile(file, { cwd: dir });
    const [outcome] = await executeRuns(compiled.runs, {
      tracker, experimentName: 'ablate', backend, cwd: dir, cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', 'runs'),
      force: false, progress, source: { file, text: SPEC }, version: 'test',
    });
    await tracker.close();
    expect(outcome!.status).toBe('finished');
    const runId = outcome!.runId;

    // Server: the first epoch, RUNNING. Spool: the rest, FINISHED.
    expect((await store.getRun(runId)).info.status).toBe('RUNNING');
    expect((await store.getMetricHistory(runId, 'train.loss.total')).map((m) => m.step)).toEqual([1, 2]);
    const spool = new FileStoreTracker(spoolRoot);
    expect((await spool.getRun(runId)).info.status).toBe('FINISHED');
    expect(reports.at(-1)).toMatchObject({ runId, status: 'FINISHED' });
    expect(reports.at(-1)!.artifacts).toEqual(expect.arrayContaining(['results.json', 'model/', 'plots/losses.svg']));
    // The command's last line says where the rest is and how it gets to the server (it said "results in <server>").
    expect(resultsLocation(tracker)).toBe(`results in ${server.url}; what 1 run(s) could not deliver is in the spool ${spoolRoot} (the server was unreachable): run 'ablate sync' when it is back to deliver them`);

    server = await startTestServer([], port);
    serveFileStore(server, store);
    const [synced] = await syncSpool(spoolRoot);
    expect(synced && 'delivered' in synced && synced.delivered.status).toBe('FINISHED');
    const run = await store.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect((await store.getMetricHistory(runId, 'train.loss.total')).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const valDice = await store.getMetricHistory(runId, 'val.dice.ct');
    expect(valDice.map((m) => m.step)).toEqual([2, 4]);
    // One unit: val.dice in % as printed and as test.dice (was a fraction beside a percentage).
    expect(notes).toContain(`tiny_down: epoch 2/2: val.dice.ct ${valDice[1]!.value.toFixed(1)}%, val.dice.mri ${(await store.getMetricHistory(runId, 'val.dice.mri'))[1]!.value.toFixed(1)}%`);
    const testMean = run.data.metrics.find((m) => m.key === 'test.dice.ct.mean')!.value;
    const results = JSON.parse(Buffer.from(await store.readArtifact(runId, 'results.json')).toString()) as { cases: Array<{ modality: string; scores: { dice: Record<string, number> } }> };
    const ctCases = results.cases.filter((c) => c.modality === 'ct');
    const classMeans = ['LVM', 'LAC', 'LVC', 'AA'].map((k) => ctCases.map((c) => c.scores.dice[k]!).filter((v) => v !== null && Number.isFinite(v))).filter((v) => v.length > 0).map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    expect(testMean).toBeCloseTo((100 * classMeans.reduce((a, b) => a + b, 0)) / classMeans.length, 6);
    expect(run.data.metrics.map((m) => m.key)).toEqual(expect.arrayContaining(['test.dice.ct.mean', 'test.dice.mri.mean']));
    for (const a of ['results.json', 'run-ir.json', 'split.json', 'model/model.json', 'source/tiny.abl', 'plots/losses.svg']) {
      await expect(store.readArtifact(runId, a)).resolves.toBeDefined();
    }
    // One user source, and the file given on the command line.
    expect([run.info.userId, run.data.tags['mlflow.user'], run.data.tags['ablate.sourceFile']]).toEqual([currentUser(), currentUser(), 'tiny.abl']);
    expect(await listSpooledRuns(spoolRoot)).toEqual([]);
    await server.close();
  }, 120_000);

  it('a server down before the run starts: the run trains into the spool and ablate sync creates it on the server', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ablate-outage-'));
    const file = path.join(dir, 'tiny.abl');
    await writeFile(file, SPEC);
    const backend = await initBackend('cpu');
    const store = new FileStoreTracker(path.join(dir, 'server-mlruns'), { onWarning: () => {} });
    let server: TestServer = await startTestServer();
    const url = server.url;
    const port = Number(new URL(url).port);
    await server.close(); // down before anything is sent
    const spoolRoot = path.join(dir, 'mlruns-spool');
    const tracker = new RestTracker(url, { sleep: async () => {}, spoolUri: spoolRoot, onOutage: () => {}, onSpool: () => {}, onSpoolSummary: () => {} });
    const notes: string[] = [];
    const compiled = compileFile(file, { cwd: dir });
    const [outcome] = await executeRuns(compiled.runs, {
      tracker, experimentName: 'ablate', backend, cwd: dir, cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', 'runs'),
      force: false, progress: silentProgress((line) => notes.push(line)), source: { file, text: SPEC }, version: 'test',
    });
    await tracker.close();
    expect(outcome!.status).toBe('finished');
    expect(notes.some((n) => n.startsWith('tracking server unreachable: cannot look for a run with spec hash'))).toBe(true);
    const localId = outcome!.runId;
    const spool = new FileStoreTracker(spoolRoot);
    expect((await spool.getRun(localId)).info.status).toBe('FINISHED');
    expect((await spool.getMetricHistory(localId, 'train.loss.total')).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(resultsLocation(tracker)).toBe(`results in the spool ${spoolRoot}, not on ${url} yet (the server was unreachable): run 'ablate sync' when it is back to deliver them (1 run(s) started while it was down get their server run ids then)`);

    server = await startTestServer([], port);
    serveFileStore(server, store);
    const [synced] = await syncSpool(spoolRoot);
    expect(synced && 'delivered' in synced && [synced.delivered.created, synced.delivered.status, synced.delivered.removed]).toEqual([true, 'FINISHED', true]);
    const experiment = await store.getExperimentByName('ablate');
    const runs = await store.searchRuns({ experimentIds: [experiment!.experimentId], runViewType: 'ALL' });
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect([run.info.runName, run.info.status, run.data.tags['ablate.spoolRunId']]).toEqual(['tiny_down', 'FINISHED', localId]);
    expect((await store.getMetricHistory(run.info.runId, 'train.loss.total')).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect((await store.getMetricHistory(run.info.runId, 'val.dice.ct')).map((m) => m.step)).toEqual([2, 4]);
    expect(run.data.metrics.map((m) => m.key)).toEqual(expect.arrayContaining(['test.dice.ct.mean', 'test.dice.mri.mean']));
    for (const a of ['results.json', 'run-ir.json', 'split.json', 'model/model.json', 'source/tiny.abl', 'plots/losses.svg']) {
      await expect(store.readArtifact(run.info.runId, a)).resolves.toBeDefined();
    }
    expect(await listSpooledRuns(spoolRoot)).toEqual([]);
    await server.close();
  }, 120_000);
});
