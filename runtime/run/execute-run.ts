/**
 * One concrete run, end to end: data → reuse check → model → training → evaluation
 * without EAMs → MLflow. This is what `ablate run` and `ablate reproduce` call per Run IR.
 *
 * Outcomes in the tracking store:
 * - a FINISHED run with the same identity (Run IR spec hash + split hash + data content
 *   hash, run-identity.ts) exists and `force` is off → nothing is trained; its results are
 *   read back ("reused"). One made by another ablate version or commit is reused too but
 *   reported stale, or retrained with `rerunStale` (provenance-tags.ts);
 * - an unfinished run with that identity (KILLED by Ctrl-C, or a crash) whose checkpoint is
 *   still on disk → that MLflow run is resumed from the checkpoint;
 * - otherwise a new run. Ctrl-C / SIGTERM (the `signal`) writes a checkpoint and marks the
 *   run KILLED; any error marks it FAILED with the message as a tag and an artifact.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import type { BackendInfo } from '../backend/select-backend.ts';
import { buildModel, type SegmentationModel } from '../model/build-model.ts';
import { ModelConfigError } from '../model/model-config-error.ts';
import { saveInferenceModel } from '../model/parameters.ts';
import { BatchSampler } from '../data/samplers.ts';
import { lineChartSvg } from '../reports/plots/line-chart.ts';
import { overlayPng } from '../reports/plots/overlay.ts';
import { aggregateResults, readRunResults, RESULTS_ARTIFACT, resultsToJson, type CaseResult, type RunResults } from '../reports/run-results.ts';
import { findRunBySpecHash } from '../tracking/run-lookup.ts';
import { ABLATE_TAGS, runTags } from '../tracking/run-tags.ts';
import { provenanceTags, runProvenance, staleReason, type RunProvenance } from '../tracking/provenance-tags.ts';
import { UNKNOWN_GIT, type CodeProvenance, type GitState } from './code-provenance.ts';
import { dicePercent, trainLossKey, valDiceKey } from '../tracking/metric-keys.ts';
import { RunLogger } from '../tracking/run-logger.ts';
import { isServerOutage, MlflowUnreachableError } from '../tracking/tracking-error.ts';
import type { Run, Tracker } from '../tracking/tracker.ts';
import { trainLoop, TrainingInterrupted, type Batches } from '../train/train-loop.ts';
import { meanDice, predictCase, scoreCase, type CasePrediction } from './evaluate.ts';
import { prepareData, type PreparedData as RunData } from '../data/prepare-data.ts';
import type { ProgressSink } from './progress-sink.ts';
import { runSpecHash } from './run-identity.ts';
import { claimRun, Heartbeat, leaseAlive, ownerGone, readLease, reapStale, releaseLease, RunLeased, type LeaseOptions } from '../tracking/lease.ts';

export interface RunContext {
  tracker: Tracker;
  /** MLflow experiment the runs go to. */
  experimentName: string;
  backend: BackendInfo;
  /** Most worker threads a run trains with, one modality each (`runtime/train/parallel/`); 1 trains in this thread. */
  workers?: number;
  /** Folder relative paths in the IR are resolved against. */
  cwd: string;
  /** Phantoms and preprocessed volumes. */
  cacheRoot: string;
  /** Checkpoints and scratch files, one folder per run identity. */
  workRoot: string;
  force: boolean;
  signal?: AbortSignal;
  progress: ProgressSink;
  /** `file:line:col` of the DSL entry that set a value of a run's IR (`locate('quickstart', 'loss.icr')`). */
  locate?: (run: string, irPath: string) => string | undefined;
  /** The spec file and its text, logged as an artifact. */
  source?: { file: string; text: string };
  gitCommit?: string;
  version: string;
  /** Git state of the ablate checkout (code-provenance.ts); unknown when absent. */
  ablateGit?: GitState;
  /** Git state of the experiment file's repository. */
  sourceGit?: GitState;
  /** The `-s key=value` overrides the runs were compiled with (tag `ablate.overrides`). */
  overrides?: readonly string[];
  /** Retrain a finished run made by another ablate version or commit instead of reusing it. */
  rerunStale?: boolean;
  /** Parent MLflow run of a sweep, repeat or table. */
  parent?: RunLogger;
  /** Take a lease on the run before training (runtime/tracking/lease.ts): Slurm tasks, and local `run` / `reproduce` (owner host:pid). */
  lease?: LeaseOptions;
}

