/**
 * Phantom anatomy: a tissue map (one tissue index per voxel) for one random case.
 *
 * Coordinates: shapes are defined in units u of half the in-plane field of view
 * (u = min(X·sx, Y·sy) / 2 mm), centred on the volume, x left→right, y anterior→posterior,
 * z inferior→superior. The same u is used along z, so shapes keep their proportions in mm
 * whatever the (anisotropic) voxel spacing. Each case draws its own position, size,
 * rotation about z and a smooth deformation field; shapes painted later win.
 *
 * Cardiac: LV myocardium (LVM) is the shell between an outer ellipsoid and the LV cavity
 * (LVC), so every axial slice through the LV shows a ring; LA cavity (LAC) sits posterior and
 * superior; the ascending aorta (AA) is a tube rising to the top of the volume. Unlabelled
 * context: body with a subcutaneous fat layer, lungs, spine, right-ventricle blood pool.
 * Abdominal: liver, spleen, right and left kidney, with body, fat, spine and an unlabelled aorta.
 */
import type { SeededRandom } from '../seeded-random.ts';
import { SmoothField } from './smooth-field.ts';

export type PhantomAnatomy = 'cardiac' | 'abdominal';

/** Every tissue a phantom paints; the tissue map stores indices into this list. */
export const TISSUES = ['air', 'body', 'fat', 'lung', 'bone', 'blood', 'LVM', 'LAC', 'LVC', 'AA', 'liver', 'spleen', 'rkidney', 'lkidney'] as const;
export type Tissue = (typeof TISSUES)[number];

/** The labelled structures of each anatomy, in their canonical class order. */
export const PHANTOM_STRUCTURES: Record<PhantomAnatomy, readonly Tissue[]> = {
  cardiac: ['LVM', 'LAC', 'LVC', 'AA'],
  abdominal: ['liver', 'spleen', 'rkidney', 'lkidney'],
};

type Vec3 = [number, number, number];

type Shape =
  | { kind: 'ellipsoid'; centre: Vec3; radii: Vec3; theta: number }
  /** Tube along z with an elliptic cross-section; its axis moves by `slope` (u per u of z). */
  | { kind: 'tube'; centre: Vec3; radii: [number, number]; slope: [number, number]; zFrom: number; zTo: number };

interface Paint {
  tissue: Tissue;
  shape: Shape;
}

const TISSUE_INDEX = new Map<Tissue, number>(TISSUES.map((t, i) => [t, i]));

/** Index of `tissue` in `TISSUES`. */
export function tissueIndex(tissue: Tissue): number {
  return TISSUE_INDEX.get(tissue)!;
}

function inside(s: Shape, x: number, y: number, z: number): boolean {
  if (s.kind === 'ellipsoid') {
    const dx = x - s.centre[0];
    const dy = y - s.centre[1];
    const dz = z - s.centre[2];
    const c = Math.cos(s.theta);
    const n = Math.sin(s.theta);
    const qx = c * dx + n * dy;
    const qy = -n * dx + c * dy;
    return (qx / s.radii[0]) ** 2 + (qy / s.radii[1]) ** 2 + (dz / s.radii[2]) ** 2 <= 1;
  }
  if (z < s.zFrom || z > s.zTo) return false;
  const dz = z - s.centre[2];
  const dx = x - s.centre[0] - s.slope[0] * dz;
  const dy = y - s.centre[1] - s.slope[1] * dz;
  return (dx / s.radii[0]) ** 2 + (dy / s.radii[1]) ** 2 <= 1;
}

/** Body outline with a subcutaneous fat layer, shared by both anatomies. */
function bodyPaints(rng: SeededRandom, ry: number): Paint[] {
  const rx = rng.range(0.9, 1.0);
  const r = ry * rng.range(0.92, 1.05);
  const fat = rng.range(0.06, 0.1);
  const body: Shape = { kind: 'tube', centre: [0, 0.04, 0], radii: [rx, r], slope: [0, 0], zFrom: -Infinity, zTo: Infinity };
  const inner: Shape = { kind: 'tube', centre: [0, 0.04, 0], radii: [rx - fat, r - fat], slope: [0, 0], zFrom: -Infinity, zTo: Infinity };
  return [
    { tissue: 'fat', shape: body },
    { tissue: 'body', shape: inner },
  ];
}

function jitter3(rng: SeededRandom, v: Vec3, amount: number): Vec3 {
  return [v[0] + rng.range(-amount, amount), v[1] + rng.range(-amount, amount), v[2] + rng.range(-amount, amount)];
}

function scaled(rng: SeededRandom, r: Vec3, global: number, spread = 0.1): Vec3 {
  return [r[0] * global * rng.range(1 - spread, 1 + spread), r[1] * global * rng.range(1 - spread, 1 + spread), r[2] * global * rng.range(1 - spread, 1 + spread)];
}

