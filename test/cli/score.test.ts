import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerScoreCommand } from '../../cli/commands/score.ts';
import { NiftiError, writeNifti, type Volume } from '../../runtime/data/nifti.ts';
import { bruteForceSurfaceMetrics, maskFrom, type Point } from '../metrics/brute-force-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-score-'));
const dims: Point = [10, 9, 6];
const at = (x: number, y: number, z: number) => x + 10 * (y + 9 * z);
const affine = (s: number[]) => [
  [s[0]!, 0, 0, -12],
  [0, s[1]!, 0, 4],
  [0, 0, s[2]!, 30],
  [0, 0, 0, 1],
];

/** Reference: class 1 is a 4×4×3 box, class 2 a 3×3×3 box; the prediction shifts class 1 by one voxel and misses class 2. */
function volumes(spacing: Point): { pred: Volume; label: Volume } {
  const ref = new Uint8Array(540);
  const pred = new Uint8Array(540);
  for (let z = 1; z < 4; z++)
    for (let y = 1; y < 5; y++)
      for (let x = 1; x < 5; x++) {
        ref[at(x, y, z)] = 1;
        pred[at(x + 1, y, z)] = 1;
      }
  for (let z = 2; z < 5; z++) for (let y = 5; y < 8; y++) for (let x = 6; x < 9; x++) ref[at(x, y, z)] = 2;
  const grid = { dims: dims as [number, number, number], spacing: spacing as [number, number, number], affine: affine(spacing), datatype: 'uint8' as const };
  return { pred: { ...grid, data: pred }, label: { ...grid, data: ref } };
}

