/**
 * `launch slurm { … }` blocks (compiler/check/launch-settings.ts): units converted to Slurm's
 * own formats (checked against hand-worked values), merged over imports, kept out of every
 * Run IR (same spec hashes with and without the block), and formatted by `ablate fmt`.
 * The error codes E100–E107 have their fixtures in issue-cases.ts.
 */
import { describe, expect, it } from 'vitest';
import { formatText } from '../../dsl/format.ts';
import { slurmMemory, slurmTime } from '../../compiler/check/launch-settings.ts';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

const launchOf = (block: string) => {
  const { result } = compileMarked({ 'main.abl': `${DATASET}${BASE}${block}\n` });
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return result.launch!;
};

describe('launch slurm { … }', () => {
  it('converts durations and sizes to Slurm formats (D-HH:MM:SS; M, G, T in powers of 1024)', () => {
    const l = launchOf('launch slurm { time: 1.5h, mem: 1.5GB, partition: gpu, gpus_per_task: 2, cpus_per_task: 4, array_parallelism: 3, sbatch_args: ["--qos=long"], shared_fs: true }');
    // 1.5 h = 90 min; 1.5 GB = 1.5 × 1024 MB = 1536 MB, not a whole G.
    expect(l).toMatchObject({ scheduler: 'slurm', time: '0-01:30:00', mem: '1536M', partition: 'gpu', gpusPerTask: 2, cpusPerTask: 4, arrayParallelism: 3, sbatchArgs: ['--qos=long'], sharedFs: true });
    expect(launchOf('launch slurm { time: 2d, mem: 16GB }')).toMatchObject({ time: '2-00:00:00', mem: '16G' });
    expect(launchOf('launch slurm { time: 30min, mem: 1TB }')).toMatchObject({ time: '0-00:30:00', mem: '1T' });
    expect(launchOf('launch slurm { time: 120s, mem: 512MB }')).toMatchObject({ time: '0-00:02:00', mem: '512M' });
    expect(launchOf('launch slurm { time: 36 h }')).toMatchObject({ time: '1-12:00:00' }); // a spaced unit, as `8 mm`
    expect(launchOf('launch slurm { time: "2-00:00:00" }')).toMatchObject({ time: '2-00:00:00' }); // Slurm's own string, kept
    expect([slurmTime(1), slurmTime(61), slurmTime(1441)]).toEqual(['0-00:01:00', '0-01:01:00', '1-00:01:00']);
    expect([slurmMemory(1), slurmMemory(2048), slurmMemory(3 * 1024 * 1024)]).toEqual(['1M', '2G', '3T']);
  });

  it('units glued or spaced end at the entry: `time: 2h mem: 16GB` on one line, and a key named like a unit on the next line', () => {
    expect(launchOf('launch slurm { time: 2h mem: 16GB }')).toMatchObject({ time: '0-02:00:00', mem: '16G' });
    // `h` here is a key of the next entry, not the unit of 2.
    const { result } = compileMarked({ 'main.abl': `${DATASET}${BASE}launch slurm {\n  time: 2\n  h: 1\n}\n` });
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual(['E030', 'E107']);
  });

  it('remembers where each key was written (for launch --dry-run)', () => {
    const { result, dir } = compileMarked({ 'main.abl': `${DATASET}${BASE}launch slurm {\n  partition: gpu\n  time: 2h\n}\n` });
    const line = `${DATASET}${BASE}`.split('\n').length;
    expect(where({ span: result.launch!.origins['time']! } as never, dir)).toBe(`main.abl:${line + 2}:9`);
  });

  it('merges over imports key by key: the entry file wins, an imported block supplies the rest', () => {
    const { result } = compileMarked({
      'common.abl': 'launch slurm { partition: gpu, time: 2d, mem: 32GB }\n',
      'main.abl': `import "common.abl"\n${DATASET}${BASE}launch slurm { time: 4h }\n`,
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.launch).toMatchObject({ partition: 'gpu', time: '0-04:00:00', mem: '32G' });
    expect(result.launch!.origins['partition']!.file).toMatch(/common\.abl$/);
    expect(result.launch!.origins['time']!.file).toMatch(/main\.abl$/);
    // `none` unsets an imported value.
    const unset = compileMarked({
      'common.abl': 'launch slurm { partition: gpu, time: 2d, mem: 32GB }\n',
      'main.abl': `import "common.abl"\n${DATASET}${BASE}launch slurm { mem: none }\n`,
    }).result;
    expect(unset.diagnostics).toEqual([]);
    expect(unset.launch).toMatchObject({ partition: 'gpu', time: '2-00:00:00' });
    expect(unset.launch!.mem).toBeUndefined();
    expect(unset.launch!.origins['mem']).toBeUndefined();
  });

  it('changes no spec hash: the runs of a file are the same with and without a launch block', () => {
    const without = compileMarked({ 'main.abl': `${DATASET}${BASE}` }).result;
    const withBlock = compileMarked({ 'main.abl': `launch slurm { partition: gpu, time: 2h, gpus_per_task: 1 }\n${DATASET}${BASE}` }).result;
    expect(without.runs).toHaveLength(1);
    expect(withBlock.runs.map((r) => r.specHash)).toEqual(without.runs.map((r) => r.specHash));
    expect(JSON.stringify(withBlock.runs[0])).not.toMatch(/launch|slurm|partition/);
  });

  it('the launch units are an error on other keys (E040), and `launch` is not a declaration name', () => {
    const { result } = compileMarked({ 'main.abl': `${DATASET}${BASE.replace('epochs: 2', 'epochs: 2h')}` });
    expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['E040 `train.epochs` does not take the unit `h`']);
    const split = compileMarked({ 'main.abl': `${DATASET}${BASE.replace('train: 60%', 'train: 60GB')}` }).result;
    expect(split.diagnostics.map((d) => d.code)).toContain('E040');
    // A launch block and an experiment may share a name: `slurm` is the scheduler, not a declaration.
    const named = compileMarked({ 'main.abl': `${DATASET}${BASE.replace('experiment base', 'experiment slurm')}launch slurm { time: 1h }\n` }).result;
    expect(named.diagnostics).toEqual([]);
  });

  it('ablate fmt writes the block one key per line with glued units, and is idempotent', () => {
    const text = 'launch slurm { time: 2 h, mem: 16GB, partition: gpu, gpus_per_task: 1, array_parallelism: 4, sbatch_args: ["--qos=long"] } // defaults\n';
    const once = formatText(text, 'x.abl').formatted!;
    expect(once).toBe(
      'launch slurm {\n  time: 2h\n  mem: 16GB\n  partition: gpu\n  gpus_per_task: 1\n  array_parallelism: 4\n  sbatch_args: ["--qos=long"]\n} // defaults\n',
    );
    expect(formatText(once, 'x.abl').formatted).toBe(once);
  });
});