function cardiacPaints(rng: SeededRandom): Paint[] {
  const paints = bodyPaints(rng, 0.78);
  // The heart fills about half of the field of view, as in a cardiac crop.
  const size = 1.45 * rng.range(0.88, 1.12);
  const theta = rng.range(-0.35, 0.35);
  const heart = jitter3(rng, [0, -0.02, 0], 0.07);
  const at = (o: Vec3): Vec3 => {
    // Offsets rotate with the heart.
    const c = Math.cos(theta);
    const n = Math.sin(theta);
    return [heart[0] + size * (c * o[0] - n * o[1]), heart[1] + size * (n * o[0] + c * o[1]), heart[2] + size * o[2]];
  };
  for (const side of [-1, 1]) {
    paints.push({ tissue: 'lung', shape: { kind: 'ellipsoid', centre: [side * rng.range(0.5, 0.56), 0.08, 0], radii: [rng.range(0.28, 0.34), rng.range(0.48, 0.56), 1.6], theta: side * 0.15 } });
  }
  paints.push({ tissue: 'bone', shape: { kind: 'tube', centre: [rng.range(-0.03, 0.03), 0.6, 0], radii: [0.11, 0.1], slope: [0, 0], zFrom: -Infinity, zTo: Infinity } });
  // Right-ventricle blood: bright like the labelled cavities but not a class.
  paints.push({ tissue: 'blood', shape: { kind: 'ellipsoid', centre: at([-0.3, -0.16, -0.1]), radii: scaled(rng, [0.2, 0.14, 0.26], size), theta: theta + 0.4 } });
  paints.push({ tissue: 'LAC', shape: { kind: 'ellipsoid', centre: at([-0.02, 0.3, 0.24]), radii: scaled(rng, [0.2, 0.13, 0.16], size), theta } });
  const aa = at([-0.16, 0.04, 0.08]);
  const aaR = 0.085 * size * rng.range(0.9, 1.1);
  paints.push({ tissue: 'AA', shape: { kind: 'tube', centre: aa, radii: [aaR, aaR], slope: [rng.range(-0.15, 0.15), rng.range(-0.1, 0.1)], zFrom: aa[2], zTo: Infinity } });
  const cavity = scaled(rng, [0.2, 0.16, 0.28], size);
  const wall = 0.11 * size * rng.range(0.9, 1.1);
  const lv = at([0.12, -0.04, -0.12]);
  paints.push({ tissue: 'LVM', shape: { kind: 'ellipsoid', centre: lv, radii: [cavity[0] + wall, cavity[1] + wall, cavity[2] + wall], theta: theta + 0.3 } });
  paints.push({ tissue: 'LVC', shape: { kind: 'ellipsoid', centre: lv, radii: cavity, theta: theta + 0.3 } });
  return paints;
}

function abdominalPaints(rng: SeededRandom): Paint[] {
  const paints = bodyPaints(rng, 0.72);
  const size = 1.1 * rng.range(0.88, 1.12);
  const shift = jitter3(rng, [0, 0, 0], 0.06);
  const at = (o: Vec3): Vec3 => [shift[0] + size * o[0], shift[1] + size * o[1], shift[2] + 1.3 * size * o[2]];
  const organ = (r: Vec3): Vec3 => scaled(rng, [r[0], r[1], 1.3 * r[2]], size);
  paints.push({ tissue: 'bone', shape: { kind: 'tube', centre: [rng.range(-0.03, 0.03), 0.48, 0], radii: [0.1, 0.1], slope: [0, 0], zFrom: -Infinity, zTo: Infinity } });
  paints.push({ tissue: 'blood', shape: { kind: 'tube', centre: [0.06, 0.3, 0], radii: [0.045, 0.045], slope: [0, 0], zFrom: -Infinity, zTo: Infinity } });
  paints.push({ tissue: 'liver', shape: { kind: 'ellipsoid', centre: at([-0.36, -0.04, 0.22]), radii: organ([0.38, 0.32, 0.42]), theta: rng.range(-0.3, 0.3) } });
  paints.push({ tissue: 'spleen', shape: { kind: 'ellipsoid', centre: at([0.44, 0.18, 0.22]), radii: organ([0.14, 0.2, 0.24]), theta: rng.range(-0.6, 0) } });
  paints.push({ tissue: 'rkidney', shape: { kind: 'ellipsoid', centre: at([-0.27, 0.36, -0.12]), radii: organ([0.1, 0.13, 0.2]), theta: rng.range(0.1, 0.5) } });
  paints.push({ tissue: 'lkidney', shape: { kind: 'ellipsoid', centre: at([0.27, 0.36, -0.06]), radii: organ([0.1, 0.13, 0.2]), theta: rng.range(-0.5, -0.1) } });
  return paints;
}

/**
 * Draws one case's tissue map (indices into `TISSUES`), x fastest: `map[x + X * (y + Y * z)]`.
 * @param dims voxel counts [X, Y, Z]
 * @param spacing voxel size in mm [sx, sy, sz]
 */
export function drawAnatomy(anatomy: PhantomAnatomy, dims: readonly [number, number, number], spacing: readonly [number, number, number], rng: SeededRandom): Uint8Array {
  const paints = anatomy === 'cardiac' ? cardiacPaints(rng) : abdominalPaints(rng);
  // Smooth deformation: amplitude ~0.035 u, wavelength ~2-3 u.
  const warp = [0, 1, 2].map(() => new SmoothField(rng, 0.035, [2, 3.5]));
  const [X, Y, Z] = dims;
  const [sx, sy, sz] = spacing;
  const u = Math.min(X * sx, Y * sy) / 2;
  const map = new Uint8Array(X * Y * Z);
  const air = tissueIndex('air');
  const codes = paints.map((p) => tissueIndex(p.tissue));
  for (let k = 0; k < Z; k++) {
    const pz = ((k - (Z - 1) / 2) * sz) / u;
    for (let j = 0; j < Y; j++) {
      const py = ((j - (Y - 1) / 2) * sy) / u;
      for (let i = 0; i < X; i++) {
        const px = ((i - (X - 1) / 2) * sx) / u;
        const x = px + warp[0]!.at(px, py, pz);
        const y = py + warp[1]!.at(px, py, pz);
        const z = pz + warp[2]!.at(px, py, pz);
        let code = air;
        for (let p = paints.length - 1; p >= 0; p--) {
          if (inside(paints[p]!.shape, x, y, z)) {
            code = codes[p]!;
            break;
          }
        }
        map[i + X * (j + Y * k)] = code;
      }
    }
  }
  return map;
}
