/**
 * The phantom dataset generator: unpaired CT-like and MRI-like cases that share one class
 * taxonomy, written as real NIfTI files so that they load through the same code path as a
 * user's dataset.
 *
 * Layout written under `outDir`:
 *   `<modality>/images/case_XXX.nii.gz`, `<modality>/labels/case_XXX.nii.gz`, `manifest.json`.
 * Determinism: case i of modality m depends only on (seed, m, i, anatomy, size, spacing), never
 * on how many cases or modalities are generated; CT and MRI cases are drawn independently
 * (unpaired). Spacing: x and y share one jitter factor, z has its own, each uniform in
 * [0.85, 1.15] × the base spacing. Affine: diag(spacing) with the volume centred on the origin.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNifti, type Volume } from '../nifti.ts';
import { DataError } from '../data-error.ts';
import { SeededRandom } from '../seeded-random.ts';
import { PHANTOM_STRUCTURES, drawAnatomy, tissueIndex, type PhantomAnatomy, type Tissue } from './anatomy.ts';
import { renderAppearance, type PhantomModality } from './appearance.ts';

export const PHANTOM_FORMAT_VERSION = 1;

/** Everything that determines a phantom dataset. */
export interface PhantomSpec {
  anatomy: PhantomAnatomy;
  /** Voxel counts [X, Y, Z]. */
  size: [number, number, number];
  /** Base voxel spacing in mm (each case jitters it). */
  spacing: [number, number, number];
  seed: number;
  /** Class names in label order 1..Z; each must name a structure of the anatomy (see `resolvePhantomClasses`). */
  classes: string[];
  /** Modalities in order; `labelValues[i]` is the stored value of `classes[i]`. */
  modalities: { name: string; cases: number; labelValues: number[] }[];
}

/** One generated case, as listed in `manifest.json` (paths relative to the dataset folder). */
export interface PhantomCaseEntry {
  id: string;
  image: string;
  label: string;
  spacing: [number, number, number];
}

/** `manifest.json` of a phantom dataset. */
export interface PhantomManifest {
  format: 'ablate-phantom';
  version: number;
  anatomy: PhantomAnatomy;
  size: [number, number, number];
  spacing: [number, number, number];
  seed: number;
  classes: string[];
  modalities: Record<string, { appearance: PhantomModality; labelValues: number[]; cases: PhantomCaseEntry[] }>;
}

const ALIASES: Record<Tissue, string[]> = {
  LVM: ['lvm', 'myo', 'myocardium', 'lvmyocardium', 'leftventriclemyocardium', 'lvmyo'],
  LAC: ['lac', 'la', 'leftatrium', 'leftatriumcavity', 'leftatrialcavity', 'lacavity', 'leftatrialbloodcavity', 'leftatriumbloodcavity'],
  LVC: ['lvc', 'lv', 'leftventricle', 'leftventriclecavity', 'lvcavity', 'leftventriclebloodcavity', 'lvbloodpool'],
  AA: ['aa', 'aorta', 'ascendingaorta', 'ao'],
  liver: ['liver', 'liv'],
  spleen: ['spleen', 'spl', 'spln'],
  rkidney: ['rkidney', 'rightkidney', 'kidneyr', 'kidneyright', 'rkdy', 'rk'],
  lkidney: ['lkidney', 'leftkidney', 'kidneyl', 'kidneyleft', 'lkdy', 'lk'],
  air: [], body: [], fat: [], lung: [], bone: [], blood: [],
};

/**
 * Maps dataset class names to phantom structures (case-insensitive, ignoring `_` and `-`;
 * `LVM`/`myocardium`, `LAC`/`left_atrium`, `LVC`/`LV`, `AA`/`aorta`, `liver`, `spleen`,
 * `R_kidney`/`right_kidney`/`R_kdy`, `L_kidney`/…). A structure of the anatomy that no class
 * names is still drawn but labelled background. Throws `DataError('phantom-class')`.
 */
export function resolvePhantomClasses(classes: readonly string[], anatomy: PhantomAnatomy): Tissue[] {
  const known = PHANTOM_STRUCTURES[anatomy];
  return classes.map((name) => {
    const key = name.toLowerCase().replace(/[_\-\s]/g, '');
    const hit = known.find((t) => ALIASES[t].includes(key));
    if (!hit) {
      throw new DataError('phantom-class', `class ${name}`, `the ${anatomy} phantom has no structure called ${JSON.stringify(name)}`, `use one of ${known.join(', ')} (or a usual synonym)`);
    }
    return hit;
  });
}

/** The appearance a modality name gets: names starting with `ct` render as CT; `mr…`, `t1…`, `t2…` as MRI. */
export function phantomModalityOf(name: string): PhantomModality {
  const n = name.toLowerCase();
  if (n.startsWith('ct')) return 'ct';
  if (n.startsWith('mr') || n.startsWith('t1') || n.startsWith('t2')) return 'mri';
  throw new DataError('phantom-modality', `modality ${name}`, 'the phantom generator renders only CT-like and MRI-like images', 'name the modality ct… or mr… / mri / t1… / t2…');
}

