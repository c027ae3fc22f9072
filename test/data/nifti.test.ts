import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  NiftiError,
  assertSameGrid,
  readNifti,
  readNiftiInfo,
  writeNifti,
  type NiftiDatatype,
  type Volume,
} from '../../runtime/data/nifti.ts';
import { affineToQuatern, quaternToAffine } from '../../runtime/data/nifti-header.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-nifti-'));

/** Deterministic pseudo-random numbers (LCG) so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A rotation about z by `deg`, a flip of y, spacing (1.5, 0.8, 3) mm and an offset. */
const ROTATED_AFFINE = (() => {
  const t = (30 * Math.PI) / 180;
  const [dx, dy, dz] = [1.5, 0.8, 3];
  return [
    [Math.cos(t) * dx, Math.sin(t) * dy, 0, -100.5],
    [Math.sin(t) * dx, -Math.cos(t) * dy, 0, 20.25],
    [0, 0, dz, 7],
    [0, 0, 0, 1],
  ];
})();

const RANGES: Record<NiftiDatatype, [number, number, boolean]> = {
  uint8: [0, 255, true],
  int8: [-128, 127, true],
  int16: [-32768, 32767, true],
  uint16: [0, 65535, true],
  int32: [-2147483648, 2147483647, true],
  float32: [-1e6, 1e6, false],
  float64: [-1e12, 1e12, false],
};

function randomVolume(datatype: NiftiDatatype, dims: [number, number, number], seed: number): Volume {
  const rand = lcg(seed);
  const n = dims[0] * dims[1] * dims[2];
  const [lo, hi, integer] = RANGES[datatype];
  const Ctor = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[datatype];
  const data = new Ctor(n);
  for (let i = 0; i < n; i++) {
    const v = lo + rand() * (hi - lo);
    data[i] = integer ? Math.floor(v) : v;
  }
  data[0] = lo; // include the extremes
  data[n - 1] = integer ? hi : hi / 2;
  return { data, dims, spacing: [1.5, 0.8, 3], affine: ROTATED_AFFINE, datatype };
}

/** An independent little/big-endian NIfTI-1 header builder (does not use the writer under test). */
function handHeader(opts: {
  dims: number[];
  datatype: number;
  bitpix: number;
  littleEndian?: boolean;
  pixdim?: number[];
  slope?: number;
  inter?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: number[];
  qoffset?: number[];
  srow?: number[][];
  units?: number;
  magic?: string;
}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const b = new Uint8Array(352);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, le);
  const dim = [opts.dims.length, ...opts.dims];
  while (dim.length < 8) dim.push(1);
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, le));
  v.setInt16(70, opts.datatype, le);
  v.setInt16(72, opts.bitpix, le);
  const pixdim = opts.pixdim ?? [1, 1, 1, 1];
  pixdim.forEach((p, i) => v.setFloat32(76 + 4 * i, p, le));
  v.setFloat32(108, 352, le);
  v.setFloat32(112, opts.slope ?? 0, le);
  v.setFloat32(116, opts.inter ?? 0, le);
  b[123] = opts.units ?? 2;
  v.setInt16(252, opts.qformCode ?? 0, le);
  v.setInt16(254, opts.sformCode ?? 0, le);
  (opts.quatern ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(256 + 4 * i, q, le));
  (opts.qoffset ?? [0, 0, 0]).forEach((q, i) => v.setFloat32(268 + 4 * i, q, le));
  (opts.srow ?? [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]).forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + (r * 4 + c) * 4, x, le)));
  const magic = opts.magic ?? 'n+1\0';
  for (let i = 0; i < 4; i++) b[344 + i] = magic.charCodeAt(i);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function expectAffineClose(actual: number[][], expected: number[][], tol: number): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(actual[r]![c]! - expected[r]![c]!)).toBeLessThanOrEqual(tol);
}

async function expectNiftiError(p: Promise<unknown>, code: string, file: string): Promise<NiftiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NiftiError);
  const ne = e as NiftiError;
  expect(ne.code).toBe(code);
  expect(ne.file).toBe(file);
  expect(ne.message).toContain(file);
  return ne;
}

