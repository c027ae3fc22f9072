/**
 * Canonical orientation: voxel axes reordered and flipped so that they point, as closely as
 * the grid allows, along the NIfTI world axes +x (right), +y (anterior), +z (superior) — the
 * "closest RAS+" orientation. After it, z-slices are axial whatever order the scanner stored
 * the volume in (MM-WHS MRIs come in several), which the 2D samplers rely on.
 *
 * An `Orientation` says, per output axis a, which stored axis it reads (`perm[a]`) and
 * whether that axis runs backwards (`flip[a]`): output index i on axis a reads stored index
 * i (or N − 1 − i when flipped) on axis perm[a]. Only permutations and flips: no resampling.
 */

export interface Orientation {
  perm: [number, number, number];
  flip: [boolean, boolean, boolean];
}

export const IDENTITY_ORIENTATION: Orientation = { perm: [0, 1, 2], flip: [false, false, false] };

/** True when the orientation changes nothing. */
export function isIdentityOrientation(o: Orientation): boolean {
  return o.perm[0] === 0 && o.perm[1] === 1 && o.perm[2] === 2 && !o.flip[0] && !o.flip[1] && !o.flip[2];
}

/**
 * The orientation that makes `affine`'s voxel axes closest to RAS+. Each stored axis goes to
 * the world axis its direction is most aligned with; the most decisive axes choose first, so
 * an oblique grid still gets a permutation.
 */
export function canonicalOrientation(affine: readonly (readonly number[])[]): Orientation {
  const dir = [0, 1, 2].map((c) => {
    const v = [affine[0]![c]!, affine[1]![c]!, affine[2]![c]!];
    const n = Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
    return v.map((x) => x / n);
  });
  // (stored axis, world axis) pairs by |cosine|, most aligned first.
  const pairs: [number, number, number][] = [];
  for (let c = 0; c < 3; c++) for (let w = 0; w < 3; w++) pairs.push([Math.abs(dir[c]![w]!), c, w]);
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const perm: [number, number, number] = [-1, -1, -1];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  const used = new Set<number>();
  for (const [, c, w] of pairs) {
    if (perm[w] !== -1 || used.has(c)) continue;
    perm[w] = c;
    flip[w] = dir[c]![w]! < 0;
    used.add(c);
  }
  return { perm, flip };
}

/** Dims after reorienting a volume of `dims`. */
export function orientedDims(dims: readonly number[], o: Orientation): [number, number, number] {
  return [dims[o.perm[0]]!, dims[o.perm[1]]!, dims[o.perm[2]]!];
}

/** Stored index (per stored axis) read by output index `i` (per output axis). */
function storedIndex(i: readonly number[], dims: readonly number[], o: Orientation): [number, number, number] {
  const s: [number, number, number] = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const c = o.perm[a]!;
    s[c] = o.flip[a] ? dims[c]! - 1 - i[a]! : i[a]!;
  }
  return s;
}

/** Reorients x-fastest `data` of stored `dims`; returns data on `orientedDims(dims, o)`. */
export function reorient<T extends Float32Array | Uint8Array>(data: T, dims: readonly number[], o: Orientation): T {
  if (isIdentityOrientation(o)) return data;
  const [OX, OY, OZ] = orientedDims(dims, o);
  const out = new (data.constructor as new (n: number) => T)(OX * OY * OZ);
  // Stride and start in `data` for a step along each output axis.
  const strideOf = [1, dims[0]!, dims[0]! * dims[1]!];
  const start = storedIndex([0, 0, 0], dims, o);
  const base = start[0] + dims[0]! * (start[1] + dims[1]! * start[2]);
  const step = [0, 1, 2].map((a) => (o.flip[a] ? -1 : 1) * strideOf[o.perm[a]!]!);
  let v = 0;
  for (let k = 0; k < OZ; k++) {
    for (let j = 0; j < OY; j++) {
      let s = base + k * step[2]! + j * step[1]!;
      for (let i = 0; i < OX; i++, s += step[0]!) out[v++] = data[s]!;
    }
  }
  return out;
}

/** Inverse of `reorient`: data on the oriented grid back to the stored grid of `storedDims`. */
export function unreorient<T extends Float32Array | Uint8Array>(data: T, storedDims: readonly number[], o: Orientation): T {
  if (isIdentityOrientation(o)) return data;
  const [OX, OY] = orientedDims(storedDims, o);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const strideOf = [1, storedDims[0]!, storedDims[0]! * storedDims[1]!];
  const start = storedIndex([0, 0, 0], storedDims, o);
  const base = start[0] + storedDims[0]! * (start[1] + storedDims[1]! * start[2]);
  const step = [0, 1, 2].map((a) => (o.flip[a] ? -1 : 1) * strideOf[o.perm[a]!]!);
  const OZ = data.length / (OX * OY);
  let v = 0;
  for (let k = 0; k < OZ; k++) {
    for (let j = 0; j < OY; j++) {
      let s = base + k * step[2]! + j * step[1]!;
      for (let i = 0; i < OX; i++, s += step[0]!) out[s] = data[v++]!;
    }
  }
  return out;
}

/** Affine of the reoriented grid (same world positions for the same voxels). */
export function orientedAffine(affine: readonly (readonly number[])[], dims: readonly number[], o: Orientation): number[][] {
  // world = A · [s; 1] with s = storedIndex(i): s[perm[a]] = flip ? N − 1 − i[a] : i[a].
  const out = affine.map((row) => row.slice());
  for (let r = 0; r < 3; r++) {
    let t = affine[r]![3]!;
    for (let a = 0; a < 3; a++) {
      const c = o.perm[a]!;
      out[r]![a] = (o.flip[a] ? -1 : 1) * affine[r]![c]! + 0; // + 0 turns -0 into 0
      if (o.flip[a]) t += affine[r]![c]! * (dims[c]! - 1);
    }
    out[r]![3] = t;
  }
  return out;
}

/** Spacing of the reoriented grid. */
export function orientedSpacing(spacing: readonly number[], o: Orientation): [number, number, number] {
  return [spacing[o.perm[0]]!, spacing[o.perm[1]]!, spacing[o.perm[2]]!];
}
