/**
 * `ablate launch --slurm --dry-run` with a `launch slurm { … }` block: flags override the
 * block key by key, `--sbatch-arg`s follow the block's `sbatch_args`, the dry run lists every
 * value with where it came from, and the batch script carries the merged values. No Slurm is
 * needed: a dry run submits nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tinyV3Spec } from '../run/tiny-spec.ts';

const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

const SPEC = `${tinyV3Spec()}sweep tau from tiny_v3 { train.seed in [1, 2, 3] }
`;

function launch(block: string, args: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ablate-launch-settings-'));
  writeFileSync(path.join(dir, 'spec.abl'), SPEC + block);
  const env = { ...process.env };
  delete env['MLFLOW_TRACKING_URI'];
  const r = spawnSync(process.execPath, [BIN, 'launch', 'spec.abl', '--slurm', '--dry-run', ...args], { cwd: dir, encoding: 'utf8', env });
  return { code: r.status, out: r.stdout + r.stderr, dir };
}

describe('ablate launch: the launch block and the flags', () => {
  it('a flag overrides the block key by key; the dry run names where each value came from; the script has the merged values', () => {
    const line = SPEC.split('\n').length + 1;
    const r = launch(
      'launch slurm {\n  partition: debug\n  time: 2h\n  mem: 1.5GB\n  array_parallelism: 2\n  sbatch_args: ["--qos=normal"]\n  shared_fs: true\n}\n',
      ['-e', 'tau', '--time', '30', '--sbatch-arg=--comment=x'],
    );
    expect(r.code, r.out).toBe(0);
    const settings = r.out.split('\n').filter((l) => /^# {3}\S/.test(l)).map((l) => l.slice(4).trim().split(/\s+/));
    expect(settings).toEqual([
      ['partition', 'debug', `spec.abl:${line}:14`],
      ['time', '30', '--time'],
      ['mem', '1536M', `spec.abl:${line + 2}:8`],
      ['array_parallelism', '2', `spec.abl:${line + 3}:22`],
      ['sbatch_args', '--qos=normal', `spec.abl:${line + 4}:16`],
      ['sbatch_args', '--comment=x', '--sbatch-arg'],
      ['shared_fs', 'true', `spec.abl:${line + 5}:14`],
    ]);
    const directives = r.out.split('\n').filter((l) => l.startsWith('#SBATCH')).map((l) => l.slice('#SBATCH '.length));
    expect(directives.filter((d) => !/^--(job-name|output|chdir)=/.test(d))).toEqual([
      '--array=0-2%2', '--partition=debug', '--time=30', '--mem=1536M', '--qos=normal', '--comment=x',
    ]);
    expect(r.out).toContain('dry run: nothing submitted');
  });

  it('without a block, only the flags (Slurm defaults otherwise); `shared_fs` absent means a local ./mlruns is refused as before', () => {
    const r = launch('', ['-e', 'tau']);
    expect(r.code).toBe(1);
    expect(r.out).toContain("the tracking store './mlruns' is a local folder");
    const ok = launch('', ['-e', 'tau', '--shared-fs']);
    expect(ok.out).toMatch(/# launch settings .*\n#   shared_fs +true +--shared-fs\n# batch script/);
    expect(ok.out).toContain('#SBATCH --array=0-2\n');
  });

  it('--time and --mem also take the launch block units (2h, 16GB) besides the Slurm formats; a fraction of a minute is refused', () => {
    const r = launch('', ['-e', 'tau', '--shared-fs', '--time', '36h', '--mem', '16GB']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('#SBATCH --time=1-12:00:00\n');
    expect(r.out).toContain('#SBATCH --mem=16G\n');
    const bad = launch('', ['-e', 'tau', '--shared-fs', '--time', '90s']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("--time '90s' is not a Slurm time");
  });

  it('a YAML document holds the same block under `launch: { slurm: … }`: checked the same, merged over an imported block, located in the YAML file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ablate-launch-yaml-'));
    const imported = 'launch slurm { partition: debug, cpus_per_task: 2 }';
    writeFileSync(path.join(dir, 'spec.abl'), `${SPEC}${imported}\n`);
    const yaml = [
      'import: spec.abl',
      'sweeps:',
      '  seeds:',
      '    from: tiny_v3',
      '    axes: { train.seed: [1, 2] }',
      'launch:',
      '  slurm:',
      '    partition: gpu',
      '    time: 2h',
      '    mem: 16GB',
      '    array_parallelism: 1',
      '    sbatch_args: ["--qos=normal", "--exclusive"]',
      '    shared_fs: true',
      '',
    ];
    writeFileSync(path.join(dir, 'doc.yaml'), yaml.join('\n'));
    const env = { ...process.env };
    delete env['MLFLOW_TRACKING_URI'];
    const run = (file: string) => spawnSync(process.execPath, [BIN, 'launch', file, '-e', 'seeds', '--slurm', '--dry-run'], { cwd: dir, encoding: 'utf8', env });
    const r = run('doc.yaml');
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    // Where each value was written, found in the text: 1-based line, column of the value.
    const at = (key: string) => {
      const i = yaml.findIndex((l) => l.startsWith(`    ${key}:`));
      return `doc.yaml:${i + 1}:${yaml[i]!.indexOf(':') + 3}`;
    };
    const settings = out.split('\n').filter((l) => /^# {3}\S/.test(l)).map((l) => l.slice(4).trim().split(/\s+/));
    const abl = SPEC.split('\n').length;
    expect(settings).toEqual([
      ['partition', 'gpu', at('partition')],
      ['time', '0-02:00:00', at('time')],
      ['cpus_per_task', '2', `spec.abl:${abl}:${imported.indexOf('2 }') + 1}`],
      ['mem', '16G', at('mem')],
      ['array_parallelism', '1', at('array_parallelism')],
      ['sbatch_args', '--qos=normal', at('sbatch_args')],
      // Each key's origin is where its value starts (the list), as for an .abl block.
      ['sbatch_args', '--exclusive', at('sbatch_args')],
      ['shared_fs', 'true', at('shared_fs')],
    ]);
    const directives = out.split('\n').filter((l) => l.startsWith('#SBATCH')).map((l) => l.slice('#SBATCH '.length));
    expect(directives.filter((d) => !/^--(job-name|output|chdir)=/.test(d))).toEqual([
      '--array=0-1%1', '--partition=gpu', '--time=0-02:00:00', '--cpus-per-task=2', '--mem=16G', '--qos=normal', '--exclusive',
    ]);
    // The same checks as the .abl block: a misspelt key and an unknown scheduler, at their place in the YAML file.
    const bad = yaml.map((l) => l.replace('    partition:', '    partiton:')).concat(['  pbs: { queue: q }', '']);
    writeFileSync(path.join(dir, 'bad.yaml'), bad.join('\n'));
    const wrong = run('bad.yaml');
    const wrongOut = wrong.stdout + wrong.stderr;
    expect(wrong.status).toBe(1);
    expect(wrongOut).toContain(`bad.yaml:${bad.findIndex((l) => l.includes('partiton')) + 1}:5: error[E030]: unknown key \`partiton\` in \`launch\``);
    expect(wrongOut).toContain(`bad.yaml:${bad.findIndex((l) => l.includes('pbs')) + 1}:3: error[E100]`);
    expect(existsSync(path.join(dir, '.ablate-jobs'))).toBe(false);
  });

  it('a wrong launch block stops the launch with a located diagnostic and writes nothing', () => {
    const r = launch('launch slurm { partiton: gpu, time: 90s }\n', ['--shared-fs']);
    expect(r.code).toBe(1);
    const line = SPEC.split('\n').length;
    expect(r.out).toContain(`spec.abl:${line}:16: error[E030]: unknown key \`partiton\` in \`launch\``);
    expect(r.out).toContain(`spec.abl:${line}:37: error[E103]`);
    expect(existsSync(path.join(r.dir, '.ablate-jobs'))).toBe(false);
  });
});