export interface RunOutcome {
  name: string;
  runId: string;
  status: 'reused' | 'finished';
  specHash: string;
  results: RunResults;
  /** What made the run and what it read, from its tags (`stale` set for a stale reused run). */
  provenance: RunProvenance;
}

/** The code of this process, for tags and the staleness check. */
export function contextCode(ctx: Pick<RunContext, 'version' | 'ablateGit'>): CodeProvenance {
  return { version: ctx.version, git: ctx.ablateGit ?? UNKNOWN_GIT };
}

/** A run with this identity: a FINISHED one to reuse, else an interrupted one (KILLED, or RUNNING after a crash) to resume. */
async function findExisting(ctx: RunContext, specHash: string): Promise<Run | undefined> {
  try {
    for (const status of ['FINISHED', 'KILLED', 'RUNNING'] as const) {
      const run = await findRunBySpecHash(ctx.tracker, { experimentName: ctx.experimentName, specHash, status });
      if (run) return run;
    }
  } catch (error) {
    // The server cannot be asked: train (the run goes to the spool; `ablate sync` delivers it).
    if (!isServerOutage(error)) throw error;
    ctx.progress.note(`tracking server unreachable: cannot look for a run with spec hash ${specHash.slice(0, 12)} there; training, results go to the spool`);
  }
  return undefined;
}

