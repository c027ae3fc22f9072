/**
 * Run identity and staleness, through `executeRuns` on a tiny NIfTI experiment (cpu, one
 * step) and a FileStore in a temp folder:
 * - the data's bytes are part of the identity: after one voxel of a case file changes, the
 *   finished run is not reused (a new run is trained, with another data hash);
 * - a run made by another ablate version (its tag changed here, as an older ablate would
 *   have written it) is reused but marked stale: in the outcome, in the report (`†` and the
 *   legend in md / html / LaTeX, `stale` in CSV); `--rerun-stale` retrains it, and the
 *   report then shows the new run, not stale.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { writeReports } from '../../cli/report-writer.ts';
import { executeRuns } from '../../cli/run-session.ts';
import { addRunOptions } from '../../cli/commands/run.ts';
import { readNifti, writeNifti } from '../../runtime/data/nifti.ts';
import { runSpecHash } from '../../runtime/run/run-identity.ts';
import { staleReason } from '../../runtime/tracking/provenance-tags.ts';
import { STALE_LEGEND } from '../../runtime/reports/report-provenance.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { tinyNifti } from './tiny-nifti-run.ts';

describe('run identity includes the data content hash', () => {
  it('changing one voxel of a case file changes the identity: the finished run is not reused', async () => {
    const t = await tinyNifti();
    const tracker = createTracker(path.join(t.dir, 'mlruns'));
    const ir = t.compiled.runs.find((r) => r.name === 'tiny')!;
    const [first] = await executeRuns([ir], t.context(tracker));
    expect(first!.status).toBe('finished');
    const [again] = await executeRuns([ir], t.context(tracker));
    expect([again!.status, again!.runId]).toEqual(['reused', first!.runId]);

    // One voxel of the first test case's image, rewritten in place.
    const split = JSON.parse(Buffer.from(await tracker.readArtifact(first!.runId, 'split.json')).toString('utf8')) as { modalities: Record<string, { test: string[] }> };
    const image = path.join(t.dir, 'data', 'ct', 'images', `${split.modalities.ct!.test[0]}.nii.gz`);
    const volume = await readNifti(image);
    volume.data[0] = Number(volume.data[0]) + 1;
    await writeNifti(image, volume);

    const [changed] = await executeRuns([ir], t.context(tracker));
    expect(changed!.status).toBe('finished');
    expect(changed!.runId).not.toBe(first!.runId);
    expect(changed!.provenance.dataHash).not.toBe(first!.provenance.dataHash);
    // Same IR, same split: only the data hash moved the identity.
    const splitHash = readFileSync(path.join(t.dir, 'mlruns', (await tracker.getRun(first!.runId)).info.experimentId, first!.runId, 'tags', 'ablate.splitHash'), 'utf8');
    expect(first!.specHash).toBe(runSpecHash(ir.specHash, splitHash, first!.provenance.dataHash!));
    expect(changed!.specHash).toBe(runSpecHash(ir.specHash, splitHash, changed!.provenance.dataHash!));
    await tracker.close();
  }, 240_000);
});

describe('stale runs', () => {
  it('a run of another ablate version is reused but marked stale; --rerun-stale retrains it', async () => {
    const t = await tinyNifti();
    const tracker = createTracker(path.join(t.dir, 'mlruns'));
    const ir = t.compiled.runs.find((r) => r.name === 'tiny')!;
    const [made] = await executeRuns([ir], t.context(tracker));
    await tracker.setTags(made!.runId, { 'ablate.version': '0.0.1-old' });

    const [reused] = await executeRuns([ir], t.context(tracker));
    expect([reused!.status, reused!.runId]).toEqual(['reused', made!.runId]);
    expect(reused!.provenance.stale).toBe(`made by ablate 0.0.1-old (this is ${t.context(tracker).version})`);

    const outDir = path.join(t.dir, 'reports');
    await writeReports(t.compiled, tracker, { experimentName: 'ablate', outDir, format: 'md' });
    const read = (ext: string) => readFileSync(path.join(outDir, `tiny_table.${ext}`), 'utf8');
    expect(read('md')).toContain('|  | measured † |');
    expect(read('md')).toContain(STALE_LEGEND);
    expect(read('html')).toContain('<td>measured †</td>');
    expect(read('tex')).toContain(' & measured $^\\dagger$ & ');
    expect(read('tex')).toContain(`% ${STALE_LEGEND}`);
    const csv = read('csv').trim().split('\n');
    expect(csv.slice(1).map((l) => l.split(',')[csv[0]!.split(',').indexOf('stale')])).toEqual(csv.slice(1).map(() => 'true'));

    const [rerun] = await executeRuns([ir], t.context(tracker, { rerunStale: true }));
    expect(rerun!.status).toBe('finished');
    expect(rerun!.runId).not.toBe(made!.runId);
    expect(rerun!.provenance.stale).toBeNull();
    await writeReports(t.compiled, tracker, { experimentName: 'ablate', outDir, format: 'md' });
    expect(read('md')).not.toContain('†');
    expect(read('md')).toContain(rerun!.runId);
    await tracker.close();
  }, 240_000);

  it('staleness: another version, or another known commit; an unknown commit is not stale', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const current = { version: '0.2.0', git: { commit: a, dirty: false } };
    expect(staleReason({ 'ablate.version': '0.2.0', 'ablate.git.commit': a }, current)).toBeNull();
    expect(staleReason({ 'ablate.version': '0.2.0', 'ablate.git.commit': b }, current)).toBe(`made at commit ${'b'.repeat(12)} (this is ${'a'.repeat(12)})`);
    expect(staleReason({ 'ablate.version': '0.2.0', 'ablate.git.commit': 'unknown' }, current)).toBeNull();
    expect(staleReason({ 'ablate.version': '0.2.0', 'ablate.git.commit': b }, { version: '0.2.0', git: { commit: null, dirty: null } })).toBeNull();
    expect(staleReason({ 'ablate.version': '0.1.0', 'ablate.git.commit': a }, current)).toBe('made by ablate 0.1.0 (this is 0.2.0)');
    expect(staleReason({}, current)).toBe('made by an ablate that recorded no version (this is 0.2.0)');
  });

  it('run and reproduce accept --rerun-stale', () => {
    const command = addRunOptions(new Command('run').exitOverride());
    command.parse(['node', 'run', '--rerun-stale'], { from: 'node' });
    expect(command.opts()['rerunStale']).toBe(true);
  });
});
