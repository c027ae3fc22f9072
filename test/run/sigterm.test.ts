/**
 * SIGTERM, as Slurm sends it (time limit, scancel, pre-emption), to a local `ablate run` of a
 * tiny experiment: after its first checkpoint the process finishes its step, writes a
 * checkpoint, marks the MLflow run KILLED and exits 143; the same command resumes the run at
 * that step. And SIGTERM to `npx ablate run …` (npm exec → sh → node, where the signal never
 * reaches node): no training process is left behind, found by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTracker } from '../../runtime/tracking/tracker.ts';
import { tinyV3Spec } from './tiny-spec.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// 60 epochs of 2 steps: long enough to be interrupted, a checkpoint at the end of every epoch.
const SPEC = tinyV3Spec({ epochs: 60 });

interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(command: string, args: string[], dir: string, cwd = dir): Running {
  const child = spawn(command, args, { cwd, env: { ...process.env, MLFLOW_TRACKING_URI: path.join(dir, 'mlruns') } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  child.on('exit', (code) => (out += `\n[exited ${code}]`));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exit };
}

async function until(what: string, test: () => boolean, timeoutMs = 120_000, output = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline || output().includes('[exited ')) throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const BIN = path.join(ROOT, 'cli', 'bin.js');
const runArgs = (dir: string) => ['run', path.join(dir, 'spec.abl'), '--quiet', '--backend', 'wasm', '--workers', '1', '--cache', path.join(dir, 'cache')];

function workdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ablate-sigterm-'));
  writeFileSync(path.join(dir, 'spec.abl'), SPEC);
  return dir;
}

async function onlyRun(dir: string) {
  const tracker = createTracker(path.join(dir, 'mlruns'));
  const exp = (await tracker.getExperimentByName('ablate'))!;
  const runs = await tracker.searchRuns({ experimentIds: [exp.experimentId] });
  expect(runs).toHaveLength(1);
  return { tracker, run: runs[0]! };
}

/** The checkpoint folders under the run cache (one per run identity). */
function checkpoints(dir: string): string[] {
  const root = path.join(dir, 'cache', 'runs');
  return existsSync(root) ? readdirSync(root).map((d) => path.join(root, d, 'checkpoint')).filter((d) => existsSync(d)) : [];
}

/** Pids of the processes below `pid` (Linux /proc), with their command lines. */
function descendants(pid: number): Array<{ pid: number; cmd: string }> {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return [{ pid: Number(d), ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ') }];
    } catch {
      return [];
    }
  });
  const out: Array<{ pid: number; cmd: string }> = [];
  const walk = (p: number) => {
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push({ pid: c.pid, cmd: c.cmd });
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.platform === 'linux')('SIGTERM to a local run', () => {
  it('after the first checkpoint: exit 143, run KILLED, checkpoint kept; the same command resumes at that step', async () => {
    const dir = workdir();
    const first = start(process.execPath, [BIN, ...runArgs(dir)], dir);
    // `--quiet` prints one line per epoch; the checkpoint of epoch 1 is written when epoch 2 starts.
    await until('epoch 2', () => /tiny_v3: epoch 2\/60/.test(first.output()), 120_000, first.output);
    first.child.kill('SIGTERM');
    const exit = await first.exit;
    expect(exit.code, first.output()).toBe(143);
    expect(first.output()).toContain('SIGTERM: finishing the current step and writing a checkpoint');
    const { tracker, run } = await onlyRun(dir);
    expect(run.info.status).toBe('KILLED');
    expect(checkpoints(dir)).toHaveLength(1);
    const logged = await tracker.getMetricHistory(run.info.runId, 'train.loss.total');
    const lastStep = Math.max(...logged.map((m) => m.step));
    expect(lastStep).toBeGreaterThanOrEqual(4);

    // Resume, and stop it again as soon as it said where it resumed (the rest of the 120 steps is not the point).
    const second = start(process.execPath, [BIN, ...runArgs(dir)], dir);
    await until('the resume', () => /resumed at step \d+|epoch \d+\/60/.test(second.output()), 120_000, second.output);
    second.child.kill('SIGTERM');
    expect((await second.exit).code, second.output()).toBe(143);
    expect(second.output()).toContain(`tiny_v3: resuming run ${run.info.runId} from its checkpoint`);
    // The resumed process's first logged step follows the last step the first one logged: nothing trained twice.
    const after = await tracker.getMetricHistory(run.info.runId, 'train.loss.total');
    const steps = after.map((m) => m.step).sort((a, b) => a - b);
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps.filter((s) => s > lastStep).length).toBeGreaterThan(0);
    // …and none left out: the steps logged by both processes are one contiguous run from the first step.
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => steps[0]! + i));
  }, 180_000);

  it('SIGTERM to `npx ablate run` (the wrapper, not ablate) leaves no training process behind; the run is KILLED with a checkpoint', async () => {
    const dir = workdir();
    // npx in the repository runs its own bin: npm exec → sh -c → node cli/bin.js.
    const npx = start('npx', ['--offline', 'ablate', ...runArgs(dir)], dir, ROOT);
    await until('epoch 2', () => /tiny_v3: epoch 2\/60/.test(npx.output()), 120_000, npx.output);
    // The node process that trains: `node …/ablate run …` (npm links the bin) or `node …/cli/bin.js run …`.
    const trainer = descendants(npx.child.pid!).find((p) => /^node \S*(ablate|bin\.js) run /.test(p.cmd));
    expect(trainer, descendants(npx.child.pid!).map((p) => `${p.pid} ${p.cmd}`).join('\n')).toBeDefined();
    npx.child.kill('SIGTERM'); // to npm only, as a scheduler or a terminal closing would
    await npx.exit;
    await until(`process ${trainer!.pid} to end`, () => !alive(trainer!.pid), 60_000);
    const { run } = await onlyRun(dir);
    expect(run.info.status).toBe('KILLED');
    expect(checkpoints(dir)).toHaveLength(1);
  }, 180_000);
});