export async function executeRun(ir: RunIR, ctx: RunContext): Promise<RunOutcome> {
  const note = (line: string) => ctx.progress.note(line);
  const data = await prepareData(ir.dataset, ir.data, { cwd: ctx.cwd, cacheRoot: ctx.cacheRoot });
  if (data.preprocessed > 0) note(`${ir.name}: preprocessed ${data.preprocessed} case(s); ${data.cached} from the cache`);
  const specHash = runSpecHash(ir.specHash, data.splitHash, data.fingerprint.hash);
  if (data.fingerprint.read > 0) note(`${ir.name}: hashed ${data.fingerprint.read} data file(s) (${data.fingerprint.files - data.fingerprint.read} from the hash cache)`);
  let existing = await findExisting(ctx, specHash);
  // Leases: a live one elsewhere means skip; an expired one (owner died) is marked KILLED and taken over.
  const ttlMs = ctx.lease?.ttlMs ?? 1000 * Number(process.env['ABLATE_LEASE_TTL_S'] ?? 300);
  if (existing && existing.info.status === 'RUNNING' && !ctx.force) {
    if (leaseAlive(existing, ttlMs)) throw new RunLeased(ir.name, `${readLease(existing)!.owner} on ${readLease(existing)!.node}`);
    const held = readLease(existing);
    if (await reapStale(ctx.tracker, existing, ttlMs)) {
      const why = held && ownerGone(held) && Date.now() - held.heartbeat <= ttlMs
        ? `its process is gone on ${held.node}`
        : `no heartbeat for ${Math.round((Date.now() - held!.heartbeat) / 1000)} s`;
      note(`${ir.name}: lease of ${held!.owner} expired (${why}); run ${existing.info.runId} marked KILLED, taking it over`);
      existing = await ctx.tracker.getRun(existing.info.runId);
    }
  }
  let retrainStale = false;
  if (existing?.info.status === 'FINISHED' && !ctx.force) {
    const stale = staleReason(existing.data.tags, contextCode(ctx));
    if (stale && ctx.rerunStale) {
      note(`${ir.name}: finished run ${existing.info.runId} is stale (${stale}); --rerun-stale retrains it`);
      existing = undefined;
      retrainStale = true;
    } else {
      note(`${ir.name}: reusing finished run ${existing.info.runId} (same spec hash ${specHash.slice(0, 12)}; --force retrains)${stale ? `; stale: ${stale} (--rerun-stale retrains it)` : ''}`);
      return {
        name: ir.name, runId: existing.info.runId, status: 'reused', specHash,
        results: await readRunResults(ctx.tracker, existing.info.runId), provenance: runProvenance(existing, contextCode(ctx)),
      };
    }
  }

  const workDir = path.join(ctx.workRoot, specHash.slice(0, 16));
  const checkpointDir = path.join(workDir, 'checkpoint');
  if (ctx.force || retrainStale) await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const resumable = existing && existing.info.status !== 'FINISHED' && !ctx.force && existsSync(checkpointDir);
  const tags = resumable ? existing!.data.tags : runTagsOf(ir, ctx, specHash, data);
  const logger = resumable
    ? await RunLogger.resume(ctx.tracker, existing!.info.runId)
    : await startRun(ir, ctx, tags);
  if (resumable) note(`${ir.name}: resuming run ${logger.runId} from its checkpoint`);
  let heartbeat: Heartbeat | undefined;
  if (ctx.lease && !(await claimOrOffline(ctx, logger.runId, specHash, ctx.lease))) {
    const holder = readLease(await ctx.tracker.getRun(logger.runId));
    // A resumed run another owner claimed is theirs now (leave its status alone); one this process
    // claimed but lost to a rival run of the same identity goes back to KILLED; a new one is deleted.
    if (resumable && holder?.owner === ctx.lease.owner) {
      await releaseLease(ctx.tracker, logger.runId);
      await ctx.tracker.setTerminated(logger.runId, 'KILLED').catch(() => undefined);
    } else if (!resumable) await ctx.tracker.deleteRun(logger.runId);
    throw new RunLeased(ir.name, holder && holder.owner !== ctx.lease.owner ? holder.owner : 'another process');
  }
  if (ctx.lease) {
    heartbeat = new Heartbeat(ctx.tracker, logger.runId, Math.max(1000, ctx.lease.ttlMs / 5));
    heartbeat.start();
  }

  let model: SegmentationModel | undefined;
  try {
    if (!resumable) await logInputs(ir, ctx, logger, data);
    model = buildModelAt(ir, ctx);
    await logger.setTags({ 'ablate.parameters': String(model.parameterCount()) });
    const totalSteps = await train(ir, ctx, model, data, logger, specHash, checkpointDir, heartbeat);
    const results = await evaluate(ir, model, data, logger, specHash, workDir, totalSteps);
    await logger.finish();
    await rm(checkpointDir, { recursive: true, force: true });
    const provenance = runProvenance({ info: { runId: logger.runId, runName: ir.name } as Run['info'], data: { tags, params: {}, metrics: [] } }, contextCode(ctx));
    return { name: ir.name, runId: logger.runId, status: 'finished', specHash, results, provenance };
  } catch (error) {
    if (error instanceof TrainingInterrupted) {
      await logger.kill();
      note(`${ir.name}: interrupted; checkpoint in ${checkpointDir}. Run the same command again to resume.`);
    } else {
      await logger.fail(error);
    }
    throw error;
  } finally {
    if (heartbeat) {
      await heartbeat.stop();
      await releaseLease(ctx.tracker, logger.runId);
    }
    ctx.progress.stop();
    model?.dispose();
  }
}

/**
 * Claims the run's lease; true when this process holds it. A tracking server that cannot be
 * asked (the run goes to the spool) has no lease to give: the run trains without one, said so.
 */
async function claimOrOffline(ctx: RunContext, runId: string, specHash: string, lease: LeaseOptions): Promise<boolean> {
  try {
    return await claimRun(ctx.tracker, runId, specHash, 0, lease);
  } catch (error) {
    if (!isServerOutage(error)) throw error;
    ctx.progress.note(`tracking server unreachable: training without a lease (another process could train this run at the same time)`);
    return true;
  }
}

/** Builds the run's model; a configuration error names the `.abl` line that set the failing value. */
function buildModelAt(ir: RunIR, ctx: RunContext): SegmentationModel {
  try {
    return buildModel(ir.model, { crop: ir.data.crop, modalities: ir.data.modalities, seed: ir.train.seed, loss: ir.loss });
  } catch (error) {
    if (error instanceof ModelConfigError && error.irPath) {
      const where = ctx.locate?.(ir.name, error.irPath);
      if (where) error.message = `${where}: ${error.message}`;
    }
    throw error;
  }
}

