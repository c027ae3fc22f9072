/**
 * Training on every core with wasm: tfjs's wasm backend is single-threaded in Node, so one
 * process uses one core. The parallel trainer runs each modality's forward and backward
 * pass in its own worker thread (own wasm instance, own copy of the model): the paper's
 * step takes one CT batch and one MRI batch, which are independent but for the pair terms
 * eq. (10)–(11), whose small inputs (Q, E) the workers trade mid-pass
 * (`coupling-exchange.ts`). The gradient is the sum of the workers' gradients (exact:
 * `totalLoss`'s `owned`); clipping and the optimizer run on flat shared buffers, each
 * worker updating its own half (`flat-optimizer.ts`). This thread only orchestrates, and
 * copies the parameters back into the model's variables when asked (`syncVariables`).
 *
 * Same mathematics as `SerialEngine`; floats differ in the last digits (summation order,
 * float64 optimizer arithmetic). Checkpoints are interchangeable between the two.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Worker } from 'node:worker_threads';
import type { ModelIR, TrainIR } from '../../../schemas/run-ir.schema.ts';
import type { BackendName } from '../../backend/backend-name.ts';
import { isWasmAbort, WASM_ABORT_HINT } from '../../backend/wasm-abort.ts';
import type { BuildModelOptions } from '../../model/build-model.ts';
import { clipScale } from '../clip-gradients.ts';
import { flatSlotNames } from '../flat-optimizer.ts';
import type { OptimizerState } from '../optimizer.ts';
import { layoutOf, partRange, type ParameterLayout } from '../parameter-layout.ts';
import type { Batches, StepEngine, StepOutcome } from '../step-engine.ts';
import { allocateShared, raiseAbort, viewsOf, type SharedViews } from './shared-buffers.ts';
import type { BatchData, Reply, Request, StepTimes, WorkerInit } from './worker-protocol.ts';

/** How to train in parallel: what each worker builds, on which backend, with how many workers. */
export interface ParallelTraining {
  model: ModelIR;
  /** The options the trainer's own model was built with (same seed, modalities, loss, namespace). */
  build: BuildModelOptions;
  backend: BackendName;
  /** Workers to start (at most one per modality). */
  workers: number;
}

export class TrainingWorkerError extends Error {
  /** Set when the worker's wasm module aborted (its heap ran out, most likely). */
  readonly hint: string | undefined;

  constructor(
    readonly worker: number,
    readonly modalities: readonly string[],
    readonly causeName: string,
    message: string,
    readonly workerStack?: string,
  ) {
    super(`training worker ${worker} (${modalities.join(', ')}): ${message}`);
    this.name = causeName === 'Error' ? 'TrainingWorkerError' : causeName;
    this.hint = isWasmAbort(message) ? WASM_ABORT_HINT : undefined;
  }
}

