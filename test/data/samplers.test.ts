import { describe, expect, it } from 'vitest';
import { BatchSampler, patch3D, slice2D, unpairedBatches, type SampleSource } from '../../runtime/data/samplers.ts';

/** Image value 1000·z + 100·y + x (unique per voxel), label 1 in a block. */
function volume(id: string, dims: [number, number, number], block?: [number, number, number, number, number, number]): SampleSource {
  const [X, Y, Z] = dims;
  const image = new Float32Array(X * Y * Z);
  const label = new Uint8Array(X * Y * Z);
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const i = x + X * (y + Y * z);
    image[i] = 1000 * z + 100 * y + x;
    if (block && x >= block[0] && x < block[1] && y >= block[2] && y < block[3] && z >= block[4] && z < block[5]) label[i] = 1;
  }
  return { id, dims, image, label };
}

describe('2D samples', () => {
  it('stack consecutive slices as channels (edges clamp) with the middle slice label, HWC', () => {
    const v = volume('a', [4, 3, 5], [1, 3, 0, 2, 2, 3]);
    const S = 3;
    for (const z of [0, 2, 4]) {
      const { image, label } = slice2D(v, z, S);
      expect(image.length).toBe(3 * 4 * S);
      for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) {
        for (let s = 0; s < S; s++) {
          const zz = Math.min(Math.max(z - 1 + s, 0), 4);
          expect(image[(y * 4 + x) * S + s]).toBe(1000 * zz + 100 * y + x);
        }
        expect(label[y * 4 + x]).toBe(z === 2 && x >= 1 && x < 3 && y < 2 ? 1 : 0);
      }
    }
    const five = slice2D(v, 0, 5).image; // channels z = 0, 0, 0, 1, 2
    expect(Array.from(five.subarray(0, 5))).toEqual([0, 0, 0, 1000, 2000]);
  });
});

describe('3D patches', () => {
  it('are [D, H, W, 1] with x fastest, reading the image minimum and label 0 outside', () => {
    const v = volume('a', [5, 4, 3], [0, 5, 0, 4, 1, 2]);
    const { image, label } = patch3D(v, [3, 2, 1], [3, 2, 2]);
    for (let z = 0; z < 2; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) {
      const i = (z * 2 + y) * 3 + x;
      const [gx, gy, gz] = [3 + x, 2 + y, 1 + z];
      const inside = gx < 5 && gy < 4 && gz < 3;
      expect(image[i]).toBe(inside ? 1000 * gz + 100 * gy + gx : 0);
      expect(label[i]).toBe(inside && gz === 1 ? 1 : 0);
    }
  });
});

describe('BatchSampler', () => {
  const cases = [volume('a', [4, 3, 5]), volume('b', [4, 3, 3])];

  it('2D: visits every slice of every case once per epoch, in a seeded order', () => {
    const s = new BatchSampler('ct', cases, { dims: 2, slices: 3, crop: [4, 3], batch: 4, seed: 7 });
    expect(s.samplesPerEpoch).toBe(8);
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const b = s.next();
      expect(b.imageShape).toEqual([4, 3, 4, 3]);
      expect(b.labelShape).toEqual([4, 3, 4]);
      expect(b.image.length).toBe(4 * 3 * 4 * 3);
      seen.push(...b.origins);
      // Each sample's middle channel at (0, 0) is 1000 · z.
      b.origins.forEach((o, k) => expect(b.image[k * 36 + 1]).toBe(1000 * Number(o.split(':z')[1])));
    }
    expect(seen.sort()).toEqual(['a:z0', 'a:z1', 'a:z2', 'a:z3', 'a:z4', 'b:z0', 'b:z1', 'b:z2']);
    expect(s.epoch).toBe(0);
    s.next();
    expect(s.epoch).toBe(1);
    const again = new BatchSampler('ct', cases, { dims: 2, slices: 3, crop: [4, 3], batch: 4, seed: 7 });
    const other = new BatchSampler('ct', cases, { dims: 2, slices: 3, crop: [4, 3], batch: 8, seed: 8 });
    const first = again.next().origins;
    expect(first).toEqual(new BatchSampler('ct', cases, { dims: 2, slices: 3, crop: [4, 3], batch: 4, seed: 7 }).next().origins);
    expect(other.next().origins.slice(0, 4)).not.toEqual(first);
  });

  it('2D: refuses cases of different in-plane sizes', () => {
    expect(() => new BatchSampler('mri', [volume('a', [4, 3, 2]), volume('b', [5, 3, 2])], { dims: 2, slices: 3, crop: [4, 3], batch: 1, seed: 0 })).toThrowError(/mri\/b: is 5×3 in-plane but mri\/a is 4×3/);
  });

  it('3D: centres patches on labelled voxels with probability foregroundFraction', () => {
    const v = volume('a', [20, 20, 20], [9, 11, 9, 11, 9, 11]);
    const fg = new BatchSampler('ct', [v], { dims: 3, slices: 1, crop: [6, 6, 6], batch: 16, seed: 1, foregroundFraction: 1 });
    const b = fg.next();
    expect(b.imageShape).toEqual([16, 6, 6, 6, 1]);
    for (let k = 0; k < 16; k++) {
      // The centre voxel (3, 3, 3) of every patch is labelled.
      expect(b.label[k * 216 + (3 * 6 + 3) * 6 + 3]).toBe(1);
    }
    const bg = new BatchSampler('ct', [v], { dims: 3, slices: 1, crop: [6, 6, 6], batch: 64, seed: 1, foregroundFraction: 0 });
    const c = bg.next();
    let centred = 0;
    for (let k = 0; k < 64; k++) centred += c.label[k * 216 + (3 * 6 + 3) * 6 + 3]!;
    expect(centred).toBeLessThan(8); // uniform: 8 of 3375 origins put a labelled voxel at the centre
  });

  it('unpaired: each modality has its own stream, unaffected by the other', () => {
    const ct = () => new BatchSampler('ct', cases, { dims: 2, slices: 3, crop: [4, 3], batch: 2, seed: 3 });
    const mri = new BatchSampler('mri', [volume('m', [4, 3, 6])], { dims: 2, slices: 1, crop: [4, 3], batch: 3, seed: 3 });
    const it2 = unpairedBatches([ct(), mri]);
    const alone = ct();
    for (let i = 0; i < 3; i++) {
      const step = it2.next().value!;
      expect(Object.keys(step)).toEqual(['ct', 'mri']);
      expect(step.mri!.imageShape).toEqual([3, 3, 4, 1]);
      expect(step.ct!.origins).toEqual(alone.next().origins);
    }
  });
});