/**
 * The `.abl` file a run came from, as tagged (`ablate.sourceFile`, `mlflow.source.name`): the
 * file given on the command line (also logged as `source/<file>`), relative to the working
 * directory — not the file declaring the experiment a sweep starts from.
 */
export function runSourceFile(ir: RunIR, ctx: Pick<RunContext, 'source' | 'cwd'>): string {
  if (!ctx.source) return ir.origin.file;
  return path.relative(ctx.cwd, path.resolve(ctx.cwd, ctx.source.file)).split(path.sep).join('/');
}

/** Every tag of a new run: identity, source, provenance (provenance-tags.ts). */
function runTagsOf(ir: RunIR, ctx: RunContext, specHash: string, data: RunData): Record<string, string> {
  const group = ir.origin.group;
  return runTags({
    specHash,
    sourceFile: runSourceFile(ir, ctx),
    experiment: ir.experiment,
    ...(ctx.gitCommit ? { gitCommit: ctx.gitCommit } : {}),
    backend: ctx.backend.name,
    ablateVersion: ctx.version,
    phantom: ir.dataset.source.kind === 'phantom',
    extra: {
      [ABLATE_TAGS.irHash]: ir.specHash,
      [ABLATE_TAGS.splitHash]: data.splitHash,
      [ABLATE_TAGS.run]: ir.name,
      'ablate.backendNote': ctx.backend.note,
      'ablate.trainer': trainerNote(ir, ctx),
      ...(group ? { [ABLATE_TAGS.group]: group.name } : {}),
      ...provenanceTags({
        code: contextCode(ctx), data: data.fingerprint, backend: ctx.backend.name, overrides: ctx.overrides ?? [],
        ...(ctx.sourceGit ? { sourceGit: ctx.sourceGit } : {}),
      }),
    },
  });
}

async function startRun(ir: RunIR, ctx: RunContext, tags: Record<string, string>): Promise<RunLogger> {
  if (ctx.parent) return ctx.parent.startChild({ runName: ir.name, tags });
  return RunLogger.start(ctx.tracker, { experimentName: ctx.experimentName, runName: ir.name, tags });
}

/** Worker threads this run trains with: one per modality, at most `ctx.workers`. */
function trainerWorkers(ir: RunIR, ctx: RunContext): number {
  return Math.max(1, Math.min(ctx.workers ?? 1, ir.data.modalities.length));
}

function trainerNote(ir: RunIR, ctx: RunContext): string {
  const n = trainerWorkers(ir, ctx);
  return n === 1 ? 'in the main thread' : `in ${n} worker threads, one per modality (${ir.data.modalities.join(', ')})`;
}

async function logInputs(ir: RunIR, ctx: RunContext, logger: RunLogger, data: RunData): Promise<void> {
  await logger.logParamsFrom(ir);
  await logger.logText(`${JSON.stringify(ir, null, 2)}\n`, 'run-ir.json');
  await logger.logText(`${JSON.stringify(data.split, null, 2)}\n`, 'split.json');
  if (ctx.source) await logger.logText(ctx.source.text, `source/${path.basename(ctx.source.file)}`);
}

