/**
 * The data content hash of a run's identity (runtime/data/data-hash.ts): its cost on a
 * 20-case split (a 16 MiB image and a 4 MiB label per case, random bytes: about an
 * MM-WHS CT volume as .nii.gz) when every file is read (the first run, or every file
 * changed) and when the size+mtime cache answers (every later run). Medians after one
 * warm-up.
 *
 * Run: node --import tsx bench/data-hash.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DatasetIR } from '../schemas/run-ir.schema.ts';
import { dataFingerprint } from '../runtime/data/data-hash.ts';
import type { CaseRef } from '../runtime/data/dataset.ts';
import type { SplitManifest } from '../runtime/data/split.ts';

const CASES = 20;
const IMAGE_BYTES = 16 * 2 ** 20;
const LABEL_BYTES = 4 * 2 ** 20;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const dir = mkdtempSync(join(tmpdir(), 'ablate-bench-hash-'));
try {
  const refs: CaseRef[] = [];
  for (let i = 0; i < CASES; i++) {
    const id = `case_${String(i).padStart(3, '0')}`;
    const image = join(dir, `${id}_image.nii`);
    const label = join(dir, `${id}_label.nii`);
    writeFileSync(image, randomBytes(IMAGE_BYTES));
    writeFileSync(label, randomBytes(LABEL_BYTES));
    refs.push({ modality: 'ct', id, image, label });
  }
  const ids = refs.map((r) => r.id);
  const split: SplitManifest = {
    version: 1, seed: 0, sampleSeed: null, shuffleSeed: 'bench',
    modalities: { ct: { train: ids.slice(0, 14), val: ids.slice(14, 16), test: ids.slice(16), notAnnotated: [], notSampled: [] } },
  };
  const dataset = { name: 'bench', source: { kind: 'nifti', root: dir } } as unknown as DatasetIR;
  const total = (CASES * (IMAGE_BYTES + LABEL_BYTES)) / 2 ** 20;

  const runs = 5;
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const cacheRoot = join(dir, `cache-${i}`);
    let t0 = performance.now();
    const first = await dataFingerprint(dataset, split, { ct: refs }, { cacheRoot });
    const c = performance.now() - t0;
    t0 = performance.now();
    const second = await dataFingerprint(dataset, split, { ct: refs }, { cacheRoot });
    const w = performance.now() - t0;
    if (first.read !== 2 * CASES || second.read !== 0 || first.hash !== second.hash) throw new Error('unexpected cache behaviour');
    if (i === 0) continue; // warm-up
    cold.push(c);
    warm.push(w);
  }
  const coldMs = median(cold);
  console.log(`${`data hash, ${CASES} cases, ${total.toFixed(0)} MiB, every file read`.padEnd(64)} ${coldMs.toFixed(1).padStart(9)} ms (median of ${runs}; ${(total / (coldMs / 1000)).toFixed(0)} MiB/s)`);
  console.log(`${'data hash, same files, size+mtime cache'.padEnd(64)} ${median(warm).toFixed(1).padStart(9)} ms (median of ${runs})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
