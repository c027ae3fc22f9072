/**
 * Smooth random scalar fields for phantoms: a sum of a few plane waves with random direction,
 * frequency and phase. Used for shape deformation (one field per axis) and for the MRI bias
 * field. Band-limited by construction, so the result is smooth at every voxel size.
 */
import type { SeededRandom } from '../seeded-random.ts';

export class SmoothField {
  private readonly waves: { wx: number; wy: number; wz: number; phase: number; amplitude: number }[] = [];

  /**
   * @param amplitude peak amplitude of the whole field (each of `count` waves gets amplitude / count)
   * @param frequency angular frequency range [lo, hi] in radians per unit of the coordinates used
   */
  constructor(rng: SeededRandom, amplitude: number, frequency: [number, number], count = 3) {
    for (let k = 0; k < count; k++) {
      // A random unit direction (uniform on the sphere).
      const cz = rng.range(-1, 1);
      const a = rng.range(0, 2 * Math.PI);
      const r = Math.sqrt(1 - cz * cz);
      const f = rng.range(frequency[0], frequency[1]);
      this.waves.push({ wx: f * r * Math.cos(a), wy: f * r * Math.sin(a), wz: f * cz, phase: rng.range(0, 2 * Math.PI), amplitude: amplitude / count });
    }
  }

  at(x: number, y: number, z: number): number {
    let v = 0;
    for (const w of this.waves) v += w.amplitude * Math.cos(w.wx * x + w.wy * y + w.wz * z + w.phase);
    return v;
  }
}
