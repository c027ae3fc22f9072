/**
 * `ablate run` / `reproduce` / `report` end to end on a tiny phantom, through the same
 * functions the CLI calls: a real MLflow FileStore in a temp folder, real NIfTI phantoms,
 * real training on the cpu backend. Checks what a user relies on: the run is logged as
 * MLflow lays it out, a finished run is reused by spec hash, an interrupted run resumes
 * from its checkpoint into the same MLflow run, and a table reports the measured numbers.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../cli/report-writer.ts';
import { executeRuns } from '../../cli/run-session.ts';
import { compileFile } from '../../compiler/compile.ts';
import { initBackend, type BackendInfo } from '../../runtime/backend/select-backend.ts';
import { aggregateResults } from '../../runtime/reports/run-results.ts';
import { silentProgress, type ProgressSink } from '../../runtime/run/progress-sink.ts';
import type { RunContext } from '../../runtime/run/execute-run.ts';
import { TrainingInterrupted } from '../../runtime/train/train-loop.ts';
import { predictFile } from '../../runtime/run/predict-file.ts';
import { readNifti } from '../../runtime/data/nifti.ts';
import { createTracker, type Tracker } from '../../runtime/tracking/tracker.ts';

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 32 x 32 x 6, spacing: 1 x 1 x 2 mm, seed: 3 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 4, label_values: [1, 2, 3, 4] }, mri { cases: 4, label_values: [1, 2, 3, 4] } }
}

experiment tiny_v3 {
  data tiny {
    modalities: [ct, mri]
    slices: 3
    crop: 16 x 16
    split { train: 50%, val: 25%, test: 25%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 8, depths: [1, 1, 1, 1], heads: [1, 1, 2, 2], window: 2 }
    joint: v3
    eam at decoder[1..3] { heads: 1 }
  }
  loss { seg: 0.5 * ce + 0.5 * dice, aux: 0.4 * (ce + dice), mcr: 0.1, icr: 0.1 { tau: 4 } }
  train { epochs: 2, steps_per_epoch: 2, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice, asd] }
}

table tiny_table "A tiny table" {
  rows { "Ours": tiny_v3 }
  columns { metrics: [dice, asd], modalities: [ct, mri], mean: true }
  tolerance { dice: 100, asd: 100 }
  paper { "Ours" { ct { dice { LVM: 90.0 ± 1.0, mean: 80.0 } } } }
}
`;

let dir: string;
let file: string;
let backend: BackendInfo;

beforeAll(async () => {
  backend = await initBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'ablate-e2e-'));
  file = path.join(dir, 'tiny.abl');
  await writeFile(file, SPEC);
});

function context(tracker: Tracker, overrides: Partial<RunContext> = {}): RunContext {
  return {
    tracker,
    experimentName: 'ablate',
    backend,
    cwd: dir,
    cacheRoot: path.join(dir, 'cache'),
    workRoot: path.join(dir, 'cache', 'runs'),
    force: false,
    progress: silentProgress(),
    source: { file, text: SPEC },
    version: 'test',
    ...overrides,
  };
}

describe('ablate run end to end (tiny phantom, cpu)', () => {
  it('trains, logs the MLflow layout, reuses by spec hash, resumes after an interruption, and reports', async () => {
    const compiled = compileFile(file, { cwd: dir });
    expect(compiled.diagnostics).toEqual([]);
    const ir = compiled.runs.find((r) => r.name === 'tiny_v3')!;
    const store = path.join(dir, 'mlruns');

    // 1. Interrupted after the first step: KILLED, with a checkpoint on disk.
    const controller = new AbortController();
    const stopAfterFirstStep: ProgressSink = { ...silentProgress(), step: () => controller.abort() };
    const tracker = createTracker(store);
    await expect(executeRuns([ir], context(tracker, { signal: controller.signal, progress: stopAfterFirstStep }))).rejects.toBeInstanceOf(TrainingInterrupted);
    const [experimentId] = readdirSync(store).filter((d) => /^\d{6,}$/.test(d));
    const runIds = readdirSync(path.join(store, experimentId!)).filter((d) => /^[0-9a-f]{32}$/.test(d));
    expect(runIds).toHaveLength(1);
    const runDir = path.join(store, experimentId!, runIds[0]!);
    expect(readFileSync(path.join(runDir, 'meta.yaml'), 'utf8')).toMatch(/status: 5\n/); // KILLED

    // 2. The same command again resumes that run from its checkpoint and finishes it.
    const [resumed] = await executeRuns([ir], context(tracker));
    expect(resumed!.status).toBe('finished');
    expect(resumed!.runId).toBe(runIds[0]);
    expect(readFileSync(path.join(runDir, 'meta.yaml'), 'utf8')).toMatch(/status: 3\n/); // FINISHED
    for (const artifact of ['results.json', 'run-ir.json', 'split.json', 'model/model.json', 'source/tiny.abl', 'plots/losses.svg']) {
      expect(existsSync(path.join(runDir, 'artifacts', artifact)), artifact).toBe(true);
    }
    expect(readFileSync(path.join(runDir, 'tags', 'ablate.irHash'), 'utf8')).toBe(ir.specHash);
    expect(readFileSync(path.join(runDir, 'params', 'model.joint'), 'utf8')).toBe('v3');
    // The history has one line per step of the whole run (4 steps), across the interruption.
    const totalLoss = readFileSync(path.join(runDir, 'metrics', 'train.loss.total'), 'utf8').trim().split('\n');
    expect(totalLoss.map((l) => Number(l.split(' ')[2]))).toEqual([1, 2, 3, 4]);
    // The loss-curve plot spans the interruption too: every series has all 4 steps.
    const svg = readFileSync(path.join(runDir, 'artifacts', 'plots', 'losses.svg'), 'utf8');
    const polylines = [...svg.matchAll(/points="([^"]+)"/g)].map((m) => m[1]!.trim().split(' ').length);
    expect(polylines.length).toBeGreaterThan(3);
    for (const n of polylines) expect(n).toBe(4);

    // 3. A third time: reused, not retrained.
    const [reused] = await executeRuns([ir], context(tracker));
    expect(reused!.status).toBe('reused');
    expect(reused!.runId).toBe(runIds[0]);
    expect(reused!.results).toEqual(resumed!.results);

    // 4. The table's report reads the run back and prints its measured numbers.
    const [written] = await writeReports(compiled, tracker, { experimentName: 'ablate', outDir: path.join(dir, 'reports'), format: 'md' });
    const { grid } = aggregateResults([resumed!.results], ['ct', 'mri'], ['LVM', 'LAC', 'LVC', 'AA'], ['dice', 'asd']);
    const lvm = grid.ct!.dice!.LVM!;
    const shown = Number.isFinite(lvm.mean) ? lvm.mean.toFixed(1) : '–';
    expect(written!.text).toContain(`| Ours | paper | 90.0±1.0 |`);
    expect(written!.text.split('\n').find((l) => l.startsWith('|  | measured'))).toContain(`| ${shown}`);
    const names = written!.files.map((f) => path.basename(f));
    expect(names.filter((f) => !f.endsWith('.svg')).sort()).toEqual(['tiny_table.csv', 'tiny_table.html', 'tiny_table.md', 'tiny_table.tex']);
    // The table's figure: ours ± std beside the paper's LVM (plots/table-figure.ts).
    expect(names).toContain('tiny_table.dice.svg');
    expect(readFileSync(path.join(dir, 'reports', 'tiny_table.dice.svg'), 'utf8')).toContain('>Ours, paper</text>');

    // 5. `ablate predict` with the run id: the exported EAM-free model segments a phantom
    //    image on its own grid, written with the image's geometry and the dataset's label values.
    const phantomRoot = path.join(dir, 'cache', 'phantom');
    const [hashDir] = readdirSync(phantomRoot).filter((d) => !d.startsWith('.'));
    const imagesDir = path.join(phantomRoot, hashDir!, 'mri', 'images');
    const image = path.join(imagesDir, readdirSync(imagesDir).sort()[0]!);
    const out = path.join(dir, 'pred.nii.gz');
    const summary = await predictFile({ model: runIds[0]!, image: image!, out, modality: 'mri', labelValues: true, backend: 'cpu', trackingUri: store });
    expect(summary).toContain('voxels per class: LVM');
    const [source, predicted] = [await readNifti(image!), await readNifti(out)];
    expect(predicted.dims).toEqual(source.dims);
    expect(predicted.affine).toEqual(source.affine);
    expect(new Set(predicted.data).size).toBeGreaterThan(0);
    for (const v of new Set(predicted.data)) expect([0, 1, 2, 3, 4]).toContain(v);
    await expect(predictFile({ model: runIds[0]!, image: image!, out, modality: 'pet', labelValues: true, backend: 'cpu', trackingUri: store })).rejects.toThrow(/modality pet: is not one the model was trained on/);
    await tracker.close();
  }, 240_000);

  it('trains with one worker thread per modality: interrupted and resumed, the same loss curve as in the main thread', async () => {
    const compiled = compileFile(file, { cwd: dir });
    const ir = compiled.runs.find((r) => r.name === 'tiny_v3')!;
    const history = (store: string) => {
      const [experimentId] = readdirSync(store).filter((d) => /^\d{6,}$/.test(d));
      const [runId] = readdirSync(path.join(store, experimentId!)).filter((d) => /^[0-9a-f]{32}$/.test(d));
      const runDir = path.join(store, experimentId!, runId!);
      const losses = readFileSync(path.join(runDir, 'metrics', 'train.loss.total'), 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1]));
      return { runDir, losses };
    };
    const parallelStore = path.join(dir, 'mlruns-parallel');
    const tracker = createTracker(parallelStore);
    const controller = new AbortController();
    const stopAfterFirstStep: ProgressSink = { ...silentProgress(), step: () => controller.abort() };
    const work = (name: string) => ({ cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', name) });
    await expect(executeRuns([ir], context(tracker, { workers: 2, signal: controller.signal, progress: stopAfterFirstStep, ...work('runs-parallel') }))).rejects.toBeInstanceOf(TrainingInterrupted);
    const [done] = await executeRuns([ir], context(tracker, { workers: 2, ...work('runs-parallel') }));
    expect(done!.status).toBe('finished');
    await tracker.close();
    const parallel = history(parallelStore);
    expect(readFileSync(path.join(parallel.runDir, 'tags', 'ablate.trainer'), 'utf8')).toBe('in 2 worker threads, one per modality (ct, mri)');

    const serialStore = path.join(dir, 'mlruns-serial');
    const serialTracker = createTracker(serialStore);
    await executeRuns([ir], context(serialTracker, { workers: 1, ...work('runs-serial') }));
    await serialTracker.close();
    const serial = history(serialStore);
    expect(readFileSync(path.join(serial.runDir, 'tags', 'ablate.trainer'), 'utf8')).toBe('in the main thread');
    expect(parallel.losses).toHaveLength(4);
    parallel.losses.forEach((l, i) => expect(l, `step ${i + 1}`).toBeCloseTo(serial.losses[i]!, 4));
  }, 240_000);
});
