/**
 * Start-up of the `ablate` command: wall time of `node cli/bin.js --help` and
 * `node cli/bin.js check experiments/` from the compiled build (cli/build.js) — `check`
 * answered from its result cache (nothing changed since the warm-up run: the usual case)
 * and with `--no-cache` (every file parsed and checked again, as after an edit) — next to
 * the same commands with the TypeScript sources run through tsx (what bin.js did before,
 * and still does when no build can be made). Median of 9 runs each, after one warm-up run
 * that also makes the build if the sources changed. Targets on an idle machine:
 * --help < 150 ms, check < 300 ms.
 *
 *   node --import tsx bench/startup.bench.ts [--baseline DIR] [--no-tsx]
 *
 * `--baseline DIR`: the same commands in another checkout (e.g. the commit before a change,
 * `git archive <commit> | tar -x -C DIR` with DIR/node_modules linked), run alternately
 * with this one so both see the same machine load. `--no-tsx`: skip the tsx cases.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = 9;
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const baselineAt = args.indexOf('--baseline');
const baseline = baselineAt >= 0 ? resolve(args[baselineAt + 1] ?? '') : undefined;
const withTsx = !args.includes('--no-tsx');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall time of one process, in ms; throws when it fails unexpectedly. */
function wall(cwd: string, argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} (in ${cwd}) exited ${r.status}: ${r.stderr}`);
  return ms;
}

const tsxMain = "import('tsx/esm/api').then(({ register }) => { register(); return import('./cli/main.ts'); }).then(({ main }) => main(process.argv))";
const cases: { name: string; args: string[]; baseline?: boolean }[] = [
  { name: 'node alone (node -e 0)', args: ['-e', '0'] },
  { name: 'ablate --help (compiled)', args: ['cli/bin.js', '--help'], baseline: true },
  { name: 'ablate check experiments/ (compiled)', args: ['cli/bin.js', 'check', 'experiments/'], baseline: true },
  { name: 'ablate check --no-cache experiments/', args: ['cli/bin.js', 'check', '--no-cache', 'experiments/'], baseline: true },
  ...(withTsx
    ? [
        { name: 'ablate --help (tsx)', args: ['--input-type=module', '-e', tsxMain, 'ablate', '--help'] },
        { name: 'ablate check experiments/ (tsx)', args: ['--input-type=module', '-e', tsxMain, 'ablate', 'check', 'experiments/'] },
      ]
    : []),
];

console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const c of cases) {
  const where = [{ label: 'this checkout', cwd: root }, ...(baseline && c.baseline ? [{ label: 'baseline', cwd: baseline }] : [])];
  for (const w of where) wall(w.cwd, c.args);
  const times = where.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) where.forEach((w, j) => times[j]!.push(wall(w.cwd, c.args)));
  where.forEach((w, j) => {
    const t = times[j]!;
    const label = where.length > 1 ? `${c.name} [${w.label}]` : c.name;
    console.log(`${label.padEnd(58)} median ${median(t).toFixed(0).padStart(5)} ms  (min ${Math.min(...t).toFixed(0)}, max ${Math.max(...t).toFixed(0)}, ${RUNS} runs)`);
  });
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
