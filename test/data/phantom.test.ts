import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { DataError } from '../../runtime/data/data-error.ts';
import { readNifti } from '../../runtime/data/nifti.ts';
import { phantomCase, phantomModalityOf, resolvePhantomClasses, type PhantomSpec } from '../../runtime/data/phantom/generate.ts';
import { ensurePhantom } from '../../runtime/data/phantom/ensure-phantom.ts';

const CARDIAC: PhantomSpec = {
  anatomy: 'cardiac',
  size: [48, 48, 12],
  spacing: [2.5, 2.5, 6],
  seed: 5,
  classes: ['LVM', 'LAC', 'LVC', 'AA'],
  modalities: [
    { name: 'ct', cases: 4, labelValues: [1, 2, 3, 4] },
    { name: 'mri', cases: 4, labelValues: [1, 2, 3, 4] },
  ],
};
const ABDOMINAL: PhantomSpec = { ...CARDIAC, anatomy: 'abdominal', spacing: [3, 3, 8], classes: ['liver', 'spleen', 'R_kidney', 'L_kidney'] };

/** Per class (1..4): mean and standard deviation of the volume-z-scored intensity, voxel count. */
function classStats(image: ArrayLike<number>, label: ArrayLike<number>) {
  let s = 0;
  let s2 = 0;
  const n = image.length;
  for (let i = 0; i < n; i++) {
    s += image[i]!;
    s2 += image[i]! ** 2;
  }
  const mean = s / n;
  const std = Math.sqrt(s2 / n - mean * mean);
  return [1, 2, 3, 4].map((k) => {
    let c = 0;
    let a = 0;
    let a2 = 0;
    for (let i = 0; i < n; i++) {
      if (label[i] !== k) continue;
      c++;
      const z = (image[i]! - mean) / std;
      a += z;
      a2 += z * z;
    }
    return { count: c, z: a / c, sd: Math.sqrt(Math.max(0, a2 / c - (a / c) ** 2)) };
  });
}

function averaged(spec: PhantomSpec, modality: string) {
  const per = [0, 1, 2, 3].map((i) => {
    const { image, label } = phantomCase(spec, modality, i);
    return classStats(image.data, label.data);
  });
  return [0, 1, 2, 3].map((k) => ({
    z: per.reduce((t, p) => t + p[k]!.z, 0) / per.length,
    count: per.reduce((t, p) => t + p[k]!.count, 0) / per.length,
    sd: per.reduce((t, p) => t + p[k]!.sd, 0) / per.length,
    minCount: Math.min(...per.map((p) => p[k]!.count)),
  }));
}

const rank = (values: number[]) => values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!).join(',');

