/**
 * How workers trade the tensors eq. (10) and (11) read across modalities (each modality's
 * class embeddings Q and correlations E) in the middle of their forward passes: each
 * publishes its own in shared memory, raises its stamp and blocks (`Atomics.wait`) until
 * every other worker's stamp says the same step. The values received are constants on the
 * receiving side (`totalLoss`'s `owned`). A worker that fails raises the abort flag, so the
 * others stop waiting and fail too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CouplingInput } from '../../losses/total-loss.ts';
import { EXCHANGE_CAPACITY, EXCHANGE_HEADER, raiseAbort, type SharedViews } from './shared-buffers.ts';

/** Raised in a worker whose peer failed; the peer's own error is the one to report. */
export class PeerFailedError extends Error {
  constructor() {
    super('another training worker failed');
    this.name = 'PeerFailedError';
  }
}

export class ExchangeTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`no training worker answered the coupling exchange within ${seconds} s`);
    this.name = 'ExchangeTimeoutError';
  }
}

const KIND_Q = 0;
const KIND_E = 1;

export class CouplingExchange {
  constructor(
    private readonly views: SharedViews,
    private readonly worker: number,
    private readonly workers: number,
    /** Every modality in the model's order (indices are what the header stores). */
    private readonly modalities: readonly string[],
    private readonly timeoutSeconds = 600,
  ) {}

  /** Publishes `own` for step `step`, waits for every other worker, returns theirs. */
  exchange(step: number, own: readonly CouplingInput[]): CouplingInput[] {
    this.publish(own);
    const stamp = step + 1;
    Atomics.store(this.views.control, this.worker, stamp);
    Atomics.notify(this.views.control, this.worker);
    const out: CouplingInput[] = [];
    for (let w = 0; w < this.workers; w++) {
      if (w === this.worker) continue;
      this.waitFor(w, stamp);
      out.push(...this.read(w));
    }
    return out;
  }

  /** Tells every waiting worker to give up (this one failed). */
  abort(): void {
    raiseAbort(this.views.control, this.workers);
  }

  private publish(own: readonly CouplingInput[]): void {
    const header = this.views.exchangeHeaders[this.worker]!;
    const data = this.views.exchangeData[this.worker]!;
    let count = 0;
    let offset = 0;
    const put = (m: number, kind: number, scale: number, t: tf.Tensor) => {
      if (t.rank > 3) throw new Error(`coupling exchange: a rank-${t.rank} tensor (at most 3)`);
      if (offset + t.size > EXCHANGE_CAPACITY) throw new Error(`coupling exchange: more than ${EXCHANGE_CAPACITY} values to publish`);
      if (1 + 8 * (count + 1) > EXCHANGE_HEADER) throw new Error('coupling exchange: too many tensors to publish');
      data.set(t.dataSync() as Float32Array, offset);
      const shape = [...t.shape, 1, 1, 1].slice(0, 3);
      header.set([m, kind, scale, t.rank, shape[0]!, shape[1]!, shape[2]!, offset], 1 + 8 * count);
      count += 1;
      offset += t.size;
    };
    for (const input of own) {
      const m = this.modalities.indexOf(input.modality);
      if (input.Q) put(m, KIND_Q, 0, input.Q);
      input.E.forEach((e, s) => put(m, KIND_E, s, e));
      if (!input.Q && input.E.length === 0) header.set([m, -1, 0, 0, 0, 0, 0, offset], 1 + 8 * count++);
    }
    header[0] = count;
  }

  private read(w: number): CouplingInput[] {
    const header = this.views.exchangeHeaders[w]!;
    const data = this.views.exchangeData[w]!;
    const byModality = new Map<number, { Q: tf.Tensor | undefined; E: tf.Tensor3D[] }>();
    for (let i = 0; i < header[0]!; i++) {
      const [m, kind, scale, rank, d0, d1, d2, offset] = Array.from(header.subarray(1 + 8 * i, 9 + 8 * i)) as number[];
      const entry = byModality.get(m!) ?? { Q: undefined, E: [] };
      byModality.set(m!, entry);
      if (kind === -1) continue;
      const shape = [d0!, d1!, d2!].slice(0, rank);
      const size = shape.reduce((a, b) => a * b, 1);
      const t = tf.tensor(data.slice(offset!, offset! + size), shape);
      if (kind === KIND_Q) entry.Q = t;
      else entry.E[scale!] = t as tf.Tensor3D;
    }
    return [...byModality].map(([m, e]) => ({ modality: this.modalities[m]!, Q: e.Q, E: e.E }));
  }

  private waitFor(w: number, stamp: number): void {
    const deadline = Date.now() + this.timeoutSeconds * 1000;
    for (;;) {
      // control[workers] is the abort flag (shared-buffers.ts)
      if (Atomics.load(this.views.control, this.workers) !== 0) throw new PeerFailedError();
      const seen = Atomics.load(this.views.control, w);
      if (seen === stamp) return;
      if (Date.now() > deadline) throw new ExchangeTimeoutError(this.timeoutSeconds);
      Atomics.wait(this.views.control, w, seen, 200);
    }
  }
}
