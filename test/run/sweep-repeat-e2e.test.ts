/**
 * `repeat … from <sweep>` end to end on a tiny phantom (cpu): every sweep point × every draw
 * is trained and logged under one parent run, each draw on its own split, and the figure
 * over the repeat pools the draws per point (error bars) with a reference line.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../cli/report-writer.ts';
import { executeRuns } from '../../cli/run-session.ts';
import { compileFile } from '../../compiler/compile.ts';
import { initBackend } from '../../runtime/backend/select-backend.ts';
import { silentProgress } from '../../runtime/run/progress-sink.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';

const SPEC = `
dataset tiny "tiny phantom" {
  source: phantom { anatomy: cardiac, size: 24 x 24 x 3, spacing: 1 x 1 x 2 mm, seed: 3 }
  classes: [LVM, LAC, LVC, AA]
  modalities { ct { cases: 5, label_values: [1, 2, 3, 4] }, mri { cases: 5, label_values: [1, 2, 3, 4] } }
}

experiment tiny_v3 {
  data tiny {
    modalities: [ct, mri]
    crop: 16 x 16
    split { train: 60%, val: 0%, test: 40%, seed: 0 }
  }
  model {
    backbone swin_unet { patch: 2, embed: 4, depths: [1, 1, 1, 1], heads: [1, 1, 1, 1], window: 1 }
    joint: v3
    eam at decoder[1..3] { heads: 1 }
  }
  loss { icr: 0.1 { tau: 4 } }
  train { epochs: 1, steps_per_epoch: 1, batch: 1, optimizer: adamw { lr: 1e-3 }, schedule: constant, seed: 7 }
  eval { metrics: [dice] }
}

sweep tau from tiny_v3 { loss.icr.tau in [1, 4] }
repeat tau_x2 from tau { times: 2, pool: true }
repeat ref_x2 from tiny_v3 { times: 2 }

figure fig "τ over two draws" {
  sweep: tau_x2
  x: loss.icr.tau
  y: dice.mean
  references { "Reference": ref_x2 }
}
`;

describe('sweep × repeat end to end (tiny phantom, cpu)', () => {
  it('trains every point × every draw on its own split and plots mean ± std per point with a reference line', async () => {
    const backend = await initBackend('cpu');
    const dir = await mkdtemp(path.join(tmpdir(), 'ablate-sweep-repeat-'));
    const file = path.join(dir, 'fig.abl');
    await writeFile(file, SPEC);
    const compiled = compileFile(file, { cwd: dir, only: 'fig' });
    expect(compiled.diagnostics).toEqual([]);
    expect(compiled.runs.map((r) => r.name)).toEqual([
      'tau_x2[loss.icr.tau=1]#0', 'tau_x2[loss.icr.tau=1]#1', 'tau_x2[loss.icr.tau=4]#0', 'tau_x2[loss.icr.tau=4]#1', 'ref_x2#0', 'ref_x2#1',
    ]);
    const store = path.join(dir, 'mlruns');
    const tracker = createTracker(store);
    const outcomes = await executeRuns(compiled.runs, {
      tracker, experimentName: 'ablate', backend, cwd: dir, cacheRoot: path.join(dir, 'cache'), workRoot: path.join(dir, 'cache', 'runs'),
      force: false, progress: silentProgress(), version: 'test',
    });
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('finished'));
    // results.json records what placed the test crops (the default: the image).
    expect(outcomes.map((o) => o.results.cropAt)).toEqual(Array(6).fill('image'));
    // Each draw tested other cases: the two draws at a point differ in their CT test cases.
    const testCases = outcomes.map((o) => o.results.cases.filter((c) => c.modality === 'ct').map((c) => c.caseId).join());
    expect(testCases[0]).not.toBe(testCases[1]);
    expect(testCases[0]).toBe(testCases[2]); // draw 0 at τ = 1 and τ = 4: the same split, only τ differs

    // One parent for the repeat with the pooled results of each point.
    const [experimentId] = readdirSync(store).filter((d) => /^\d{6,}$/.test(d));
    const parents = readdirSync(path.join(store, experimentId!)).filter((id) => {
      try {
        return readFileSync(path.join(store, experimentId!, id, 'tags', 'mlflow.runName'), 'utf8') === 'tau_x2';
      } catch {
        return false;
      }
    });
    expect(parents).toHaveLength(1);
    const pooled = JSON.parse(readFileSync(path.join(store, experimentId!, parents[0]!, 'artifacts', 'results', 'loss.icr.tau=4.json'), 'utf8')) as { cases: unknown[] };
    expect(pooled.cases).toHaveLength(outcomes[2]!.results.cases.length + outcomes[3]!.results.cases.length);

    const outDir = path.join(dir, 'reports');
    const [written] = await writeReports(compiled, tracker, { experimentName: 'ablate', outDir, format: 'md' });
    expect(written!.text).toContain('figure fig: 4 of 4 points measured');
    const svg = readFileSync(path.join(outDir, 'fig.svg'), 'utf8');
    expect(svg).toContain('mean ± std over 2 draws');
    expect(svg).toContain('>Reference</text>');
    expect(svg.match(/stroke-dasharray="6 4"/g)).toHaveLength(2);
    // Two x values per series (CT, MRI, Overall): 3 series × 2 markers.
    expect(svg.match(/<circle/g)).toHaveLength(6);
    await tracker.close();
  }, 300_000);
});
