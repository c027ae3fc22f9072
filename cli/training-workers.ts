/**
 * How many threads train a run (`--workers`): the parallel trainer runs one modality per
 * worker thread (`runtime/train/parallel/`). It pays on backends that use one core per
 * process (wasm, single-threaded in Node, and the pure-JS cpu backend); tfjs-node already
 * uses every core inside libtensorflow, so there `auto` keeps training in one thread.
 */
import type { BackendName } from '../runtime/backend/backend-name.ts';

export class WorkersOptionError extends Error {
  readonly hint = "use --workers auto, or a whole number ≥ 1 (1 trains in the main thread)";
  constructor(readonly value: string) {
    super(`--workers must be 'auto' or a positive integer, got '${value}'`);
    this.name = 'WorkersOptionError';
  }
}

/**
 * @param option the `--workers` value: `auto` or a positive integer
 * @param cores `os.availableParallelism()`
 * @returns the most worker threads a run may use (a run uses at most one per modality); 1 means serial
 */
export function trainingWorkers(option: string, backend: BackendName, cores: number): number {
  if (option === 'auto') return backend === 'wasm' || backend === 'cpu' ? Math.max(1, cores) : 1;
  if (!/^[1-9]\d*$/.test(option)) throw new WorkersOptionError(option);
  return Number(option);
}
