/**
 * RunLogger: one MLflow run seen from a training loop. Start it with tags, log the Run IR as
 * params, log metrics by step into a buffer that is flushed in batches, attach artifacts, open
 * nested child runs, and end it as FINISHED, FAILED (error as tag and artifact) or KILLED.
 *
 * ```ts
 * const run = await RunLogger.start(createTracker(), { experimentName: 'cardiac', runName: 'ours', tags });
 * await run.logParamsFrom(ir);
 * run.logMetrics({ 'loss.seg.ct': 0.41, 'loss.seg.mri': 0.52 }, epoch);
 * await run.flush();                 // e.g. once per epoch; also happens every `flushEvery` values
 * await run.finish();                // or run.fail(err) / run.kill()
 * ```
 */
import { flattenParams, type FlattenOptions, type FlattenedParams } from './flatten-params.ts';
import { MAX_TAG_VALUE_LENGTH, validateMetric } from './mlflow-limits.ts';
import { ABLATE_TAGS } from './run-tags.ts';
import { TrackingError } from './tracking-error.ts';
import type { Metric, RunInfo, TerminalStatus, Tracker } from './tracker.ts';

/** Tag holding the error message of a FAILED run. */
export const ERROR_TAG = ABLATE_TAGS.error;
/** Artifact holding the error's message and stack of a FAILED run. */
export const ERROR_ARTIFACT = 'error.txt';

export interface StartRunOptions {
  /** Experiment name; created when missing. Ignored for a child run (it uses its parent's). */
  experimentName: string;
  runName?: string;
  tags?: Record<string, string>;
  parentRunId?: string;
  /** ms; default now. */
  startTime?: number;
  /** Send buffered metrics once this many wait. Default 500. */
  flushEvery?: number;
  /** Clock for metric timestamps (ms). Default Date.now. */
  now?: () => number;
}

export class RunLogger {
  readonly tracker: Tracker;
  readonly info: RunInfo;
  private readonly flushEvery: number;
  private readonly now: () => number;
  private buffer: Metric[] = [];
  /** Every value this logger logged, by key: plots can be drawn while the server is down. */
  private readonly logged = new Map<string, Array<[number, number]>>();
  private background: Promise<void> = Promise.resolve();
  private backgroundError: unknown = undefined;
  private endedAs: TerminalStatus | undefined;

