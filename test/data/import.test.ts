import dicomParser from 'dicom-parser';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkDatasetFolder } from '../../runtime/data/import/check-folder.ts';
import { DatasetProblems } from '../../runtime/data/import/dataset-problems.ts';
import { importPublished, type ImportManifest } from '../../runtime/data/import/import-dataset.ts';
import type { PublishedDatasetKind } from '../../runtime/data/import/published-dataset.ts';
import { readNifti, writeNifti } from '../../runtime/data/nifti.ts';
import { writePublishedLayout, type PublishedPhantomCase } from '../../runtime/data/phantom/published-layout.ts';

const SIZE: [number, number, number] = [24, 20, 6];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'ablate-import-'));
}

async function expectEqualToTruth(out: string, manifest: ImportManifest, truth: PublishedPhantomCase[]): Promise<void> {
  for (const t of truth) {
    const entry = manifest.modalities[t.modality]!.cases.find((c) => c.id === t.id)!;
    expect(entry, `${t.modality} ${t.id} in the manifest`).toBeDefined();
    const image = await readNifti(join(out, entry.image));
    const label = await readNifti(join(out, entry.label));
    expect(image.dims).toEqual(t.image.dims);
    expect(label.dims).toEqual(t.image.dims);
    for (let a = 0; a < 3; a++) expect(image.spacing[a]).toBeCloseTo(t.image.spacing[a]!, 5);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      expect(image.affine[r]![c]).toBeCloseTo(t.image.affine[r]![c]!, 4);
      expect(label.affine[r]![c]).toBeCloseTo(t.image.affine[r]![c]!, 4);
    }
    let imageDiff = 0;
    let labelDiff = 0;
    for (let i = 0; i < image.data.length; i++) {
      imageDiff = Math.max(imageDiff, Math.abs(image.data[i]! - t.image.data[i]!));
      if (label.data[i] !== t.label.data[i]) labelDiff++;
    }
    expect(imageDiff).toBe(0);
    expect(labelDiff).toBe(0);
  }
}

describe('data import from the published layouts (phantom truth)', () => {
  for (const kind of ['chaos', 'mmwhs', 'btcv'] as PublishedDatasetKind[]) {
    it(`${kind}: voxels, spacing, affine and label values equal the phantom's`, async () => {
      const dir = tmp();
      const truth = await writePublishedLayout(kind, join(dir, 'download'), { cases: 2, size: SIZE });
      const manifest = await importPublished(kind, join(dir, 'download'), join(dir, 'out'));
      expect(manifest.format).toBe('ablate-import');
      expect(Object.values(manifest.modalities).reduce((n, m) => n + m.cases.length, 0)).toBe(truth.length);
      await expectEqualToTruth(join(dir, 'out'), manifest, truth);
      expect(JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(manifest)));
      // The imported folder checks clean, as a run would load it.
      const check = await checkDatasetFolder(join(dir, 'out'));
      expect(check.problems.map((p) => p.message)).toEqual([]);
      expect(check.cases).toHaveLength(truth.length);
    });
  }

  it('the CHAOS fixture is real DICOM: dicom-parser reads its geometry and rescale tags', async () => {
    const dir = tmp();
    const [t] = await writePublishedLayout('chaos', dir, { cases: 1, size: SIZE });
    const folder = join(dir, 'Train_Sets', 'MR', t!.id, 'T2SPIR', 'DICOM_anon');
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(SIZE[2]);
    const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(join(folder, files[0]!))));
    expect(ds.string('x00020010')).toBe('1.2.840.10008.1.2.1');
    expect(ds.uint16('x00280010')).toBe(SIZE[1]);
    expect(ds.uint16('x00280011')).toBe(SIZE[0]);
    expect(ds.floatString('x00281053')).toBe(0.5);
    expect(ds.floatString('x00281052')).toBe(-20);
    // File 00001 is the top slice: its position is the volume's last z (RAS z = LPS z).
    expect(ds.floatString('x00200032', 2)).toBeCloseTo(t!.image.affine[2]![3]! + (SIZE[2] - 1) * t!.image.affine[2]![2]!, 4);
    expect(existsSync(join(dir, 'Train_Sets', 'MR', t!.id, 'T2SPIR', 'Ground', files[0]!.replace('.dcm', '.png')))).toBe(true);
  });
});

