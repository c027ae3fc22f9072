/**
 * `launch slurm { … }`: a file's defaults for `ablate launch --slurm` (partition, time limit,
 * GPUs, CPUs, memory, array parallelism, more sbatch arguments). Checked like every other
 * block — key schema, types, units, did-you-mean — but it says where runs execute, not what
 * they compute: nothing here enters a Run IR or a spec hash.
 *
 * Which block applies: the entry file's, key by key over those of the files it imports (a
 * later import over an earlier one), so a shared `common.abl` can hold a lab's defaults and a
 * table file can change one of them. Flags given to `ablate launch` override all of them.
 */
import type { Decl, Expr, LaunchDecl, Span } from '../../dsl/ast.ts';
import { blockFromObject, type ConfigValue } from '../config-tree.ts';
import type { DiagnosticBag, Location } from '../diagnostics.ts';
import type { Fields } from './key-schema.ts';
import { decodeFields, describe, suggest, type DecodeContext } from './types.ts';
import { numberOf } from './units.ts';

/** The schedulers `ablate launch` submits to. */
export const SCHEDULERS = ['slurm'] as const;

export const slurmLaunchFields: Fields = {
  partition: { type: 'string', default: null, doc: 'Slurm partition (sbatch --partition)' },
  time: { type: 'external', default: null, doc: 'time limit per task: a duration (`30min`, `2h`, `2d`) or a Slurm time string ("2-00:00:00"); at the limit Slurm sends SIGTERM and the run checkpoints' },
  gpus_per_task: { type: 'int', min: 1, default: null, doc: 'GPUs per task (the run picks tfjs-node-gpu when it is installed)' },
  cpus_per_task: { type: 'int', min: 1, default: null, doc: 'CPUs per task' },
  mem: { type: 'external', default: null, doc: 'memory per task: `512MB`, `16GB`, `1TB` (powers of 1024, as Slurm reads --mem)' },
  array_parallelism: { type: 'int', min: 1, default: null, doc: 'at most this many array tasks at once (--array=…%K)' },
  sbatch_args: { type: 'external', default: null, doc: 'more sbatch arguments, verbatim: ["--account=lab", "--qos=long"]' },
  shared_fs: { type: 'bool', default: null, doc: 'the tracking folder and the cache are on a filesystem every node mounts (--shared-fs)' },
};

/** The launch keys as `ablate launch` takes them; each value remembers where it was written. */
export interface LaunchSettings {
  scheduler: 'slurm';
  partition?: string;
  /** In Slurm's format: `D-HH:MM:SS`. */
  time?: string;
  gpusPerTask?: number;
  cpusPerTask?: number;
  /** In Slurm's format: megabytes with `M`, or `G` / `T` when whole. */
  mem?: string;
  arrayParallelism?: number;
  sbatchArgs?: string[];
  sharedFs?: boolean;
  /** Key as written (`gpus_per_task`) → the span of its value. */
  origins: Record<string, Span>;
  /** Keys written `none`: they unset what an imported file's block set. */
  cleared?: string[];
}

/** Each key as written → its property in `LaunchSettings`. */
const PROPERTY: Record<string, keyof LaunchSettings> = {
  partition: 'partition', time: 'time', gpus_per_task: 'gpusPerTask', cpus_per_task: 'cpusPerTask', mem: 'mem',
  array_parallelism: 'arrayParallelism', sbatch_args: 'sbatchArgs', shared_fs: 'sharedFs',
};

/** Options ablate's batch script sets itself, and those that have their own key. */
const OWN_OPTIONS: Record<string, string> = {
  '--array': 'one task per run', '-a': 'one task per run', '--output': 'a log per task in the job folder', '-o': 'a log per task in the job folder',
  '--error': 'a log per task in the job folder', '-e': 'a log per task in the job folder', '--job-name': 'ablate-<file>', '-J': 'ablate-<file>',
  '--chdir': 'the launching folder', '-D': 'the launching folder', '--dependency': 'the aggregate job after the array', '-d': 'the aggregate job after the array',
  '--parsable': 'to read the job id', '--wait': 'never (it would block launch)',
};
const KEYED_OPTIONS: Record<string, string> = {
  '--partition': 'partition', '-p': 'partition', '--time': 'time', '-t': 'time', '--mem': 'mem', '--gpus-per-task': 'gpus_per_task',
  '--cpus-per-task': 'cpus_per_task', '-c': 'cpus_per_task',
};

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
export const SLURM_TIME = /^(\d+-)?\d+(:\d+){0,2}$/;

