/**
 * Surface (boundary) voxels of a binary mask.
 *
 * Surface = mask XOR erosion(mask), with the 6-connected cross in 3D and the 4-connected
 * cross in 2D (Z = 1). Outside the grid counts as background, so mask voxels on the grid
 * border are surface. This is the definition of medpy (`connectivity=1`, scipy's
 * `binary_erosion` with border value 0) and of MONAI's `get_mask_edges`.
 */
import type { Dims3 } from './mask.ts';

/**
 * @param mask x-fastest flat mask (non-zero = inside), length X·Y·Z.
 * @param dims [X, Y, Z]; Z = 1 selects the 2D (4-neighbour) rule.
 * @returns 1 on surface voxels, 0 elsewhere.
 */
export function surfaceMask(mask: Uint8Array, dims: Dims3): Uint8Array {
  const [X, Y, Z] = dims;
  const plane = X * Y;
  const is3d = Z > 1;
  const out = new Uint8Array(mask.length);
  let i = 0;
  for (let z = 0; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++, i++) {
        if (!mask[i]) continue;
        // A voxel survives erosion only if all its face neighbours are inside the grid and the mask.
        const interior =
          x > 0 && mask[i - 1] &&
          x < X - 1 && mask[i + 1] &&
          y > 0 && mask[i - X] &&
          y < Y - 1 && mask[i + X] &&
          (!is3d || (z > 0 && mask[i - plane] && z < Z - 1 && mask[i + plane]));
        if (!interior) out[i] = 1;
      }
    }
  }
  return out;
}
