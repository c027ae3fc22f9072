/**
 * Batches prepared on another core: a `worker_threads` worker owns one `BatchSampler` per
 * modality and keeps `prefetch` training steps ready while the main thread trains (tfjs-wasm is
 * single-threaded in Node, so the second core is otherwise idle). The worker draws exactly the
 * batches the same samplers would draw in-process (same seeds, same order).
 *
 * The cases are copied to the worker once; batches come back as transferred buffers (no copy).
 * This one file is both the main-thread API (`BackgroundBatches`) and the worker's body.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BatchSampler, type Batch, type SampleSource, type SamplerOptions } from './samplers.ts';

/** One modality's sampler, as given to the worker. */
export interface SamplerSpec {
  modality: string;
  cases: SampleSource[];
  options: SamplerOptions;
}

type Step = Record<string, Batch>;
type Reply = { kind: 'step'; step: Step } | { kind: 'error'; message: string };

const WORKER_TAG = 'ablate-batches';

/** Endless training steps (one batch per modality) prepared in a worker thread. */
export class BackgroundBatches {
  private readonly worker: Worker;
  private readonly ready: Step[] = [];
  private readonly waiting: { resolve: (s: Step) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private inFlight = 0;

  /**
   * Starts the worker. `prefetch` (default 2) steps are prepared ahead.
   * The worker loads this TypeScript file through tsx's loader.
   */
  constructor(specs: readonly SamplerSpec[], private readonly prefetch = 2) {
    // A tiny JS bootstrap registers tsx's loader, then imports this TypeScript file
    // (`execArgv: ['--import', 'tsx']` does not reach the worker's entry on Node 20).
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(bootstrap, { eval: true, workerData: { tag: WORKER_TAG, specs } });
    this.worker.on('message', (reply: Reply) => {
      this.inFlight--;
      if (reply.kind === 'error') return this.fail(new Error(`batch worker: ${reply.message}`));
      const w = this.waiting.shift();
      if (w) w.resolve(reply.step);
      else this.ready.push(reply.step);
      this.fill();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.fill();
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  private fill(): void {
    while (!this.failure && this.ready.length + this.inFlight < this.prefetch + this.waiting.length) {
      this.inFlight++;
      this.worker.postMessage('next');
    }
  }

  /** The next step's batches, keyed by modality. */
  next(): Promise<Step> {
    if (this.failure) return Promise.reject(this.failure);
    const s = this.ready.shift();
    const p = s ? Promise.resolve(s) : new Promise<Step>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.fill();
    return p;
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

// Worker body.
if (!isMainThread && (workerData as { tag?: string } | null)?.tag === WORKER_TAG) {
  const specs = (workerData as { specs: SamplerSpec[] }).specs;
  let samplers: BatchSampler[] = [];
  let setupError: string | null = null;
  try {
    samplers = specs.map((s) => new BatchSampler(s.modality, s.cases, s.options));
  } catch (e) {
    setupError = (e as Error).message;
  }
  parentPort!.on('message', () => {
    if (setupError) return parentPort!.postMessage({ kind: 'error', message: setupError } satisfies Reply);
    try {
      const step: Step = {};
      const transfer: ArrayBuffer[] = [];
      for (const s of samplers) {
        const b = s.next();
        step[s.modality] = b;
        transfer.push(b.image.buffer as ArrayBuffer, b.label.buffer as ArrayBuffer);
      }
      parentPort!.postMessage({ kind: 'step', step } satisfies Reply, transfer);
    } catch (e) {
      parentPort!.postMessage({ kind: 'error', message: (e as Error).message } satisfies Reply);
    }
  });
}