const MINUTES: Record<string, number> = { s: 1 / 60, min: 1, h: 60, d: 24 * 60 };
const MEGABYTES: Record<string, number> = { MB: 1, GB: 1024, TB: 1024 * 1024 };

/** Minutes → `D-HH:MM:SS`. */
export function slurmTime(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d}-${two(h)}:${two(m)}:00`;
}

/** Megabytes → Slurm's `--mem` value, in the largest unit that keeps it whole. */
export function slurmMemory(megabytes: number): string {
  if (megabytes % (1024 * 1024) === 0) return `${megabytes / (1024 * 1024)}T`;
  if (megabytes % 1024 === 0) return `${megabytes / 1024}G`;
  return `${megabytes}M`;
}

function at(value: ConfigValue): Location {
  return value.kind === 'leaf' ? { node: value.expr } : value.key ? { node: value.key } : { node: { span: value.span } };
}

/** A number with one of `units` (E031 not a number, E107 no unit, E040 another unit): as written, and scaled by its unit's factor. */
function decodeQuantity(
  expr: Expr, bag: DiagnosticBag, key: 'time' | 'mem', units: Readonly<Record<string, number>>, example: string, unitExamples: string,
): { written: string; scaled: number } | undefined {
  const number = numberOf(expr);
  if (!number) {
    bag.report({ code: 'E031', path: `launch.${key}`, expected: example, found: describe(expr) }, { node: expr });
    return undefined;
  }
  if (number.unit === undefined) {
    bag.report({ code: 'E107', key, value: number.value }, { node: expr });
    return undefined;
  }
  const perUnit = units[number.unit];
  if (perUnit === undefined) {
    bag.report({ code: 'E040', path: `launch.${key}`, unit: number.unit, expected: unitExamples }, { node: expr });
    return undefined;
  }
  return { written: `${number.value}${number.unit}`, scaled: number.value * perUnit };
}

function decodeTime(expr: Expr, bag: DiagnosticBag): string | undefined {
  if (expr.kind === 'String') {
    if (SLURM_TIME.test(expr.value)) return expr.value;
    bag.report({ code: 'E102', value: expr.value }, { node: expr });
    return undefined;
  }
  const quantity = decodeQuantity(expr, bag, 'time', MINUTES, 'a duration such as `2h`', 'a duration such as `30min`, `2h` or `2d`');
  if (!quantity) return undefined;
  const { written, scaled: minutes } = quantity;
  // Slurm counts time limits in whole minutes; `90s` would be rounded silently.
  if (!(Number.isInteger(Math.round(minutes * 1e9) / 1e9) && minutes >= 1)) {
    bag.report({ code: 'E103', written, minutes }, { node: expr });
    return undefined;
  }
  return slurmTime(Math.round(minutes));
}

function decodeMemory(expr: Expr, bag: DiagnosticBag): string | undefined {
  const quantity = decodeQuantity(expr, bag, 'mem', MEGABYTES, 'a size such as `16GB`', 'a size such as `512MB` or `16GB`');
  if (!quantity) return undefined;
  const { written, scaled: megabytes } = quantity;
  if (!(Number.isInteger(megabytes) && megabytes >= 1)) {
    bag.report({ code: 'E104', written, megabytes }, { node: expr });
    return undefined;
  }
  return slurmMemory(megabytes);
}

function decodeSbatchArgs(expr: Expr, bag: DiagnosticBag): string[] | undefined {
  const items = expr.kind === 'List' ? expr.items : undefined;
  if (!items) {
    bag.report({ code: 'E031', path: 'launch.sbatch_args', expected: 'a list of strings such as `["--account=lab"]`', found: describe(expr) }, { node: expr });
    return undefined;
  }
  const out: string[] = [];
  let ok = true;
  for (const item of items) {
    if (item.kind !== 'String') {
      bag.report({ code: 'E031', path: 'launch.sbatch_args', expected: 'a list of strings such as `["--account=lab"]`', found: describe(item) }, { node: item });
      ok = false;
      continue;
    }
    const option = item.value.split('=')[0]!;
    if (!item.value.startsWith('-')) {
      bag.report({ code: 'E106', arg: item.value }, { node: item });
      ok = false;
    } else if (Object.hasOwn(OWN_OPTIONS, option)) {
      bag.report({ code: 'E105', arg: item.value, option, reason: OWN_OPTIONS[option]! }, { node: item });
      ok = false;
    } else if (Object.hasOwn(KEYED_OPTIONS, option)) {
      bag.report({ code: 'E105', arg: item.value, option, key: KEYED_OPTIONS[option]! }, { node: item });
      ok = false;
    } else {
      out.push(item.value);
    }
  }
  return ok ? out : undefined;
}

/** Checks one `launch` block; its settings, or undefined for an unknown scheduler. */
export function checkLaunchDecl(decl: LaunchDecl, bag: DiagnosticBag): LaunchSettings | undefined {
  const scheduler = decl.name.name;
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) {
    bag.report({ code: 'E100', scheduler, known: [...SCHEDULERS], suggestion: suggest(scheduler, SCHEDULERS) }, { node: decl.name });
    return undefined;
  }
  const block = blockFromObject(decl.body, bag);
  const ctx: DecodeContext = { bag, locations: new Map(), rootAt: { node: decl.name } };
  const s = decodeFields(slurmLaunchFields, block, ['launch'], ctx);
  const out: LaunchSettings = { scheduler: 'slurm', origins: {} };
  for (const [key, value] of block.fields) {
    if (!Object.hasOwn(slurmLaunchFields, key)) continue;
    const where = at(value);
    out.origins[key] = 'node' in where ? where.node.span : decl.span;
    if (value.kind !== 'leaf') continue; // a block where a value belongs: E031 from decodeFields (or below)
    const none = value.expr.kind === 'Ident' && value.expr.name === 'none';
    if (none) {
      (out.cleared ??= []).push(key);
      continue;
    }
    if (key === 'time') {
      const t = decodeTime(value.expr, bag);
      if (t !== undefined) out.time = t;
    } else if (key === 'mem') {
      const m = decodeMemory(value.expr, bag);
      if (m !== undefined) out.mem = m;
    } else if (key === 'sbatch_args') {
      const a = decodeSbatchArgs(value.expr, bag);
      if (a !== undefined) out.sbatchArgs = a;
    }
  }
  for (const key of ['time', 'mem', 'sbatch_args']) {
    const value = block.fields.get(key);
    if (value?.kind === 'block') bag.report({ code: 'E031', path: `launch.${key}`, expected: 'a value', found: 'a block' }, at(value));
  }
  if (typeof s.partition === 'string') out.partition = s.partition;
  if (typeof s.gpus_per_task === 'number') out.gpusPerTask = s.gpus_per_task;
  if (typeof s.cpus_per_task === 'number') out.cpusPerTask = s.cpus_per_task;
  if (typeof s.array_parallelism === 'number') out.arrayParallelism = s.array_parallelism;
  if (typeof s.shared_fs === 'boolean') out.sharedFs = s.shared_fs;
  return out;
}

/**
 * The launch settings of a program: every file's `launch slurm` block checked, then merged
 * key by key, imports first (in load order reversed, so a later import wins) and the entry
 * file last. A second block in one file is E101.
 */
export function launchSettings(files: ReadonlyArray<{ file: string; decls: readonly Decl[] }>, bag: DiagnosticBag): LaunchSettings | undefined {
  let merged: LaunchSettings | undefined;
  // `files` is entry first, then imports depth-first: apply from the last to the entry.
  for (const { decls } of [...files].reverse()) {
    const blocks = decls.filter((d): d is LaunchDecl => d.kind === 'Launch');
    const seen = new Map<string, LaunchDecl>();
    for (const decl of blocks) {
      const first = seen.get(decl.name.name);
      if (first) {
        bag.report({ code: 'E101', scheduler: decl.name.name, firstLine: first.name.span.start.line + 1 }, { node: decl.name });
        continue;
      }
      seen.set(decl.name.name, decl);
      const settings = checkLaunchDecl(decl, bag);
      if (!settings) continue;
      if (!merged) {
        merged = withoutCleared(settings);
        continue;
      }
      const next: LaunchSettings = { ...merged, ...withoutCleared(settings), origins: { ...merged.origins, ...settings.origins } };
      for (const key of settings.cleared ?? []) {
        delete next[PROPERTY[key]!];
        delete next.origins[key];
      }
      merged = next;
    }
  }
  return merged;
}

function withoutCleared(s: LaunchSettings): LaunchSettings {
  const { cleared: _cleared, ...rest } = s;
  const origins = { ...rest.origins };
  for (const key of s.cleared ?? []) delete origins[key];
  return { ...rest, origins };
}