/** One worker and its single outstanding request. */
class WorkerHandle {
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    readonly worker: Worker,
    readonly index: number,
    readonly owned: readonly string[],
  ) {
    worker.on('message', (r: Reply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  /** The next reply (the first one is `ready`). */
  next(): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  request(req: Request): Promise<Reply> {
    const r = this.next();
    this.worker.postMessage(req);
    return r;
  }
}

export class ParallelEngine implements StepEngine {
  private t = 0;
  private variablesCurrent = true;

  private constructor(
    private readonly variables: tf.Variable[],
    private readonly train: TrainIR,
    private readonly layout: ParameterLayout,
    private readonly views: SharedViews,
    private readonly handles: WorkerHandle[],
  ) {}

  /** Starts the workers with the variables' current values; resolves when every worker has built its model. */
  static async start(variables: tf.Variable[], train: TrainIR, opts: ParallelTraining): Promise<ParallelEngine> {
    const modalities = opts.build.modalities;
    const count = Math.max(1, Math.min(opts.workers, modalities.length));
    const layout = layoutOf(variables);
    const memory = allocateShared(layout, train.optimizer, count);
    const views = viewsOf(memory);
    for (const [i, v] of variables.entries()) views.params.set(v.dataSync() as Float32Array, layout.segments[i]!.offset);
    const handles: WorkerHandle[] = [];
    // A tiny JS bootstrap registers tsx's loader, then imports the TypeScript worker body
    // (as runtime/data/loader-worker.ts does: `execArgv` does not reach a worker's entry on Node 20).
    const body = new URL('./modality-worker.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(body)}); })`;
    for (let w = 0; w < count; w++) {
      const owned = modalities.filter((_, i) => i % count === w);
      const init: WorkerInit = {
        tag: 'ablate-trainer', index: w, workers: count, owned, backend: opts.backend, model: opts.model, build: opts.build,
        optimizer: train.optimizer, layout, memory,
      };
      handles.push(new WorkerHandle(new Worker(bootstrap, { eval: true, workerData: init }), w, owned));
    }
    const engine = new ParallelEngine(variables, train, layout, views, handles);
    try {
      await engine.all(handles.map((h) => h.next()), 'ready');
    } catch (error) {
      await engine.dispose();
      throw error;
    }
    return engine;
  }

  /** Waits for every reply; the first real failure (not a peer giving up because of it) is thrown. */
  private async all(replies: Promise<Reply>[], kind: Reply['kind']): Promise<Reply[]> {
    // On the first failure, raise the abort flag at once: a worker that died (out of memory,
    // say) could not raise it, and its peers would wait for it in the exchange.
    const watched = replies.map((p) =>
      p.then(
        (r) => (r.kind === 'error' && this.abortPeers(), r),
        (e: unknown) => {
          this.abortPeers();
          throw e;
        },
      ),
    );
    const settled = await Promise.allSettled(watched);
    const errors = settled.map((s, w) => {
      const h = this.handles[w]!;
      if (s.status === 'rejected') return { peer: false, error: new TrainingWorkerError(w, h.owned, 'Error', (s.reason as Error).message) };
      const r = s.value;
      if (r.kind === 'error') return { peer: r.peer, error: new TrainingWorkerError(w, h.owned, r.name, r.message, r.stack) };
      if (r.kind !== kind) return { peer: false, error: new TrainingWorkerError(w, h.owned, 'Error', `answered '${r.kind}' to a '${kind}' request`) };
      return undefined;
    });
    const first = errors.find((e) => e && !e.peer) ?? errors.find((e) => e);
    if (first) throw first.error;
    return settled.map((s) => (s as PromiseFulfilledResult<Reply>).value);
  }

  private abortPeers(): void {
    raiseAbort(this.views.control, this.handles.length);
  }

  private range(w: number): [number, number] {
    return partRange(this.layout.total, this.handles.length, w);
  }

  async step(batches: Batches, step: number, lr: number, check: (terms: Record<string, number>) => void): Promise<StepOutcome> {
    const t0 = performance.now();
    const data: Record<string, BatchData> = {};
    for (const [m, b] of Object.entries(batches)) {
      data[m] = { x: b.x.dataSync() as Float32Array, xShape: b.x.shape, y: Int32Array.from(b.y.dataSync()), yShape: b.y.shape };
    }
    const t1 = performance.now();
    const grads = (await this.all(
      this.handles.map((h) => h.request({ kind: 'step', step, batches: Object.fromEntries(h.owned.filter((m) => data[m]).map((m) => [m, data[m]!])) })),
      'grads',
    )) as Extract<Reply, { kind: 'grads' }>[];
    const t2 = performance.now();
    const terms: Record<string, number> = {};
    let loss = 0;
    for (const r of grads) {
      // per-modality terms come from one worker each; with more than two modalities a pair
      // term (mcr, icr) is reported in parts, by each owner of some pair's first modality
      for (const [k, v] of Object.entries(r.terms)) terms[k] = (terms[k] ?? 0) + v;
      loss += r.reported;
    }
    const slowest = (k: keyof StepTimes) => Math.max(...grads.map((r) => r.ms[k]));
    const phases: Record<string, number> = {
      batches: t1 - t0, load: slowest('load'), passes: slowest('passes'), exchange: slowest('exchange'), gradients: slowest('gradients'), workers: t2 - t1,
    };
    const outcome: StepOutcome = { loss, terms: { total: loss, ...terms }, gradNorm: null, workerTensors: grads.map((r) => r.tensors), phases };
    check(outcome.terms);

    const t3 = performance.now();
    let scale = 1;
    const maxNorm = this.train.clipGradNorm;
    if (maxNorm !== null) {
      const parts = await this.all(this.handles.map((h, w) => h.request({ kind: 'sumsq', lo: this.range(w)[0], hi: this.range(w)[1] })), 'sumsq');
      const norm = Math.sqrt(parts.reduce((s, r) => s + (r as Extract<Reply, { kind: 'sumsq' }>).value, 0));
      outcome.gradNorm = norm;
      scale = clipScale(norm, maxNorm);
    }
    const t4 = performance.now();
    await this.all(this.handles.map((h, w) => h.request({ kind: 'apply', lo: this.range(w)[0], hi: this.range(w)[1], lr, scale, t: this.t })), 'applied');
    phases.norm = t4 - t3;
    phases.update = performance.now() - t4;
    this.t += 1;
    this.variablesCurrent = false;
    return outcome;
  }

  getState(): OptimizerState {
    const slots = new Map<string, tf.Tensor>();
    for (const name of flatSlotNames(this.train.optimizer)) {
      const buf = this.views.slots[name]!;
      for (const s of this.layout.segments) slots.set(`${name}/${s.name}`, tf.tensor(buf.slice(s.offset, s.offset + s.size), s.shape));
    }
    return { step: this.t, slots };
  }

  setState(state: OptimizerState): void {
    this.t = state.step;
    for (const name of flatSlotNames(this.train.optimizer)) {
      const buf = this.views.slots[name]!;
      for (const s of this.layout.segments) {
        const t = state.slots.get(`${name}/${s.name}`);
        if (t && t.size !== s.size) throw new Error(`optimizer slot ${name}/${s.name} has ${t.size} values, the variable ${s.size}`);
        if (t) buf.set(t.dataSync() as Float32Array, s.offset);
        else buf.fill(0, s.offset, s.offset + s.size);
      }
    }
  }

  syncVariables(): void {
    if (this.variablesCurrent) return;
    for (const [i, v] of this.variables.entries()) {
      const s = this.layout.segments[i]!;
      tf.tidy(() => v.assign(tf.tensor(this.views.params.slice(s.offset, s.offset + s.size), s.shape)));
    }
    this.variablesCurrent = true;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
