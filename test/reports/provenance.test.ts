/**
 * A report's provenance block round-trips through MLflow: a tiny real run (cpu, one step)
 * on NIfTI files writes its provenance tags into a FileStore in a temp folder; the report
 * reads them back and renders them in md / csv / LaTeX / HTML. The values are checked
 * against sources independent of the code under test: `git rev-parse HEAD` and `git status`
 * for the commit and the dirty flag, package.json for the version, the files' bytes for the
 * data hash, the run's own folder in the FileStore for the run id.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../cli/report-writer.ts';
import { executeRuns } from '../../cli/run-session.ts';
import type { RunOutcome } from '../../runtime/run/execute-run.ts';
import { renderRunSummary } from '../../runtime/reports/render-run-summary.ts';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { expectedDataHash, tinyNifti, type TinyNifti } from '../run/tiny-nifti-run.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args]).toString();

let t: TinyNifti;
let outcome: RunOutcome;
let store: string;
let runDir: string;
/** The ablate tree's dirty flag (tracked files) before and after the run: other work may change it meanwhile. */
const treeDirty = () => git('status', '--porcelain', '--untracked-files=no').trim() !== '';
let dirtyAround: [boolean, boolean];
/** HEAD before and after the run (the same in CI; others may commit meanwhile on a shared tree): the tag must be one of them. */
let headAround: [string, string];
let head: string;

beforeAll(async () => {
  const before = treeDirty();
  const headBefore = git('rev-parse', 'HEAD').trim();
  t = await tinyNifti();
  store = path.join(t.dir, 'mlruns');
  const tracker = createTracker(store);
  [outcome] = (await executeRuns([t.compiled.runs.find((r) => r.name === 'tiny')!], t.context(tracker, { overrides: ['train.seed=7'] }))) as [RunOutcome];
  await tracker.close();
  dirtyAround = [before, treeDirty()];
  headAround = [headBefore, git('rev-parse', 'HEAD').trim()];
  const [experimentId] = readdirSync(store).filter((d) => /^\d{6,}$/.test(d));
  runDir = path.join(store, experimentId!, outcome.runId);
  head = readFileSync(path.join(runDir, 'tags', 'ablate.git.commit'), 'utf8');
}, 240_000);

describe('provenance', () => {
  it('is written as MLflow tags on the run', () => {
    const tag = (name: string) => readFileSync(path.join(runDir, 'tags', name), 'utf8');
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const split = JSON.parse(readFileSync(path.join(runDir, 'artifacts', 'split.json'), 'utf8'));
    expect(tag('ablate.version')).toBe(version);
    expect(headAround).toContain(tag('ablate.git.commit'));
    // `git status` agrees when the tree's state did not change during the run.
    if (dirtyAround[0] === dirtyAround[1]) expect(tag('ablate.git.dirty')).toBe(String(dirtyAround[0]));
    else expect(['true', 'false']).toContain(tag('ablate.git.dirty'));
    expect(tag('ablate.data.hash')).toBe(expectedDataHash(path.join(t.dir, 'data'), split));
    expect(tag('ablate.data.kind')).toBe('real');
    expect(tag('ablate.data.phantom')).toBe('false');
    expect(tag('ablate.backend')).toBe('cpu');
    expect(JSON.parse(tag('ablate.overrides'))).toEqual(['train.seed=7']);
    // The temp folder is no git repository: its state is unknown, never an error.
    expect(tag('ablate.source.git.dirty')).toBe('unknown');
  });

  it('is read back by the report and rendered in every format', async () => {
    const tracker = createTracker(store);
    const outDir = path.join(t.dir, 'reports');
    await writeReports(t.compiled, tracker, { experimentName: 'ablate', outDir, format: 'md', overrides: ['train.seed=7'] });
    await tracker.close();
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const dataHash = readFileSync(path.join(runDir, 'tags', 'ablate.data.hash'), 'utf8');
    const irHash = t.compiled.runs.find((r) => r.name === 'tiny')!.specHash;
    const read = (ext: string) => readFileSync(path.join(outDir, `tiny_table.${ext}`), 'utf8');

    // Markdown: a provenance section with one line per run.
    const md = read('md');
    expect(md).toContain('### Provenance');
    expect(md).toContain(`Rendered by ablate ${version}, commit ${head.slice(0, 12)}`);
    expect(md).toContain('Overrides: -s train.seed=7.');
    const mdRun = md.split('\n').find((l) => l.includes(outcome.runId))!;
    expect(mdRun.split(' | ').slice(0, 9)).toEqual(['| Tiny', 'tiny', outcome.runId, irHash.slice(0, 12), dataHash.slice(0, 12), 'real', version, expect.stringMatching(new RegExp(`^${head.slice(0, 12)}`)), 'cpu']);
    expect(md).not.toContain('†'); // made by this ablate: not stale

    // CSV: full values in extra columns on every line of the row.
    const csv = read('csv').trim().split('\n');
    const header = csv[0]!.split(',');
    const line = csv.find((l) => l.includes(',Tiny,dice,ct,LVM,'))!.split(',');
    const col = (name: string) => line[header.indexOf(name)];
    expect(col('run_ids')).toBe(outcome.runId);
    expect(col('spec_hashes')).toBe(irHash);
    expect(col('data_hashes')).toBe(dataHash);
    expect(col('data_kind')).toBe('real');
    expect(col('ablate_version')).toBe(version);
    expect(col('git_commit')).toBe(head);
    expect(col('backend')).toBe('cpu');
    expect(col('run_overrides')).toBe('train.seed=7');
    expect(col('stale')).toBe('false');

    // LaTeX: the record as comments, the tables untouched.
    const tex = read('tex');
    expect(tex).toContain('% Provenance');
    expect(tex).toContain(`% Tiny | tiny | ${outcome.runId} | ${irHash.slice(0, 12)} | ${dataHash.slice(0, 12)} | real | ${version} | ${head.slice(0, 12)}`);

    // HTML: a section, and the measured line's title names the run.
    const html = read('html');
    expect(html).toContain('<h2>Provenance</h2>');
    expect(html).toContain(`title="tiny: MLflow run ${outcome.runId}, spec ${irHash.slice(0, 12)}, data ${dataHash.slice(0, 12)}"`);
    expect(html).toContain(`<td>${outcome.runId}</td>`);

    // SVG figures: an XML comment after the opening tag.
    const svg = read('dice.svg');
    expect(svg).toMatch(/^<svg\b[^>]*>\n<!--\nProvenance\n/);
    expect(svg).toContain(`Tiny | tiny | ${outcome.runId} | ${irHash.slice(0, 12)} | ${dataHash.slice(0, 12)} | real | ${version}`);
  });

  it('is printed under the run summary', () => {
    const text = renderRunSummary('tiny', outcome.results, outcome.provenance);
    expect(text).toContain(`Provenance: MLflow run ${outcome.runId}, spec hash ${outcome.provenance.irHash!.slice(0, 12)}, identity ${outcome.specHash.slice(0, 12)}, data ${outcome.provenance.dataHash!.slice(0, 12)} (real)`);
    expect(text).toContain('backend cpu, overrides -s train.seed=7');
  });
});