  private constructor(tracker: Tracker, info: RunInfo, options: { flushEvery?: number; now?: () => number }) {
    this.tracker = tracker;
    this.info = info;
    this.flushEvery = options.flushEvery ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** Create a run (and its experiment when missing). */
  static async start(tracker: Tracker, options: StartRunOptions): Promise<RunLogger> {
    const experiment = await tracker.getOrCreateExperiment(options.experimentName);
    const info = await tracker.createRun({
      experimentId: experiment.experimentId,
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      ...(options.tags !== undefined ? { tags: options.tags } : {}),
      ...(options.parentRunId !== undefined ? { parentRunId: options.parentRunId } : {}),
      startTime: options.startTime ?? (options.now ?? Date.now)(),
    });
    return new RunLogger(tracker, info, options);
  }

  /** A logger on a run another process owns (e.g. a parent to nest children under); its status is left as it is. */
  static async attach(tracker: Tracker, runId: string, options: { flushEvery?: number; now?: () => number } = {}): Promise<RunLogger> {
    const { info } = await tracker.getRun(runId);
    return new RunLogger(tracker, info, options);
  }

  /** Continue an existing run (e.g. one KILLED by Ctrl-C): its status goes back to RUNNING. */
  static async resume(tracker: Tracker, runId: string, options: { flushEvery?: number; now?: () => number } = {}): Promise<RunLogger> {
    const info = await tracker.updateRun(runId, { status: 'RUNNING', endTime: null });
    return new RunLogger(tracker, info, options);
  }

  get runId(): string {
    return this.info.runId;
  }

  get experimentId(): string {
    return this.info.experimentId;
  }

  /** The terminal status once finish/fail/kill ran, else undefined. */
  get ended(): TerminalStatus | undefined {
    return this.endedAs;
  }

  /** Metric values logged but not yet handed to the tracker. */
  get pendingMetrics(): number {
    return this.buffer.length;
  }

  private assertOpen(what: string): void {
    if (this.endedAs !== undefined) {
      throw new TrackingError('INVALID_STATE', `Cannot ${what}: run ${this.runId} already ended as ${this.endedAs}`);
    }
  }

  /** A child run in the same experiment, tagged `mlflow.parentRunId` = this run. */
  async startChild(options: Omit<StartRunOptions, 'experimentName' | 'parentRunId'>): Promise<RunLogger> {
    this.assertOpen('start a child run');
    const info = await this.tracker.createRun({
      experimentId: this.experimentId,
      parentRunId: this.runId,
      ...(options.runName !== undefined ? { runName: options.runName } : {}),
      ...(options.tags !== undefined ? { tags: options.tags } : {}),
      startTime: options.startTime ?? (options.now ?? this.now)(),
    });
    return new RunLogger(this.tracker, info, { flushEvery: options.flushEvery ?? this.flushEvery, now: options.now ?? this.now });
  }

  async logParams(params: Record<string, string>): Promise<void> {
    this.assertOpen('log params');
    await this.tracker.logParams(this.runId, params);
  }

  /**
   * Log a nested object (the Run IR) as flattened params; values too long for a param are
   * written as artifacts (`params/<key>.txt`) first. Returns what was logged.
   */
  async logParamsFrom(ir: unknown, options: FlattenOptions = {}): Promise<FlattenedParams> {
    this.assertOpen('log params');
    const flat = flattenParams(ir, options);
    for (const long of flat.longValues) await this.tracker.logText(this.runId, long.value, long.artifactPath);
    await this.tracker.logParams(this.runId, flat.params);
    return flat;
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    this.assertOpen('set tags');
    await this.tracker.setTags(this.runId, tags);
  }

  /** Buffer one metric value at `step` (timestamp: now). Throws at once for an invalid key. */
  logMetric(key: string, value: number, step: number, timestamp: number = this.now()): void {
    this.assertOpen('log metrics');
    validateMetric(key, value, timestamp, step);
    this.buffer.push({ key, value, timestamp, step });
    let points = this.logged.get(key);
    if (!points) this.logged.set(key, (points = []));
    points.push([step, value]);
    if (this.buffer.length >= this.flushEvery) this.flushInBackground();
  }

  /** The (step, value) points this logger logged for each key starting with `prefix`, keys sorted. */
  loggedSeries(prefix: string): Array<{ key: string; points: Array<[number, number]> }> {
    return [...this.logged].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, points]) => ({ key, points: [...points] }));
  }

  /** Buffer several metrics at the same step and timestamp. */
  logMetrics(values: Record<string, number>, step: number, timestamp: number = this.now()): void {
    for (const [key, value] of Object.entries(values)) this.logMetric(key, value, step, timestamp);
  }

  private flushInBackground(): void {
    const batch = this.buffer;
    this.buffer = [];
    this.background = this.background.then(async () => {
      try {
        await this.tracker.logMetrics(this.runId, batch);
      } catch (e) {
        this.backgroundError ??= e;
      }
    });
  }

  /** Hand every buffered metric to the tracker; rethrows an error of an earlier background flush. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) this.flushInBackground();
    await this.background;
    if (this.backgroundError !== undefined) {
      const e = this.backgroundError;
      this.backgroundError = undefined;
      throw e;
    }
  }

  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.assertOpen('log artifacts');
    await this.tracker.logArtifact(this.runId, localPath, artifactPath);
  }

  async logText(content: string | Uint8Array, artifactFile: string): Promise<void> {
    this.assertOpen('log artifacts');
    await this.tracker.logText(this.runId, content, artifactFile);
  }

  /** Write `value` as pretty JSON to the artifact `artifactFile` (e.g. the Run IR as `ir/run.json`). */
  async logJson(value: unknown, artifactFile: string): Promise<void> {
    await this.logText(`${JSON.stringify(value, null, 2)}\n`, artifactFile);
  }

  private async end(status: TerminalStatus, endTime: number): Promise<void> {
    this.assertOpen(`end the run as ${status}`);
    await this.flush();
    await this.tracker.setTerminated(this.runId, status, endTime);
    this.endedAs = status;
  }

  /** Flush and mark FINISHED. */
  async finish(endTime: number = this.now()): Promise<void> {
    await this.end('FINISHED', endTime);
  }

  /**
   * Flush and mark FAILED, with the error's message as tag `ablate.error` (cut to MLflow's
   * 5000-character tag limit) and its message and stack as artifact `error.txt`.
   */
  async fail(error: unknown, endTime: number = this.now()): Promise<void> {
    this.assertOpen('mark the run FAILED');
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const detail = error instanceof Error && error.stack ? error.stack : message;
    try {
      await this.flush();
    } catch {
      // The run is failing already; its own error is the one to report.
    }
    // Whatever goes wrong while recording the error, the run must still end as FAILED.
    let recordError: unknown;
    try {
      await this.tracker.setTags(this.runId, { [ERROR_TAG]: [...message].slice(0, MAX_TAG_VALUE_LENGTH).join('') });
      await this.tracker.logText(this.runId, `${detail}\n`, ERROR_ARTIFACT);
    } catch (e) {
      recordError = e;
    }
    await this.end('FAILED', endTime);
    if (recordError !== undefined) throw recordError;
  }

  /** Flush and mark KILLED (interrupted; `RunLogger.resume` continues it). */
  async kill(endTime: number = this.now()): Promise<void> {
    await this.end('KILLED', endTime);
  }
}