async function train(
  ir: RunIR, ctx: RunContext, model: SegmentationModel, data: RunData, logger: RunLogger, specHash: string, checkpointDir: string,
  heartbeat?: Heartbeat,
): Promise<number> {
  const { batch, epochs } = ir.train;
  const samplers = ir.data.modalities.map(
    (m) => new BatchSampler(m, data.modalities[m]!.train, { dims: ir.data.dims, slices: ir.data.slices, crop: ir.data.crop, batch, seed: ir.train.seed }),
  );
  const samplesPerEpoch = Math.max(...samplers.map((s) => s.samplesPerEpoch));
  const stepsPerEpoch = ir.train.stepsPerEpoch ?? Math.max(1, Math.ceil(samplesPerEpoch / batch));
  const totalSteps = epochs * stepsPerEpoch;
  let drawn = 0;

  const batchesFor = (step: number): Batches => {
    // The samplers are sequential: on resume, replay the draws of the steps already done.
    while (drawn < step) {
      for (const s of samplers) s.next();
      drawn += 1;
    }
    const out: Batches = {};
    for (const s of samplers) {
      const b = s.next();
      const [B] = b.imageShape as [number];
      if (ir.data.dims === 2) {
        const [, H, W, C] = b.imageShape as [number, number, number, number];
        out[s.modality] = { x: tf.tensor4d(b.image, [B, H, W, C]), y: tf.tensor3d(b.label, [B, H, W], 'int32') };
      } else {
        const [, D, H, W] = b.imageShape as [number, number, number, number];
        // [B, D, H, W, 1] folded to [B*D, H, W, 1]: the models keep tensors at rank 4.
        out[s.modality] = { x: tf.tensor4d(b.image, [B * D, H, W, 1]), y: tf.tensor3d(b.label, [B * D, H, W], 'int32') };
      }
    }
    drawn += 1;
    return out;
  };

  let started = false;
  const workers = trainerWorkers(ir, ctx);
  ctx.progress.note(`${ir.name}: training ${trainerNote(ir, ctx)}`);
  const result = await trainLoop({
    train: ir.train,
    specHash,
    model,
    batchesFor,
    parallel: workers > 1 ? { model: ir.model, build: model.options, backend: ctx.backend.name, workers } : undefined,
    stepsPerEpoch,
    checkpointDir,
    locate: ctx.locate ? (irPath) => ctx.locate!(ir.name, irPath) : undefined,
    signal: ctx.signal,
    onStep: (r) => {
      if (!started) {
        ctx.progress.start(ir.name, totalSteps, r.step - 1);
        started = true;
      }
      const metrics: Record<string, number> = { 'train.lr': r.lr };
      // `seg/ct` → train.loss.seg.ct, `mcr` → train.loss.mcr (runtime/tracking/metric-keys.ts).
      for (const [k, v] of Object.entries(r.terms)) metrics[trainLossKey(...(k.split('/') as [string, string?]))] = v;
      if (r.gradNorm !== null) metrics['train.grad_norm'] = r.gradNorm;
      logger.logMetrics(metrics, r.step);
      heartbeat?.beat(r.step, totalSteps);
      ctx.progress.step({ step: r.step, epoch: r.epoch, epochs, endOfEpoch: r.stepInEpoch === stepsPerEpoch - 1, loss: r.loss, terms: r.terms });
    },
    onEpoch: async (epoch) => {
      if (epoch % ir.train.valEvery !== 0 && epoch !== epochs) return;
      const inference = model.inferenceModel();
      try {
        const values: Record<string, number> = {};
        for (const m of ir.data.modalities) {
          const val = data.modalities[m]!.val;
          // In %, as test.dice.* and the tables (metric-keys.ts).
          if (val.length > 0) values[valDiceKey(m)] = dicePercent(await meanDice(inference, ir, m, val));
        }
        logger.logMetrics({ ...values, 'train.epoch': epoch }, epoch * stepsPerEpoch);
        const shown = Object.entries(values).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ');
        if (shown) ctx.progress.note(`${ir.name}: epoch ${epoch}/${epochs}: ${shown}`);
      } finally {
        inference.dispose();
      }
      await logger.flush();
    },
  });
  if (result.resumedFrom > 0) ctx.progress.note(`${ir.name}: resumed at step ${result.resumedFrom} of ${totalSteps}`);
  ctx.progress.stop();
  return totalSteps;
}