describe('NIfTI round trip', () => {
  const types = Object.keys(RANGES) as NiftiDatatype[];
  for (const ext of ['.nii', '.nii.gz']) {
    for (const datatype of types) {
      it(`${datatype} ${ext}: same voxels, spacing and affine`, async () => {
        const vol = randomVolume(datatype, [7, 5, 3], types.indexOf(datatype) + 1);
        const path = join(dir, `rt-${datatype}${ext}`);
        await writeNifti(path, vol);
        const back = await readNifti(path);
        expect(back.datatype).toBe(datatype);
        expect(back.dims).toEqual([7, 5, 3]);
        expect(Array.from(back.data)).toEqual(Array.from(vol.data));
        for (let i = 0; i < 3; i++) expect(back.spacing[i]).toBeCloseTo(vol.spacing[i]!, 6);
        expectAffineClose(back.affine, vol.affine, 1e-4); // float32 header fields
      });
    }
  }

  it('writes gzip for .nii.gz and raw bytes for .nii', async () => {
    const vol = randomVolume('int16', [4, 4, 4], 9);
    await writeNifti(join(dir, 'g.nii.gz'), vol);
    await writeNifti(join(dir, 'g.nii'), vol);
    const gz = readFileSync(join(dir, 'g.nii.gz'));
    const raw = readFileSync(join(dir, 'g.nii'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(raw.length).toBe(352 + 64 * 2);
    expect(raw.readInt32LE(0)).toBe(348);
    expect(raw.readFloatLE(108)).toBe(352);
    expect(raw.subarray(344, 348).toString('latin1')).toBe('n+1\0');
  });

  it('converts float data to an integer datatype on request, and refuses values that do not fit', async () => {
    const vol: Volume = { data: new Float32Array([0, 1.2, 2.7, 255]), dims: [4, 1, 1], spacing: [1, 1, 1], affine: ROTATED_AFFINE, datatype: 'float32' };
    const path = join(dir, 'conv.nii');
    await writeNifti(path, vol, { datatype: 'uint8' });
    const back = await readNifti(path);
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.data)).toEqual([0, 1, 3, 255]);
    vol.data[3] = 256;
    await expectNiftiError(writeNifti(path, vol, { datatype: 'uint8' }), 'invalid-volume', path);
  });

  it('`like` copies the source header geometry bit for bit', async () => {
    const srow = [
      [-0.7, 0.01, 0.02, 90.125],
      [0.03, 0.6, -0.04, -126.5],
      [0.0, 0.05, 2.5, -72.25],
    ];
    const path = join(dir, 'src.nii');
    writeFileSync(path, concat(handHeader({ dims: [3, 2, 2], datatype: 2, bitpix: 8, pixdim: [-1, 0.7, 0.6, 2.5], sformCode: 1, srow }), new Uint8Array(12)));
    const src = await readNifti(path);
    const pred: Volume = { data: new Uint8Array(12).fill(3), dims: [3, 2, 2], spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], datatype: 'uint8' };
    const out = join(dir, 'pred.nii.gz');
    await writeNifti(out, pred, { like: src });
    const back = await readNifti(out);
    expect(back.affine).toEqual(src.affine);
    expect(back.spacing).toEqual(src.spacing);
    expect(back.header?.sformCode).toBe(1);
    await expectNiftiError(writeNifti(out, { ...pred, dims: [2, 3, 2] }, { like: src }), 'grid-mismatch', out);
  });
});

