import { describe, expect, it } from 'vitest';
import { BackgroundBatches } from '../../runtime/data/loader-worker.ts';
import { BatchSampler, type SampleSource, type SamplerOptions } from '../../runtime/data/samplers.ts';

function volume(id: string, dims: [number, number, number]): SampleSource {
  const n = dims[0] * dims[1] * dims[2];
  return { id, dims, image: Float32Array.from({ length: n }, (_, i) => i * 0.5), label: Uint8Array.from({ length: n }, (_, i) => i % 3) };
}

describe('BackgroundBatches', () => {
  it('yields exactly the batches the in-process samplers draw', async () => {
    const ct = [volume('a', [8, 6, 5]), volume('b', [8, 6, 4])];
    const mri = [volume('m', [10, 10, 10])];
    const o2: SamplerOptions = { dims: 2, slices: 3, crop: [8, 6], batch: 3, seed: 11 };
    const o3: SamplerOptions = { dims: 3, slices: 1, crop: [4, 4, 4], batch: 2, seed: 11 };
    const bg = new BackgroundBatches([
      { modality: 'ct', cases: ct, options: o2 },
      { modality: 'mri', cases: mri, options: o3 },
    ]);
    const local = { ct: new BatchSampler('ct', ct, o2), mri: new BatchSampler('mri', mri, o3) };
    try {
      for (let i = 0; i < 5; i++) {
        const step = await bg.next();
        for (const m of ['ct', 'mri'] as const) {
          const want = local[m].next();
          expect(step[m]!.origins).toEqual(want.origins);
          expect(step[m]!.imageShape).toEqual(want.imageShape);
          expect(Array.from(step[m]!.image)).toEqual(Array.from(want.image));
          expect(Array.from(step[m]!.label)).toEqual(Array.from(want.label));
        }
      }
    } finally {
      await bg.close();
    }
  });

  it('reports a sampler error from the worker', async () => {
    const bg = new BackgroundBatches([{ modality: 'ct', cases: [], options: { dims: 2, slices: 1, crop: [2, 2], batch: 1, seed: 0 } }]);
    try {
      await expect(bg.next()).rejects.toThrowError(/batch worker: modality ct: has no training case to sample from/);
    } finally {
      await bg.close();
    }
  });
});