async function evaluate(
  ir: RunIR, model: SegmentationModel, data: RunData, logger: RunLogger, specHash: string, workDir: string, totalSteps: number,
): Promise<RunResults> {
  const inference = model.inferenceModel();
  const metrics = ir.eval.metrics;
  const cases: CaseResult[] = [];
  const firsts: Array<{ modality: string; prediction: CasePrediction }> = [];
  try {
    for (const m of ir.data.modalities) {
      for (const c of data.modalities[m]!.test) {
        const prediction = await predictCase(inference, ir, m, c);
        cases.push(scoreCase(ir, m, prediction, metrics));
        if (!firsts.some((f) => f.modality === m)) firsts.push({ modality: m, prediction });
      }
    }
    const modelDir = path.join(workDir, 'inference-model');
    await saveInferenceModel(inference, modelDir);
    // The Run IR beside the weights: `ablate predict` preprocesses new images as training did.
    await writeFile(path.join(modelDir, 'run-ir.json'), `${JSON.stringify(ir, null, 2)}\n`);
    await logger.logArtifact(modelDir, 'model');
  } finally {
    inference.dispose();
  }

  const results: RunResults = {
    format: 'ablate-results', version: 1, run: ir.name, specHash,
    phantom: ir.dataset.source.kind === 'phantom',
    ...(ir.data.dims === 2 ? { cropAt: ir.data.cropAt } : {}),
    modalities: [...ir.data.modalities], classes: [...ir.dataset.classes], metrics: [...metrics], cases,
  };
  await logger.logText(resultsToJson(results), RESULTS_ARTIFACT);

  // Final metrics: mean (and std) over test volumes per modality × metric × class.
  const { grid, overall } = aggregateResults([results], results.modalities, results.classes, results.metrics);
  const final: Record<string, number> = {};
  for (const [m, byMetric] of Object.entries(grid)) {
    for (const [metric, byClass] of Object.entries(byMetric)) {
      for (const [cls, stat] of Object.entries(byClass)) {
        // test.dice.ct.LVM (mean over test volumes; `mean` = over classes) and test.dice_std.ct.LVM.
        if (Number.isFinite(stat.mean)) final[`test.${metric}.${m}.${cls}`] = stat.mean;
        if (stat.std !== null && Number.isFinite(stat.std)) final[`test.${metric}_std.${m}.${cls}`] = stat.std;
      }
    }
  }
  for (const [metric, v] of Object.entries(overall)) if (Number.isFinite(v)) final[`test.${metric}.overall`] = v;
  logger.logMetrics(final, totalSteps);

  // Plots: the training curve per loss term, and a Fig. 4-style overlay per modality.
  // Read back from the tracking store, so a resumed run's curves include the steps before the resume.
  await logger.flush();
  let series: Array<{ name: string; points: Array<[number, number]> }>;
  try {
    const { data: runData } = await logger.tracker.getRun(logger.runId);
    const lossKeys = runData.metrics.map((m) => m.key).filter((k) => k.startsWith('train.loss.')).sort();
    series = await Promise.all(lossKeys.map(async (key) => ({
      name: key.slice('train.loss.'.length),
      points: (await logger.tracker.getMetricHistory(logger.runId, key)).map((m) => [m.step, m.value] as [number, number]),
    })));
  } catch (error) {
    // The tracking server is down: draw what this process logged (the run still finishes; its data waits in the spool).
    if (!(error instanceof MlflowUnreachableError)) throw error;
    series = logger.loggedSeries('train.loss.').map((s) => ({ name: s.key.slice('train.loss.'.length), points: s.points }));
  }
  if (series.length > 0) {
    // The total loss stands out above its terms.
    const drawn = series.map((x) => (x.name === 'total' ? { ...x, emphasis: true } : x));
    const svg = lineChartSvg({ title: `${ir.name}: training losses`, xLabel: 'step', yLabel: 'loss', logY: true, series: drawn });
    await logger.logText(svg, 'plots/losses.svg');
  }
  for (const { modality, prediction } of firsts) {
    const c = prediction.case;
    const [X, Y, Z] = c.dims;
    let bestZ = 0;
    let bestCount = -1;
    for (let z = 0; z < Z; z++) {
      let n = 0;
      for (let i = z * X * Y; i < (z + 1) * X * Y; i++) if (c.label[i]! > 0) n++;
      if (n > bestCount) [bestZ, bestCount] = [z, n];
    }
    const plane = (a: ArrayLike<number>) => Array.prototype.slice.call(a, bestZ * X * Y, (bestZ + 1) * X * Y) as number[];
    const image = plane(c.image);
    for (const [kind, labels] of [['reference', c.label], ['prediction', prediction.labels]] as const) {
      const png = overlayPng({ width: X, height: Y, image, labels: plane(labels), classes: results.classes });
      await logger.logText(png, `plots/${modality}_${c.id}_z${bestZ}_${kind}.png`);
    }
  }
  await writeFile(path.join(workDir, RESULTS_ARTIFACT), resultsToJson(results));
  await logger.flush();
  return results;
}
