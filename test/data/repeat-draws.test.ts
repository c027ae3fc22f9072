/**
 * The paper's abdominal protocol as a repeat (all CT, 5 draws of 9 of 20 MRI cases),
 * compiled from the language and split by the data stage: every draw samples its own MRI
 * subset and cuts its own train/val/test split in both modalities, as the split manifests
 * (`split.json`) written for each draw show.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { prepareData } from '../../runtime/data/prepare-data.ts';
import type { SplitManifest } from '../../runtime/data/split.ts';

const SPEC = `
dataset abdo "tiny abdominal phantom" {
  source: phantom { anatomy: abdominal, size: 16 x 16 x 2, spacing: 2 x 2 x 4 mm, seed: 5 }
  classes: [Liver, Spleen, RKdy, LKdy]
  modalities { ct { cases: 12, label_values: [1, 2, 3, 4] }, mri { cases: 20, label_values: [1, 2, 3, 4] } }
}

experiment abdo_base {
  data abdo {
    modalities: [ct, mri]
    crop: 16 x 16
    split { train: 70%, val: 10%, test: 20%, seed: 0 }
  }
  model { backbone swin_unet { patch: 2, embed: 8, depths: [1, 1, 1, 1], heads: [1, 1, 2, 2], window: 1 }, joint: v3 }
  train { epochs: 1, batch: 1, optimizer: adamw { lr: 1e-3 } }
}

repeat abdo_x5 from abdo_base {
  times: 5
  sample { mri: 9 }
  seed: 0
  pool: true
}
`;

describe('repeat draws (5 × 9 of 20 MRI, all CT)', () => {
  it('each draw samples its own subset and tests its own cases; the manifests and hashes record it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ablate-draws-'));
    writeFileSync(join(dir, 'spec.abl'), SPEC);
    const result = compileFile(join(dir, 'spec.abl'), { cwd: dir });
    expect(result.diagnostics).toEqual([]);
    const draws = result.runs.filter((r) => r.repeat?.group === 'abdo_x5');
    expect(draws).toHaveLength(5);
    const manifests: SplitManifest[] = [];
    const splitHashes: string[] = [];
    for (const [i, ir] of draws.entries()) {
      const runDir = mkdtempSync(join(dir, `draw${i}-`));
      const data = await prepareData(ir.dataset, ir.data, { cwd: dir, runDir });
      manifests.push(JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8')) as SplitManifest);
      splitHashes.push(data.splitHash);
      expect(data.modalities.mri!.test.map((c) => c.id)).toEqual(manifests[i]!.modalities.mri!.test);
    }
    for (const [i, m] of manifests.entries()) {
      expect(m.sampleSeed).toBe(i);
      expect(m.shuffleSeed).toBe(`split:0:draw:${i}:<modality>`);
      const mri = m.modalities.mri!;
      const ct = m.modalities.ct!;
      // 9 MRI cases → 6/1/2; every CT case (12 → 9/1/2), none left out.
      expect([mri.train.length, mri.val.length, mri.test.length, mri.notSampled.length]).toEqual([6, 1, 2, 11]);
      expect([ct.train.length, ct.val.length, ct.test.length, ct.notSampled.length]).toEqual([9, 1, 2, 0]);
    }
    // Distinct MRI subsets, distinct MRI test cases and distinct CT test cases in every draw.
    expect(new Set(manifests.map((m) => m.modalities.mri!.notSampled.join())).size).toBe(5);
    expect(new Set(manifests.map((m) => m.modalities.mri!.test.join())).size).toBe(5);
    expect(new Set(manifests.map((m) => m.modalities.ct!.test.join())).size).toBe(5);
    // The draw enters the run's identity: five IR hashes and five split hashes.
    expect(new Set(draws.map((d) => d.specHash)).size).toBe(5);
    expect(new Set(splitHashes).size).toBe(5);
  }, 60_000);
});