describe('NIfTI header interpretation', () => {
  it('applies scl_slope and scl_inter', async () => {
    const path = join(dir, 'scaled.nii');
    const body = new Uint8Array(new Int16Array([-3, 0, 7, 1000]).buffer);
    writeFileSync(path, concat(handHeader({ dims: [4], datatype: 4, bitpix: 16, slope: 2, inter: -5 }), body));
    const v = await readNifti(path);
    expect(v.data).toBeInstanceOf(Float32Array);
    expect(v.datatype).toBe('float32');
    expect(Array.from(v.data)).toEqual([-11, -5, 9, 1995]);
    expect(v.dims).toEqual([4, 1, 1]);
  });

  it('keeps the stored type when scl_slope is 0 (unset) or 1 with scl_inter 0', async () => {
    const body = new Uint8Array(new Int16Array([1, 2]).buffer);
    for (const slope of [0, 1]) {
      const path = join(dir, `noscale${slope}.nii`);
      writeFileSync(path, concat(handHeader({ dims: [2], datatype: 4, bitpix: 16, slope }), body));
      const v = await readNifti(path);
      expect(v.data).toBeInstanceOf(Int16Array);
      expect(Array.from(v.data)).toEqual([1, 2]);
    }
  });

  it('reads big-endian files', async () => {
    const path = join(dir, 'be.nii');
    const body = new Uint8Array(8);
    const dv = new DataView(body.buffer);
    dv.setInt16(0, 258, false);
    dv.setInt16(2, -2, false);
    dv.setFloat32(4, 0, false);
    const hdr = handHeader({ dims: [2, 1, 1], datatype: 4, bitpix: 16, littleEndian: false, pixdim: [1, 2, 3, 4] });
    writeFileSync(path, concat(hdr, body));
    const v = await readNifti(path);
    expect(Array.from(v.data)).toEqual([258, -2]);
    expect(v.spacing).toEqual([2, 3, 4]);
  });

  it('uses the qform (quaternion, qfac) when sform_code is 0', async () => {
    // b = 1: 180° about x → R = diag(1, -1, -1); qfac = -1 flips the k column back.
    const path = join(dir, 'qform.nii');
    writeFileSync(
      path,
      concat(handHeader({ dims: [1, 1, 1], datatype: 2, bitpix: 8, pixdim: [-1, 2, 3, 4], qformCode: 1, quatern: [1, 0, 0], qoffset: [10, 20, 30] }), new Uint8Array(1)),
    );
    const v = await readNifti(path);
    expectAffineClose(v.affine, [[2, 0, 0, 10], [0, -3, 0, 20], [0, 0, 4, 30], [0, 0, 0, 1]], 1e-6);
    expect(v.spacing).toEqual([2, 3, 4]);
  });

  it('prefers the sform over the qform when both are set', async () => {
    const path = join(dir, 'both.nii');
    const srow = [[5, 0, 0, 1], [0, 6, 0, 2], [0, 0, 7, 3]];
    writeFileSync(path, concat(handHeader({ dims: [1, 1, 1], datatype: 2, bitpix: 8, pixdim: [1, 2, 3, 4], qformCode: 2, sformCode: 1, quatern: [0, 0, 0], srow }), new Uint8Array(1)));
    const v = await readNifti(path);
    expect(v.affine).toEqual([...srow, [0, 0, 0, 1]]);
  });

  it('falls back to diag(pixdim) without qform and sform, and converts metres to mm', async () => {
    const path = join(dir, 'metre.nii');
    writeFileSync(path, concat(handHeader({ dims: [1, 1, 1], datatype: 2, bitpix: 8, pixdim: [1, 0.001, 0.002, 0.004], units: 1 }), new Uint8Array(1)));
    const v = await readNifti(path);
    for (const [i, s] of [1, 2, 4].entries()) expect(v.spacing[i]).toBeCloseTo(s, 5);
    expect(v.affine[1]![1]).toBeCloseTo(2, 5);
    expect(v.affine[0]![3]).toBe(0);
  });

  it('affine → quaternion → affine is the identity for rotations with and without a flip', () => {
    const rand = lcg(42);
    for (let t = 0; t < 50; t++) {
      // random rotation from a random unit quaternion
      let [a, b, c, d] = [rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5];
      const s = Math.hypot(a, b, c, d);
      [a, b, c, d] = [a / s, b / s, c / s, d / s];
      if (a < 0) [a, b, c, d] = [-a, -b, -c, -d];
      const sp = [0.5 + rand(), 0.5 + rand(), 1 + 3 * rand()];
      const qfac = t % 2 === 0 ? 1 : -1;
      const m = quaternToAffine([b, c, d], [rand() * 100, -rand() * 50, 3], [qfac, sp[0]!, sp[1]!, sp[2]!]);
      const q = affineToQuatern([...m, [0, 0, 0, 1]]);
      expect(q).toBeDefined();
      const back = quaternToAffine(q!.quatern, q!.qoffset, q!.pixdim);
      for (let r = 0; r < 3; r++) for (let k = 0; k < 4; k++) expect(back[r]![k]!).toBeCloseTo(m[r]![k]!, 9);
    }
    expect(affineToQuatern([[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toBeUndefined();
  });
});

describe('NIfTI errors name the file', () => {
  const good = () => concat(handHeader({ dims: [4, 4, 4], datatype: 4, bitpix: 16 }), new Uint8Array(128));

  it('truncated data', async () => {
    const path = join(dir, 'cut.nii');
    writeFileSync(path, good().subarray(0, 352 + 100));
    const e = await expectNiftiError(readNifti(path), 'truncated', path);
    expect(e.message).toMatch(/needs 480/);
  });

  it('truncated header', async () => {
    const path = join(dir, 'cut-header.nii');
    writeFileSync(path, good().subarray(0, 200));
    await expectNiftiError(readNifti(path), 'truncated', path);
  });

  it('bad magic and not-NIfTI files', async () => {
    const path = join(dir, 'magic.nii');
    const b = good();
    b[345] = 'x'.charCodeAt(0);
    writeFileSync(path, b);
    await expectNiftiError(readNifti(path), 'bad-magic', path);
    const txt = join(dir, 'text.nii');
    writeFileSync(txt, 'hello world'.repeat(50));
    await expectNiftiError(readNifti(txt), 'bad-magic', txt);
  });

  it('unsupported datatype (RGB24)', async () => {
    const path = join(dir, 'rgb.nii');
    writeFileSync(path, concat(handHeader({ dims: [2], datatype: 128, bitpix: 24 }), new Uint8Array(6)));
    const e = await expectNiftiError(readNifti(path), 'unsupported-datatype', path);
    expect(e.message).toMatch(/128/);
  });

  it('4D series with several volumes', async () => {
    const path = join(dir, '4d.nii');
    writeFileSync(path, concat(handHeader({ dims: [2, 2, 2, 3], datatype: 2, bitpix: 8 }), new Uint8Array(24)));
    await expectNiftiError(readNifti(path), 'unsupported-dims', path);
  });

  it('corrupt and cut gzip streams', async () => {
    const gz = gzipSync(good());
    const cut = join(dir, 'cut.nii.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    await expectNiftiError(readNifti(cut), 'corrupt-gzip', cut);
    const flipped = gz.slice();
    for (let i = 12; i < flipped.length - 8; i++) flipped[i] ^= 0x5a;
    const bad = join(dir, 'bad.nii.gz');
    writeFileSync(bad, flipped);
    await expectNiftiError(readNifti(bad), 'corrupt-gzip', bad);
  });

  it('missing file and bad output extension', async () => {
    const missing = join(dir, 'nope.nii.gz');
    await expectNiftiError(readNifti(missing), 'not-found', missing);
    const out = join(dir, 'x.nrrd');
    await expectNiftiError(writeNifti(out, randomVolume('uint8', [2, 2, 2], 1)), 'bad-extension', out);
  });

  it('assertSameGrid names both files on shape and affine mismatch', () => {
    const a = randomVolume('uint8', [4, 4, 4], 1);
    const b = randomVolume('uint8', [4, 4, 5], 2);
    expect(() => assertSameGrid(a, 'pred.nii.gz', b, 'label.nii.gz')).toThrowError(/label\.nii\.gz: shape 4×4×5 differs from 4×4×4 of pred\.nii\.gz/);
    const c = { ...a, affine: a.affine.map((r, i) => (i === 0 ? [r[0]!, r[1]!, r[2]!, r[3]! + 0.5] : r)) };
    expect(() => assertSameGrid(a, 'pred.nii.gz', c, 'label.nii.gz')).toThrowError(/label\.nii\.gz: affine .* of pred\.nii\.gz/);
    expect(() => assertSameGrid(a, 'p', { ...a, affine: a.affine.map((r) => r.map((x) => x + 1e-5)) }, 'l')).not.toThrow();
  });
});

describe('readNiftiInfo (header only)', () => {
  it('gives the grid readNifti gives, for .nii and a large .nii.gz', async () => {
    for (const ext of ['.nii', '.nii.gz']) {
      const vol = randomVolume('int16', [64, 48, 40], 11); // ~240 kB: several gzip chunks
      const path = join(dir, `info${ext}`);
      await writeNifti(path, vol);
      const info = await readNiftiInfo(path);
      const full = await readNifti(path);
      expect(info.dims).toEqual(full.dims);
      expect(info.spacing).toEqual(full.spacing);
      expect(info.affine).toEqual(full.affine);
      expect(info.datatype).toBe('int16');
      expect(info.storedDatatype).toBe('int16');
    }
  });

  it('reports the scaled output type, reads a header whose voxels are cut off, and names bad files', async () => {
    const path = join(dir, 'info-scaled.nii');
    writeFileSync(path, concat(handHeader({ dims: [4, 4, 4], datatype: 4, bitpix: 16, slope: 2 }), new Uint8Array(10)));
    const info = await readNiftiInfo(path);
    expect(info).toMatchObject({ dims: [4, 4, 4], datatype: 'float32', storedDatatype: 'int16' });
    await expectNiftiError(readNifti(path), 'truncated', path);
    const gz = join(dir, 'info-bad.nii.gz');
    const good = gzipSync(concat(handHeader({ dims: [4, 4, 4], datatype: 4, bitpix: 16 }), new Uint8Array(128)));
    writeFileSync(gz, good.subarray(0, 12));
    await expectNiftiError(readNiftiInfo(gz), 'corrupt-gzip', gz);
    const rgb = join(dir, 'info-rgb.nii');
    writeFileSync(rgb, concat(handHeader({ dims: [2], datatype: 128, bitpix: 24 }), new Uint8Array(6)));
    await expectNiftiError(readNiftiInfo(rgb), 'unsupported-datatype', rgb);
    await expectNiftiError(readNiftiInfo(join(dir, 'missing.nii')), 'not-found', join(dir, 'missing.nii'));
  });
});