describe('phantom generator', () => {
  it('is deterministic per seed and case, and differs across seeds, cases and modalities', () => {
    const a = phantomCase(CARDIAC, 'mri', 2);
    const b = phantomCase(CARDIAC, 'mri', 2);
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.label.data)).toEqual(Array.from(b.label.data));
    expect(a.image.spacing).toEqual(b.image.spacing);
    // Case 2 does not depend on how many cases are generated.
    const more = phantomCase({ ...CARDIAC, modalities: [{ name: 'mri', cases: 9, labelValues: [1, 2, 3, 4] }] }, 'mri', 2);
    expect(Array.from(more.label.data)).toEqual(Array.from(a.label.data));
    const otherSeed = phantomCase({ ...CARDIAC, seed: 6 }, 'mri', 2);
    expect(Array.from(otherSeed.label.data)).not.toEqual(Array.from(a.label.data));
    expect(Array.from(phantomCase(CARDIAC, 'mri', 3).label.data)).not.toEqual(Array.from(a.label.data));
    // Unpaired: CT case 2 has its own anatomy.
    expect(Array.from(phantomCase(CARDIAC, 'ct', 2).label.data)).not.toEqual(Array.from(a.label.data));
  });

  it('jitters spacing per case (x = y, z separately) within ±15 % of the base', () => {
    const spacings = [0, 1, 2, 3].map((i) => phantomCase(CARDIAC, 'ct', i).image.spacing);
    for (const s of spacings) {
      expect(s[0]).toBe(s[1]);
      expect(s[0] / 2.5).toBeGreaterThanOrEqual(0.85);
      expect(s[0] / 2.5).toBeLessThanOrEqual(1.15);
      expect(s[2] / 6).toBeGreaterThanOrEqual(0.85);
      expect(s[2] / 6).toBeLessThanOrEqual(1.15);
    }
    expect(new Set(spacings.map((s) => s.join())).size).toBe(4);
  });

  for (const spec of [CARDIAC, ABDOMINAL]) {
    it(`${spec.anatomy}: CT and MRI differ in appearance per class`, () => {
      const ct = averaged(spec, 'ct');
      const mri = averaged(spec, 'mri');
      // The order of class brightness differs between modalities…
      expect(rank(ct.map((c) => c.z))).not.toBe(rank(mri.map((c) => c.z)));
      // …and at least two classes move by more than half a standard deviation of the volume.
      expect(ct.filter((c, k) => Math.abs(c.z - mri[k]!.z) > 0.5).length).toBeGreaterThanOrEqual(2);
      // MRI: the bias field makes the structures less homogeneous (relative to the volume's spread)
      // than in CT, summed over classes (a thin CT aorta is inhomogeneous by partial volume alone).
      const spread = (stats: { sd: number }[]) => stats.reduce((t, c) => t + c.sd, 0);
      expect(spread(mri)).toBeGreaterThan(1.2 * spread(ct));
    });

    it(`${spec.anatomy}: CT and MRI labels are alike in structure`, () => {
      const ct = averaged(spec, 'ct');
      const mri = averaged(spec, 'mri');
      for (let k = 0; k < 4; k++) {
        expect(ct[k]!.minCount).toBeGreaterThan(0);
        expect(mri[k]!.minCount).toBeGreaterThan(0);
        const ratio = ct[k]!.count / mri[k]!.count;
        expect(ratio).toBeGreaterThan(0.6);
        expect(ratio).toBeLessThan(1 / 0.6);
      }
    });
  }

  for (const spec of [CARDIAC, ABDOMINAL]) {
    it(`${spec.anatomy}: an intensity classifier fitted on one modality does poorly on the other`, () => {
      // Nearest class mean on volume-z-scored intensity (background included), fitted on case 0
      // of one modality, scored (mean foreground Dice) on case 1 of each modality.
      const zscored = (d: ArrayLike<number>) => {
        const n = d.length;
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) (s += d[i]!), (s2 += d[i]! ** 2);
        const m = s / n;
        const sd = Math.sqrt(s2 / n - m * m);
        return Float64Array.from(d as ArrayLike<number>, (v) => (v - m) / sd);
      };
      const fit = (m: string) => {
        const { image, label } = phantomCase(spec, m, 0);
        const z = zscored(image.data);
        const sum = [0, 0, 0, 0, 0];
        const count = [0, 0, 0, 0, 0];
        label.data.forEach((l, i) => ((sum[l]! += z[i]!), count[l]!++));
        return sum.map((v, k) => v / count[k]!);
      };
      const dice = (means: number[], m: string) => {
        const { image, label } = phantomCase(spec, m, 1);
        const z = zscored(image.data);
        const pred = Array.from(z, (v) => means.reduce((best, u, k) => (Math.abs(v - u) < Math.abs(v - means[best]!) ? k : best), 0));
        let total = 0;
        for (let k = 1; k <= 4; k++) {
          let p = 0;
          let t = 0;
          let both = 0;
          pred.forEach((c, i) => ((p += +(c === k)), (t += +(label.data[i] === k)), (both += +(c === k && label.data[i] === k))));
          total += (2 * both) / (p + t);
        }
        return total / 4;
      };
      const ct = fit('ct');
      const mri = fit('mri');
      expect(dice(ct, 'ct')).toBeGreaterThan(2 * dice(ct, 'mri'));
      expect(dice(mri, 'mri')).toBeGreaterThan(2 * dice(mri, 'ct'));
    });
  }

  it('CT noise is Gaussian around HU values; MRI noise is Rician (non-negative, positive in air)', () => {
    const ct = phantomCase(CARDIAC, 'ct', 0).image;
    expect(ct.datatype).toBe('int16');
    const corner = (d: ArrayLike<number>) => Array.from({ length: 3 * 3 * 12 }, (_, i) => d[(i % 3) + 48 * (Math.floor(i / 3) % 3) + 48 * 48 * Math.floor(i / 9)]!);
    const air = corner(ct.data);
    const mean = air.reduce((a, b) => a + b, 0) / air.length;
    expect(Math.abs(mean + 1000)).toBeLessThan(12);
    const mri = phantomCase(CARDIAC, 'mri', 0).image;
    expect(mri.datatype).toBe('float32');
    expect(Math.min(...Array.from(mri.data))).toBeGreaterThanOrEqual(0);
    const mriAir = corner(mri.data);
    expect(mriAir.reduce((a, b) => a + b, 0) / mriAir.length).toBeGreaterThan(5);
  });

  it('cardiac: the myocardium (LVM) encloses the LV cavity (LVC) in every direction', () => {
    for (const m of ['ct', 'mri']) {
      for (let c = 0; c < 4; c++) {
        const { label } = phantomCase(CARDIAC, m, c);
        const [X, Y, Z] = label.dims;
        const L = label.data;
        let cavity = 0;
        for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
          if (L[x + X * (y + Y * z)] !== 3) continue;
          cavity++;
          for (const [dx, dy, dz] of [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]) {
            if (z + dz! < 0 || z + dz! >= Z) continue; // the heart may be cut by the volume's ends
            const v = L[x + dx! + X * (y + dy! + Y * (z + dz!))];
            expect(v === 3 || v === 1, `${m} case ${c}: LVC voxel (${x},${y},${z}) touches label ${v}`).toBe(true);
          }
        }
        expect(cavity).toBeGreaterThan(0);
      }
    }
  });

  it('writes the declared label values, in the dataset class order', () => {
    const spec: PhantomSpec = { ...CARDIAC, classes: ['AA', 'LVM'], modalities: [{ name: 'ct', cases: 1, labelValues: [820, 205] }] };
    const { label } = phantomCase(spec, 'ct', 0);
    expect(label.datatype).toBe('int16');
    expect([...new Set(Array.from(label.data))].sort((a, b) => a - b)).toEqual([0, 205, 820]);
    // Same anatomy as the default order: AA voxels of the 4-class version are now 820.
    const full = phantomCase({ ...CARDIAC, modalities: [{ name: 'ct', cases: 1, labelValues: [1, 2, 3, 4] }] }, 'ct', 0).label.data;
    for (let i = 0; i < full.length; i++) {
      expect(label.data[i]).toBe(full[i] === 4 ? 820 : full[i] === 1 ? 205 : 0);
    }
  });

  it('abdominal: the right kidney lies on the liver side, the left kidney on the spleen side', () => {
    const { label } = phantomCase(ABDOMINAL, 'ct', 1);
    const [X] = label.dims;
    const cx = (k: number) => {
      let s = 0;
      let n = 0;
      label.data.forEach((v, i) => v === k && ((s += i % X), n++));
      return s / n;
    };
    expect(cx(3)).toBeLessThan(X / 2); // R kidney
    expect(cx(1)).toBeLessThan(X / 2); // liver
    expect(cx(4)).toBeGreaterThan(X / 2); // L kidney
    expect(cx(2)).toBeGreaterThan(X / 2); // spleen
  });

  it('names an unknown class or modality', () => {
    expect(() => resolvePhantomClasses(['LVM', 'RVC'], 'cardiac')).toThrowError(/class RVC.*cardiac phantom has no structure called "RVC"/);
    expect(resolvePhantomClasses(['Myocardium', 'left_atrium', 'lv', 'Aorta'], 'cardiac')).toEqual(['LVM', 'LAC', 'LVC', 'AA']);
    expect(() => phantomModalityOf('pet')).toThrow(DataError);
    expect(phantomModalityOf('T2_spir')).toBe('mri');
  });
});