/** Writes a greyscale PNG. */
function writePng(file: string, width: number, height: number, grey: number): void {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false } as ConstructorParameters<typeof PNG>[0]);
  png.data = Buffer.alloc(width * height, 0);
  png.data[width + 1] = grey;
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false } as Parameters<typeof PNG.sync.write>[1]));
}

describe('data import: bad input is named, every problem at once, nothing left in --out', () => {
  it('a missing slice, two series in one folder, a PNG of the wrong size, an unknown grey value, a truncated .dcm', async () => {
    const dir = tmp();
    const download = join(dir, 'CHAOS_Train_Sets');
    await writePublishedLayout('chaos', download, { cases: 6, size: SIZE });
    const caseDir = (id: string, sub: string) => join(download, 'Train_Sets', 'MR', id, 'T2SPIR', sub);
    // case 1: slice 3 of 6 gone (with its mask)
    rmSync(join(caseDir('1', 'DICOM_anon'), 'IMG-0002-00003.dcm'));
    rmSync(join(caseDir('1', 'Ground'), 'IMG-0002-00003.png'));
    // case 3: a slice of case 5's series copied in
    copyFileSync(join(caseDir('5', 'DICOM_anon'), 'IMG-0002-00002.dcm'), join(caseDir('3', 'DICOM_anon'), 'IMG-0009-00001.dcm'));
    // case 5: a 10×10 mask
    writePng(join(caseDir('5', 'Ground'), 'IMG-0002-00004.png'), 10, 10, 63);
    // case 7: grey value 100 (between the liver and right-kidney ranges)
    writePng(join(caseDir('7', 'Ground'), 'IMG-0002-00002.png'), SIZE[0], SIZE[1], 100);
    // case 9: a .dcm cut in the middle of its pixel data
    const cut = join(caseDir('9', 'DICOM_anon'), 'IMG-0002-00005.dcm');
    writeFileSync(cut, readFileSync(cut).subarray(0, 700));
    // case 11 stays good.
    const out = join(dir, 'imported');
    const error = await importPublished('chaos', download, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetProblems);
    const problems = (error as DatasetProblems).problems.map((p) => ({ code: p.code, message: p.message }));
    expect(problems.map((p) => p.code)).toEqual(['missing-slice', 'mixed-series', 'mask-size', 'unknown-grey-value', 'bad-dicom']);
    expect(problems[0]!.message).toContain(`mri case 1: ${caseDir('1', 'DICOM_anon')}: misses 1 slice(s) between IMG-0002-00004.dcm and IMG-0002-00002.dcm`);
    expect(problems[1]!.message).toMatch(/^mri case 3: .*DICOM_anon: mixes 2 series \(Series Instance UID 1\.2\.826\.0\.1\.3680043\.8\.498\.2\.2: 6 slice\(s\)/);
    expect(problems[1]!.message).toContain('1.2.826.0.1.3680043.8.498.3.2: 1 slice(s), e.g. IMG-0009-00001.dcm');
    expect(problems[2]!.message).toContain(`mri case 5: ${join(caseDir('5', 'Ground'), 'IMG-0002-00004.png')}: is 10×10 pixels but its slice IMG-0002-00004.dcm is 24×20`);
    expect(problems[3]!.message).toContain(`mri case 7: ${join(caseDir('7', 'Ground'), 'IMG-0002-00002.png')}: holds grey value(s) 100 (1 pixel(s), first at column 1, row 1)`);
    expect(problems[4]!.message).toContain(`mri case 9: ${cut}: cannot be read as DICOM`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['CHAOS_Train_Sets']);
    // `data check` on the download reports the same problems without writing.
    const check = await checkDatasetFolder(download);
    expect(check.kind).toBe('chaos download');
    expect(check.problems.map((p) => p.code)).toEqual(problems.map((p) => p.code));
    expect(check.cases.map((c) => c.id)).toEqual(['11']);
  });

  it('NIfTI layouts: NaN voxels, a label grid that differs from its image, an unknown label value, an image without label', async () => {
    const dir = tmp();
    const truth = await writePublishedLayout('btcv', dir, { cases: 4, size: SIZE });
    const img = (id: string) => join(dir, 'RawData', 'Training', 'img', `img${id}.nii.gz`);
    const lab = (id: string) => join(dir, 'RawData', 'Training', 'label', `label${id}.nii.gz`);
    const withNaN = { ...truth[0]!.image, data: Float32Array.from(truth[0]!.image.data), datatype: 'float32' as const, header: undefined };
    withNaN.data[5] = NaN;
    withNaN.data[7] = Infinity;
    await writeNifti(img('0001'), withNaN);
    await writeNifti(lab('0002'), { ...truth[1]!.label, dims: [SIZE[0], SIZE[1], SIZE[2] - 1], data: truth[1]!.label.data.subarray(0, SIZE[0] * SIZE[1] * (SIZE[2] - 1)) });
    const odd = Uint8Array.from(truth[2]!.label.data);
    odd[3] = 42;
    await writeNifti(lab('0003'), { ...truth[2]!.label, data: odd });
    rmSync(lab('0004'));
    const out = join(dir, 'out');
    const error = (await importPublished('btcv', dir, out).catch((e: unknown) => e)) as DatasetProblems;
    expect(error).toBeInstanceOf(DatasetProblems);
    expect(error.problems.map((p) => `${p.code} ${p.message.split(':')[0]}`)).toEqual([
      'unpaired-file ct case 0004',
      'non-finite-voxel ct case 0001',
      'grid-mismatch ct case 0002',
      'undeclared-label ct case 0003',
    ]);
    expect(error.problems[1]!.message).toContain(`${img('0001')}: holds 2 NaN or infinite voxel(s), the first at (5, 0, 0)`);
    expect(error.problems[3]!.message).toContain('holds label value(s) 42 (1 voxel(s), first at (3, 0, 0))');
    expect(existsSync(out)).toBe(false);
  });

  it('an interrupted import is rerun; an existing output needs --force', async () => {
    const dir = tmp();
    await writePublishedLayout('mmwhs', join(dir, 'MM-WHS'), { cases: 1, size: SIZE });
    const out = join(dir, 'mmwhs');
    // What a killed import leaves: its temporary folder, named with a pid that is gone.
    mkdirSync(join(dir, 'mmwhs.import-999999999-abc123', 'ct', 'images'), { recursive: true });
    await importPublished('mmwhs', join(dir, 'MM-WHS'), out);
    expect(readdirSync(dir).sort()).toEqual(['MM-WHS', 'mmwhs']);
    expect(readdirSync(out).sort()).toEqual(['ct', 'manifest.json', 'mri']);
    const again = await importPublished('mmwhs', join(dir, 'MM-WHS'), out).catch((e: unknown) => e);
    expect((again as Error).message).toBe(`${out}: already exists (hint: choose another --out folder, or pass --force to replace it)`);
    await importPublished('mmwhs', join(dir, 'MM-WHS'), out, { force: true });
    expect(readdirSync(dir).sort()).toEqual(['MM-WHS', 'mmwhs']);
  });

  it('a folder in no known layout is refused with the layouts expected', async () => {
    const dir = tmp();
    await expect(importPublished('chaos', dir, join(dir, 'x'))).rejects.toThrow(/holds no MR\/<case>\/T2SPIR folder \(the CHAOS Train_Sets layout\)/);
    await expect(checkDatasetFolder(dir)).rejects.toThrow(/is not a MM-WHS, BTCV or CHAOS download/);
  });
});