/** Case id of the i-th case (0-based): `case_000`. */
export function phantomCaseId(index: number): string {
  return `case_${String(index).padStart(3, '0')}`;
}

/**
 * Generates case `index` of modality `modality` in memory.
 * `image` holds HU (int16) for CT and float32 for MRI; `label` holds the declared label values.
 */
export function phantomCase(spec: PhantomSpec, modality: string, index: number): { image: Volume; label: Volume } {
  const mod = spec.modalities.find((m) => m.name === modality);
  if (!mod) throw new DataError('unknown-modality', `modality ${modality}`, 'is not part of the phantom spec', `use one of ${spec.modalities.map((m) => m.name).join(', ')}`);
  const appearance = phantomModalityOf(modality);
  const structures = resolvePhantomClasses(spec.classes, spec.anatomy);
  if (mod.labelValues.length !== structures.length) {
    throw new DataError('invalid-volume', `modality ${modality}`, `has ${mod.labelValues.length} label values for ${structures.length} classes`, 'give one label value per class');
  }
  const rng = new SeededRandom(`${spec.seed}:${modality}:${index}`);
  const inPlane = rng.range(0.85, 1.15);
  const through = rng.range(0.85, 1.15);
  const spacing: [number, number, number] = [spec.spacing[0] * inPlane, spec.spacing[1] * inPlane, spec.spacing[2] * through];
  const dims = spec.size;
  const tissue = drawAnatomy(spec.anatomy, dims, spacing, new SeededRandom(`${spec.seed}:${modality}:${index}:anatomy`));
  const pixels = renderAppearance(tissue, dims, spacing, appearance, spec.anatomy, new SeededRandom(`${spec.seed}:${modality}:${index}:appearance`));

  const valueOfTissue = new Int32Array(256);
  structures.forEach((t, c) => (valueOfTissue[tissueIndex(t)] = mod.labelValues[c]!));
  const maxValue = Math.max(...mod.labelValues);
  const labels = maxValue <= 255 ? new Uint8Array(tissue.length) : maxValue <= 32767 ? new Int16Array(tissue.length) : new Int32Array(tissue.length);
  for (let i = 0; i < tissue.length; i++) labels[i] = valueOfTissue[tissue[i]!]!;

  const affine = [
    [spacing[0], 0, 0, (-(dims[0] - 1) / 2) * spacing[0]],
    [0, spacing[1], 0, (-(dims[1] - 1) / 2) * spacing[1]],
    [0, 0, spacing[2], (-(dims[2] - 1) / 2) * spacing[2]],
    [0, 0, 0, 1],
  ];
  const geometry = { dims: [...dims] as [number, number, number], spacing, affine };
  return {
    image: { ...geometry, data: pixels, datatype: pixels instanceof Int16Array ? 'int16' : 'float32' },
    label: { ...geometry, affine: affine.map((r) => r.slice()), data: labels, datatype: labels instanceof Uint8Array ? 'uint8' : labels instanceof Int16Array ? 'int16' : 'int32' },
  };
}

/**
 * Writes every case of every modality of `spec` under `outDir` plus `manifest.json` (written
 * last, so a folder with a manifest is complete). Returns the manifest.
 * `onCase` is called after each case is written (progress).
 */
export async function generatePhantom(spec: PhantomSpec, outDir: string, onCase?: (modality: string, id: string) => void): Promise<PhantomManifest> {
  resolvePhantomClasses(spec.classes, spec.anatomy);
  const manifest: PhantomManifest = {
    format: 'ablate-phantom',
    version: PHANTOM_FORMAT_VERSION,
    anatomy: spec.anatomy,
    size: spec.size,
    spacing: spec.spacing,
    seed: spec.seed,
    classes: spec.classes,
    modalities: {},
  };
  for (const mod of spec.modalities) {
    const appearance = phantomModalityOf(mod.name);
    await mkdir(join(outDir, mod.name, 'images'), { recursive: true });
    await mkdir(join(outDir, mod.name, 'labels'), { recursive: true });
    const cases: PhantomCaseEntry[] = [];
    for (let i = 0; i < mod.cases; i++) {
      const id = phantomCaseId(i);
      const { image, label } = phantomCase(spec, mod.name, i);
      const imagePath = `${mod.name}/images/${id}.nii.gz`;
      const labelPath = `${mod.name}/labels/${id}.nii.gz`;
      await writeNifti(join(outDir, imagePath), image, { description: `ablate phantom ${spec.anatomy} ${mod.name}`, compressionLevel: 3 });
      await writeNifti(join(outDir, labelPath), label, { description: `ablate phantom ${spec.anatomy} ${mod.name} labels`, compressionLevel: 6 });
      cases.push({ id, image: imagePath, label: labelPath, spacing: image.spacing });
      onCase?.(mod.name, id);
    }
    manifest.modalities[mod.name] = { appearance, labelValues: mod.labelValues, cases };
  }
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
