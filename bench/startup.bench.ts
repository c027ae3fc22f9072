/**
 * Start-up of the `ablate` command: wall time of `node cli/bin.js --help` and
 * `node cli/bin.js check experiments/` from the compiled build (cli/build.js), next to the
 * same commands with the TypeScript sources run through tsx (what bin.js did before, and
 * still does when no build can be made). Median of 9 runs each, after one warm-up run that
 * also makes the build if the sources changed. Targets on an idle machine: --help < 150 ms,
 * check < 300 ms.
 *
 *   node --import tsx bench/startup.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNS = 9;
const root = fileURLToPath(new URL('..', import.meta.url));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Wall time of one process, in ms; throws when it fails unexpectedly. */
function wall(args: string[], expectStatus: number): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== expectStatus) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const tsxMain = "import('tsx/esm/api').then(({ register }) => { register(); return import('./cli/main.ts'); }).then(({ main }) => main(process.argv))";
const cases: { name: string; args: string[] }[] = [
  { name: 'node alone (node -e 0)', args: ['-e', '0'] },
  { name: 'ablate --help (compiled)', args: ['cli/bin.js', '--help'] },
  { name: 'ablate --help (tsx)', args: ['--input-type=module', '-e', tsxMain, 'ablate', '--help'] },
  { name: 'ablate check experiments/ (compiled)', args: ['cli/bin.js', 'check', 'experiments/'] },
  { name: 'ablate check experiments/ (tsx)', args: ['--input-type=module', '-e', tsxMain, 'ablate', 'check', 'experiments/'] },
];

for (const c of cases) {
  wall(c.args, 0);
  const times = Array.from({ length: RUNS }, () => wall(c.args, 0));
  console.log(`${c.name.padEnd(40)} median ${median(times).toFixed(0).padStart(5)} ms  (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, ${RUNS} runs)`);
}
