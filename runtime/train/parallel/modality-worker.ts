/**
 * The body of one parallel-trainer worker (`parallel-engine.ts`): its own tfjs backend
 * (wasm is single-threaded in Node, so each worker keeps one core busy), its own copy of
 * the model, and the forward and backward passes of the modalities it owns. Parameters,
 * gradients and optimizer slots live in shared memory; the pair terms' inputs are traded
 * through `CouplingExchange`.
 *
 * Loaded through tsx by a one-line bootstrap (see `parallel-engine.ts`); does nothing when
 * imported on the main thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../backend/select-backend.ts';
import type { WasmHeapBackend } from '../../backend/wasm-slice-kernel.ts';
import { buildModel } from '../../model/build-model.ts';
import { jsFlatUpdater, wasmFlatUpdater, type FlatUpdater } from '../flat-updater.ts';
import { CouplingExchange, PeerFailedError } from './coupling-exchange.ts';
import { updateRanges, viewsOf } from './shared-buffers.ts';
import type { Reply, Request, WorkerInit } from './worker-protocol.ts';

async function serve(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  const reply = (r: Reply) => port.postMessage(r);
  const views = viewsOf(init.memory);
  const exchange = new CouplingExchange(views, init.index, init.workers, init.build.modalities);
  const fail = (error: unknown) => {
    exchange.abort();
    const e = error instanceof Error ? error : new Error(String(error));
    reply({ kind: 'error', name: e.name, message: e.message, stack: e.stack, peer: e instanceof PeerFailedError });
  };

  let model;
  let updater: FlatUpdater;
  try {
    await initBackend(init.backend);
    model = buildModel(init.model, init.build);
    // the JavaScript loops compute the same values, only slower, where the wasm ones cannot start
    updater = await wasmFlatUpdater(init.memory.arena).catch(() => jsFlatUpdater);
  } catch (error) {
    fail(error);
    return;
  }
  const variables = model.trainableVariables;
  const { segments } = init.layout;
  if (variables.length !== segments.length || variables.some((v, i) => v.name !== segments[i]!.name || v.size !== segments[i]!.size)) {
    fail(new Error(`the worker's model has other variables than the trainer's (${variables.length} vs ${segments.length}): was it built from another Run IR?`));
    return;
  }
  // On wasm a tensor's data is copied into the wasm heap; the cpu backend would keep a view of
  // shared memory, which the next update overwrites.
  const copyIn = tf.getBackend() !== 'wasm';
  // On wasm, gradients are read through a view of the heap (dataSync would copy them once more).
  const heap = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmHeapBackend) : undefined;
  const valuesOf = (t: tf.Tensor): Float32Array => (heap ? (heap.typedArrayFromHeap(t) as Float32Array) : (t.dataSync() as Float32Array));
  const n = segments.length;

  const load = () => {
    for (const [i, v] of variables.entries()) {
      const s = segments[i]!;
      const values = views.params.subarray(s.offset, s.offset + s.size);
      tf.tidy(() => v.assign(tf.tensor(copyIn ? values.slice() : values, s.shape)));
    }
  };

  const step = (req: Extract<Request, { kind: 'step' }>) => {
    const t0 = performance.now();
    load();
    const t1 = performance.now();
    let exchangeMs = 0;
    let t2 = t1;
    const batches = Object.fromEntries(
      Object.entries(req.batches).map(([m, b]) => [m, { x: tf.tensor4d(b.x, b.xShape as [number, number, number, number]), y: tf.tensor(b.y, b.yShape, 'int32') }]),
    );
    let terms: Record<string, number> = {};
    let reported = 0;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.computeLosses(batches, req.step, {
          exchange: (own) => {
            const started = performance.now();
            const peers = exchange.exchange(req.step, own);
            exchangeMs = performance.now() - started;
            return peers;
          },
        });
        terms = Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, t.dataSync()[0]!]));
        reported = out.reported.dataSync()[0]!;
        return out.total;
      }, variables);
      t2 = performance.now();
      for (const [i, v] of variables.entries()) {
        const g = grads[v.name];
        views.hasGrad[init.index * n + i] = g ? 1 : 0;
        if (g) views.grads[init.index]!.set(valuesOf(g), segments[i]!.offset);
      }
      tf.dispose([value, grads]);
    } finally {
      for (const b of Object.values(batches)) tf.dispose([b.x, b.y]);
    }
    const ms = { load: t1 - t0, passes: t2 - t1, exchange: exchangeMs, gradients: performance.now() - t2 };
    reply({ kind: 'grads', terms, reported, tensors: tf.memory().numTensors, ms });
  };

  port.on('message', (req: Request) => {
    try {
      switch (req.kind) {
        case 'step':
          step(req);
          break;
        case 'sumsq':
          reply({ kind: 'sumsq', value: updater.sumOfSquares(updateRanges(init.layout, views, req.lo, req.hi)) });
          break;
        case 'apply':
          updater.apply(init.optimizer, views.params, views.slots, updateRanges(init.layout, views, req.lo, req.hi), req);
          reply({ kind: 'applied' });
          break;
      }
    } catch (error) {
      fail(error);
    }
  });
  reply({ kind: 'ready', parameters: model.parameterCount() });
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.tag === 'ablate-trainer') {
  void serve(workerData as WorkerInit);
}