describe('ensurePhantom', () => {
  it('generates a phantom dataset once, atomically, and reuses it', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'ablate-phantom-'));
    const dataset: DatasetIR = {
      name: 'tiny',
      title: null,
      source: { kind: 'phantom', anatomy: 'cardiac', size: [24, 24, 6], spacing: [4, 4, 8], seed: 1 },
      classes: ['LVM', 'LAC', 'LVC', 'AA'],
      modalities: {
        ct: { images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 2 },
        mri: { images: '', labels: '', labelValues: [1, 2, 3, 4], backgroundValues: [], spacing: null, cases: 3 },
      },
    };
    const dir = await ensurePhantom(dataset, cache);
    expect(readdirSync(join(cache, 'phantom'))).toEqual([dir.split('/').pop()]);
    expect(readdirSync(join(dir, 'mri', 'images')).sort()).toEqual(['case_000.nii.gz', 'case_001.nii.gz', 'case_002.nii.gz']);
    expect(readdirSync(join(dir, 'ct', 'labels')).sort()).toEqual(['case_000.nii.gz', 'case_001.nii.gz']);
    const written = await readNifti(join(dir, 'mri', 'images', 'case_001.nii.gz'));
    const expected = phantomCase({ anatomy: 'cardiac', size: [24, 24, 6], spacing: [4, 4, 8], seed: 1, classes: dataset.classes, modalities: [{ name: 'mri', cases: 3, labelValues: [1, 2, 3, 4] }] }, 'mri', 1).image;
    expect(Array.from(written.data)).toEqual(Array.from(expected.data));
    expect(written.spacing.map((s) => +s.toFixed(4))).toEqual(expected.spacing.map((s) => +s.toFixed(4)));
    const stamp = statSync(join(dir, 'manifest.json')).mtimeMs;
    expect(await ensurePhantom(dataset, cache)).toBe(dir);
    expect(statSync(join(dir, 'manifest.json')).mtimeMs).toBe(stamp);
    // Another seed is another folder.
    const other = await ensurePhantom({ ...dataset, source: { ...dataset.source, seed: 2 } as DatasetIR['source'] }, cache);
    expect(other).not.toBe(dir);
    expect(readdirSync(join(cache, 'phantom')).length).toBe(2);
  });
});
