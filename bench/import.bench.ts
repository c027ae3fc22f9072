/**
 * DICOM import benchmark: one CHAOS-layout case of 256 × 256 × 40 (40 .dcm files + 40 PNG
 * masks, written by the phantom) imported to NIfTI + manifest, end to end — parsing with
 * dicom-parser, series assembly, PNG decoding, grey-value mapping, gzip-compressed NIfTI
 * writing and the atomic rename. Median wall time per case over 5 imports after a warm-up.
 *
 * Run: node --import tsx bench/import.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importPublished } from '../runtime/data/import/import-dataset.ts';
import { writePublishedLayout } from '../runtime/data/phantom/published-layout.ts';

const dir = mkdtempSync(join(tmpdir(), 'ablate-import-bench-'));
try {
  await writePublishedLayout('chaos', join(dir, 'download'), { cases: 1, size: [256, 256, 40] });
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const out = join(dir, `out-${i}`);
    const t0 = performance.now();
    await importPublished('chaos', join(dir, 'download'), out);
    if (i > 0) times.push(performance.now() - t0); // the first import warms up
    rmSync(out, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  console.log(`${'CHAOS import, one 256×256×40 DICOM series + PNG masks'.padEnd(64)} ${median.toFixed(1).padStart(9)} ms per case (median of ${times.length}; min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
