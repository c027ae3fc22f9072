/**
 * Phantom appearance: turns a tissue map into a CT-like or MRI-like image.
 *
 * CT: Hounsfield-like means (contrast-enhanced blood pool and kidneys), a per-case jitter of
 * each tissue's mean, slight in-plane partial-volume blur, additive Gaussian noise
 * (σ = 20 HU); stored as int16 HU.
 * MRI: arbitrary units with a different contrast order (bSSFP-like for cardiac: bright
 * blood and fat, dark myocardium, aorta darker than the cavities (flow dephasing) where CT
 * has it brightest (arterial phase); T2-SPIR-like for
 * abdominal: bright spleen and kidneys, dark liver, suppressed fat), a per-case gain, a
 * smooth multiplicative bias field exp(b(x)) with |b| ≤ 0.35, and Rician noise
 * (magnitude of a complex signal with Gaussian noise in both channels); stored as float32.
 */
import type { SeededRandom } from '../seeded-random.ts';
import { SmoothField } from './smooth-field.ts';
import { TISSUES, type PhantomAnatomy, type Tissue } from './anatomy.ts';

export type PhantomModality = 'ct' | 'mri';

type Means = Partial<Record<Tissue, number>>;

const CT_HU: Means = {
  air: -1000, lung: -820, fat: -100, body: 40, bone: 650, blood: 270,
  LVM: 110, LAC: 290, LVC: 320, AA: 430,
  liver: 65, spleen: 48, rkidney: 165, lkidney: 160,
};

const MRI_CARDIAC: Means = {
  air: 0, lung: 25, fat: 880, body: 320, bone: 90, blood: 760,
  LVM: 170, LAC: 690, LVC: 780, AA: 420,
  liver: 260, spleen: 620, rkidney: 520, lkidney: 520,
};

const MRI_ABDOMINAL: Means = { ...MRI_CARDIAC, fat: 140, body: 230, blood: 380, liver: 210, spleen: 640, rkidney: 520, lkidney: 500 };

/** Mean intensity of each tissue for a modality and anatomy (before per-case jitter). */
export function tissueMeans(modality: PhantomModality, anatomy: PhantomAnatomy): Float64Array {
  const table = modality === 'ct' ? CT_HU : anatomy === 'cardiac' ? MRI_CARDIAC : MRI_ABDOMINAL;
  return Float64Array.from(TISSUES, (t) => table[t] ?? 0);
}

/** In-plane [1, 2, 1] / 4 blur along x then y (edges clamp): a cheap partial-volume effect. */
function blurInPlane(v: Float32Array, dims: readonly [number, number, number]): void {
  const [X, Y, Z] = dims;
  const row = new Float32Array(Math.max(X, Y));
  for (let k = 0; k < Z; k++) {
    for (let j = 0; j < Y; j++) {
      const base = X * (j + Y * k);
      for (let i = 0; i < X; i++) row[i] = v[base + i]!;
      for (let i = 0; i < X; i++) v[base + i] = (row[Math.max(0, i - 1)]! + 2 * row[i]! + row[Math.min(X - 1, i + 1)]!) / 4;
    }
    for (let i = 0; i < X; i++) {
      const base = i + X * Y * k;
      for (let j = 0; j < Y; j++) row[j] = v[base + X * j]!;
      for (let j = 0; j < Y; j++) v[base + X * j] = (row[Math.max(0, j - 1)]! + 2 * row[j]! + row[Math.min(Y - 1, j + 1)]!) / 4;
    }
  }
}

/**
 * Renders a tissue map (indices into `TISSUES`, x fastest) as an image of `modality`.
 * Returns Int16Array (CT, HU) or Float32Array (MRI, ≥ 0).
 */
export function renderAppearance(
  tissueMap: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
  modality: PhantomModality,
  anatomy: PhantomAnatomy,
  rng: SeededRandom,
): Int16Array | Float32Array {
  const means = tissueMeans(modality, anatomy);
  // Per-case jitter of each tissue's mean (contrast timing, patient differences).
  for (let t = 0; t < means.length; t++) {
    if (TISSUES[t] === 'air') continue;
    means[t] = means[t]! + rng.normal() * 0.06 * Math.max(Math.abs(means[t]!), 60);
  }
  const [X, Y, Z] = dims;
  const n = X * Y * Z;
  const img = new Float32Array(n);
  for (let i = 0; i < n; i++) img[i] = means[tissueMap[i]!]!;
  blurInPlane(img, dims);

  if (modality === 'ct') {
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.max(-1024, Math.min(3071, Math.round(img[i]! + 20 * rng.normal())));
    return out;
  }

  const gain = rng.range(0.6, 1.6);
  const bias = new SmoothField(rng, 0.35, [0.6, 1.4], 2);
  const sigma = 22 * gain;
  const [sx, sy, sz] = spacing;
  const u = Math.min(X * sx, Y * sy) / 2;
  for (let k = 0; k < Z; k++) {
    const pz = ((k - (Z - 1) / 2) * sz) / u;
    for (let j = 0; j < Y; j++) {
      const py = ((j - (Y - 1) / 2) * sy) / u;
      for (let i = 0; i < X; i++) {
        const px = ((i - (X - 1) / 2) * sx) / u;
        const idx = i + X * (j + Y * k);
        const s = img[idx]! * gain * Math.exp(bias.at(px, py, pz));
        // Rician: |s + n_re + i·n_im|.
        const re = s + sigma * rng.normal();
        const im = sigma * rng.normal();
        img[idx] = Math.sqrt(re * re + im * im);
      }
    }
  }
  return img;
}
