/**
 * How many cases each modality of a dataset has, for the split hints: a phantom states
 * `cases`; a NIfTI dataset is listed on disk with the runtime's own pairing rules
 * (`listModalityCases`), remembered per folder for a few seconds so typing does not
 * re-list a folder on every keystroke.
 */
import { join, resolve } from 'node:path';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { listModalityCases } from '../../runtime/data/dataset.ts';

export type CaseCount = { cases: number } | { missing: string };

const TTL_MS = 5_000;
const listed = new Map<string, { at: number; count: CaseCount }>();

/** The number of cases of one modality (or why it is unknown). */
export async function caseCount(dataset: DatasetIR, modality: string, cwd: string): Promise<CaseCount> {
  const m = dataset.modalities[modality];
  if (!m) return { missing: `the dataset has no modality ${modality}` };
  if (dataset.source.kind === 'phantom') return m.cases === null ? { missing: 'the phantom states no cases' } : { cases: m.cases };
  // The NIfTI branch of runtime/data/dataset.ts `resolveDataset`, without generating anything.
  const root = resolve(cwd, dataset.source.root);
  const imagesDir = join(root, m.images);
  const labelsDir = join(root, m.labels);
  const key = `${imagesDir}\0${labelsDir}`;
  const hit = listed.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.count;
  let count: CaseCount;
  try {
    const cases = await listModalityCases({ modality, imagesDir, labelsDir, classes: [...dataset.classes], labelValues: [...m.labelValues], spacing: null });
    count = { cases: cases.length };
  } catch {
    // Missing or unpaired files: `ablate data check` explains; a hint only says the count is unknown.
    count = { missing: 'data not found' };
  }
  listed.set(key, { at: Date.now(), count });
  return count;
}
