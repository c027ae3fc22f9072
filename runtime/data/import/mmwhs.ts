/**
 * MM-WHS 2017 (Zhuang et al., 2019) as downloaded: `ct_train/ct_train_1001_image.nii.gz`
 * beside `ct_train/ct_train_1001_label.nii.gz`, and `mr_train/mr_train_1001_image.nii.gz` +
 * `_label` (20 cases each). Label coding: 205 left ventricle myocardium (LVM), 420 left
 * atrium blood cavity (LAC), 500 left ventricle blood cavity (LVC), 820 ascending aorta (AA);
 * 550 right atrium, 600 right ventricle and 850 pulmonary artery are outside the paper's
 * task and read as background. Imported as modalities `ct` and `mri` with the coding kept.
 */
import { join } from 'node:path';
import { DataError } from '../data-error.ts';
import { findLayoutRoot, listFolder, readNiftiPair, type CaseProblem, type PublishedCase, type PublishedDataset } from './published-dataset.ts';

const FOLDERS = { ct: 'ct_train', mri: 'mr_train' } as const;
const NAME = /^((?:ct|mr)_train_\d+)_(image|label)\.nii(\.gz)?$/;
const LABELS = [205, 420, 500, 820];
const OTHER = [550, 600, 850];
/** Where `ct_train/` and `mr_train/` may sit below the folder given. */
const CANDIDATES = ['.', 'MM-WHS 2017 Dataset', 'mmwhs'];

export const mmwhs: PublishedDataset = {
  kind: 'mmwhs',
  title: 'MM-WHS 2017 (Zhuang et al., 2019)',
  classes: ['LVM', 'LAC', 'LVC', 'AA'],
  modalities: [
    { name: 'ct', labelValues: LABELS, backgroundValues: OTHER },
    { name: 'mri', labelValues: LABELS, backgroundValues: OTHER },
  ],
  layout: 'ct_train/ct_train_NNNN_{image,label}.nii.gz, mr_train/mr_train_NNNN_{image,label}.nii.gz',

  async findCases(root) {
    const base = (await findLayoutRoot(root, CANDIDATES, [FOLDERS.ct])) ?? (await findLayoutRoot(root, CANDIDATES, [FOLDERS.mri]));
    if (!base) {
      throw new DataError('unknown-layout', root, 'holds neither ct_train/ nor mr_train/ (the MM-WHS 2017 training layout)', `point at the folder the MM-WHS download unpacks to; expected ${this.layout}`);
    }
    const cases: PublishedCase[] = [];
    const problems: CaseProblem[] = [];
    for (const [modality, folder] of Object.entries(FOLDERS)) {
      const dir = join(base, folder);
      const names = await listFolder(dir);
      if (!names) continue;
      const pairs = new Map<string, { image?: string; label?: string }>();
      for (const name of names) {
        const m = NAME.exec(name);
        if (!m) continue;
        const p = pairs.get(m[1]!) ?? {};
        p[m[2] as 'image' | 'label'] = join(dir, name);
        pairs.set(m[1]!, p);
      }
      if (!pairs.size) problems.push(new DataError('empty-folder', dir, `holds no ${folder}_NNNN_image.nii.gz file`, 'copy the MM-WHS training files there'));
      for (const [id, p] of pairs) {
        if (!p.image || !p.label) {
          problems.push(new DataError('unpaired-file', `${modality} case ${id}: ${p.image ?? p.label}`, `has no ${p.image ? 'label' : 'image'} file (${id}_${p.image ? 'label' : 'image'}.nii.gz)`, 'download the missing file, or remove this one'));
          continue;
        }
        cases.push({ modality, id, sources: [p.image, p.label] });
      }
    }
    return { cases, problems };
  },

  readCase(c) {
    return readNiftiPair(c.sources[0]!, c.sources[1]!, [...LABELS, ...OTHER], `${c.modality} case ${c.id}`);
  },
};