async function runScore(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const program = new Command().exitOverride();
    registerScoreCommand(program);
    await program.parseAsync(['score', ...args], { from: 'user' });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe('ablate score', () => {
  const spacing: Point = [0.8, 1.2, 2.5];

  it('prints per-class Dice %, ASD and HD95 with the label spacing, and marks missing values', async () => {
    const { pred, label } = volumes(spacing);
    const p = join(dir, 'pred.nii.gz');
    const l = join(dir, 'label.nii.gz');
    await writeNifti(p, pred);
    await writeNifti(l, label);
    const { out } = await runScore([p, l, '--labels', '1,2', '--classes', 'LV,AA']);
    const want = bruteForceSurfaceMetrics(
      maskFrom(dims, (x, y, z) => pred.data[at(x, y, z)] === 1),
      maskFrom(dims, (x, y, z) => label.data[at(x, y, z)] === 1),
      dims,
      spacing,
    );
    // 4×4×3 boxes shifted by one voxel: overlap 3×4×3 = 36 of 48 + 48.
    const dicePct = ((2 * 36) / 96) * 100;
    const lv = out.split('\n').find((r) => r.startsWith('LV'))!;
    expect(lv.split(/\s+/)).toEqual(['LV', '1', dicePct.toFixed(2), want.asd.toFixed(3), want.hd95.toFixed(3)]);
    const aa = out.split('\n').find((r) => r.startsWith('AA'))!;
    expect(aa.split(/\s+/)).toEqual(['AA', '2', '0.00', '—', '—']);
    expect(out).toMatch(/spacing 0\.8 × 1\.2 × 2\.5 mm/);
    expect(out).toMatch(/missing \(not 0\)/);
  });

  it('--json gives numbers and null for missing values', async () => {
    const { pred, label } = volumes(spacing);
    const p = join(dir, 'pj.nii');
    const l = join(dir, 'lj.nii');
    await writeNifti(p, pred);
    await writeNifti(l, label);
    const { out } = await runScore([p, l, '--labels', '1=LV,2=AA,3=LA', '--json']);
    const doc = JSON.parse(out) as { classes: { name: string; dice: number | null; asd: number | null }[]; mean: { dice: { count: number; total: number } }; spacingMm: number[] };
    expect(doc.classes.map((c) => c.name)).toEqual(['LV', 'AA', 'LA']);
    expect(doc.classes[0]!.dice).toBeCloseTo(0.75, 12);
    expect(doc.classes[1]).toMatchObject({ dice: 0, asd: null });
    expect(doc.classes[2]).toMatchObject({ dice: null, asd: null });
    expect(doc.mean.dice).toMatchObject({ count: 2, total: 3 });
    expect(doc.spacingMm.map((s) => +s.toFixed(5))).toEqual(spacing);
  });

  it('without --labels scores every non-zero value present', async () => {
    const { pred, label } = volumes([1, 1, 1]);
    const p = join(dir, 'pa.nii');
    const l = join(dir, 'la.nii');
    await writeNifti(p, pred);
    await writeNifti(l, label);
    const { out } = await runScore([p, l, '--json']);
    expect((JSON.parse(out) as { classes: { value: number }[] }).classes.map((c) => c.value)).toEqual([1, 2]);
  });

  it('refuses volumes on different grids, naming both files', async () => {
    const { pred, label } = volumes(spacing);
    const l = join(dir, 'lg.nii');
    await writeNifti(l, label);
    const small = join(dir, 'small.nii');
    await writeNifti(small, { ...pred, dims: [10, 9, 3], data: pred.data.subarray(0, 270) });
    const e1 = await runScore([small, l]).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(NiftiError);
    expect((e1 as NiftiError).message).toMatch(new RegExp(`${small}: shape 10×9×3 differs from 10×9×6 of ${l}`));
    const moved = join(dir, 'moved.nii');
    await writeNifti(moved, { ...pred, affine: affine(spacing).map((r, i) => (i === 2 ? [0, 0, 2.5, 35] : r)) });
    const e2 = await runScore([moved, l]).catch((e: unknown) => e);
    expect((e2 as NiftiError).code).toBe('grid-mismatch');
    expect((e2 as NiftiError).message).toContain(moved);
    expect((e2 as NiftiError).message).toContain(l);
  });

  it('refuses probability maps and mismatched --classes', async () => {
    const { label } = volumes(spacing);
    const l = join(dir, 'lp.nii');
    await writeNifti(l, label);
    const prob = join(dir, 'prob.nii');
    await writeNifti(prob, { ...label, data: new Float32Array(540).fill(0.25), datatype: 'float32' });
    const e = await runScore([prob, l]).catch((x: unknown) => x);
    expect((e as NiftiError).code).toBe('invalid-volume');
    expect((e as NiftiError).file).toBe(prob);
    await expect(runScore([l, l, '--labels', '1,2', '--classes', 'LV'])).rejects.toThrow(/one name per value/);
  });

  it('warns about label values outside --labels', async () => {
    const { pred, label } = volumes(spacing);
    const p = join(dir, 'pw.nii');
    const l = join(dir, 'lw.nii');
    await writeNifti(p, pred);
    await writeNifti(l, label);
    const { err } = await runScore([p, l, '--labels', '1']);
    expect(err).toMatch(/label values 2 are not in --labels/);
  });
});

describe('ablate score background', () => {
  it('drops value 0 from --labels with a warning unless --include-background', async () => {
    const { pred, label } = volumes([1, 1, 1]);
    const p = join(dir, 'pb.nii');
    const l = join(dir, 'lb.nii');
    await writeNifti(p, pred);
    await writeNifti(l, label);
    const without = await runScore([p, l, '--labels', '0,1', '--json']);
    expect(without.err).toMatch(/label value 0 is background/);
    expect((JSON.parse(without.out) as { classes: { value: number }[] }).classes.map((c) => c.value)).toEqual([1]);
    const withBg = await runScore([p, l, '--labels', '0,1', '--json', '--include-background']);
    expect(withBg.err).not.toMatch(/label value 0 is background/);
    expect((JSON.parse(withBg.out) as { classes: { value: number }[] }).classes.map((c) => c.value)).toEqual([0, 1]);
  });
});

describe('ablate score on an image', () => {
  it('refuses an integer image passed as the prediction unless classes are named', async () => {
    const { label } = volumes([1, 1, 1]);
    const l = join(dir, 'li.nii');
    const img = join(dir, 'img.nii');
    await writeNifti(l, label);
    await writeNifti(img, { ...label, data: Int16Array.from({ length: 540 }, (_, i) => i - 200), datatype: 'int16' });
    const e = await runScore([img, l]).catch((x: unknown) => x);
    expect((e as NiftiError).code).toBe('invalid-volume');
    expect((e as NiftiError).message).toMatch(/img\.nii: holds more than 255 distinct values/);
    const named = await runScore([img, l, '--labels', '1,2', '--json']);
    expect(named.err).toMatch(/label values -200, -199, .*… \(537 in all\) are not in --labels/);
  });
});
