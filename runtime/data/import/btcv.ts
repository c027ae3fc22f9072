/**
 * BTCV, MICCAI 2015 Multi-Atlas Labeling Beyond the Cranial Vault (Landman et al., 2015), as
 * downloaded from Synapse (`RawData.zip`): `RawData/Training/img/img0001.nii.gz` and
 * `RawData/Training/label/label0001.nii.gz` (30 cases). The download folder may be the one
 * holding `img/` and `label/`, or any of `Training/`, `RawData/Training/`,
 * `Abdomen/RawData/Training/` above it. Label coding (13 organs): 1 spleen, 2 right kidney,
 * 3 left kidney, 4 gallbladder, 5 esophagus, 6 liver, 7 stomach, 8 aorta, 9 inferior vena
 * cava, 10 portal and splenic vein, 11 pancreas, 12 right adrenal gland, 13 left adrenal
 * gland; the paper's four organs are liver, spleen, right and left kidney, the other nine
 * read as background. Imported as modality `ct` with the coding kept.
 */
import { join } from 'node:path';
import { DataError } from '../data-error.ts';
import { findLayoutRoot, listFolder, readNiftiPair, type CaseProblem, type PublishedCase, type PublishedDataset } from './published-dataset.ts';

const LABELS = [6, 1, 2, 3];
const OTHER = [4, 5, 7, 8, 9, 10, 11, 12, 13];

export const btcv: PublishedDataset = {
  kind: 'btcv',
  title: 'BTCV abdominal CT (Landman et al., 2015)',
  classes: ['Liver', 'Spleen', 'RKdy', 'LKdy'],
  modalities: [{ name: 'ct', labelValues: LABELS, backgroundValues: OTHER }],
  layout: 'RawData/Training/img/imgNNNN.nii.gz, RawData/Training/label/labelNNNN.nii.gz',

  async findCases(root) {
    const base = await findLayoutRoot(root, ['.', 'Training', 'RawData/Training', 'Abdomen/RawData/Training'], ['img', 'label']);
    if (!base) throw new DataError('unknown-layout', root, 'holds no img/ and label/ folders (the BTCV RawData/Training layout)', `point at the folder the BTCV download unpacks to; expected ${this.layout}`);
    const images = new Map<string, string>();
    const labels = new Map<string, string>();
    for (const [role, map, re] of [['img', images, /^img(\d+)\.nii(\.gz)?$/], ['label', labels, /^label(\d+)\.nii(\.gz)?$/]] as const) {
      for (const name of (await listFolder(join(base, role))) ?? []) {
        const m = re.exec(name);
        if (m) map.set(m[1]!, join(base, role, name));
      }
    }
    const cases: PublishedCase[] = [];
    const problems: CaseProblem[] = [];
    if (!images.size) problems.push(new DataError('empty-folder', join(base, 'img'), 'holds no imgNNNN.nii.gz file', 'copy the BTCV training images there'));
    for (const [id, image] of images) {
      const label = labels.get(id);
      if (label) cases.push({ modality: 'ct', id, sources: [image, label] });
      else problems.push(new DataError('unpaired-file', `ct case ${id}: ${image}`, `has no label file (label/label${id}.nii.gz)`, 'download the missing label, or remove the image'));
    }
    for (const [id, label] of labels) {
      if (!images.has(id)) problems.push(new DataError('unpaired-file', `ct case ${id}: ${label}`, `has no image file (img/img${id}.nii.gz)`, 'download the missing image, or remove the label'));
    }
    cases.sort((a, b) => a.id.localeCompare(b.id));
    return { cases, problems };
  },

  readCase(c) {
    return readNiftiPair(c.sources[0]!, c.sources[1]!, [...LABELS, ...OTHER], `${c.modality} case ${c.id}`);
  },
};
