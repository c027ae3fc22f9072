/**
 * `npm run bench [-- name…]`: runs every `bench/*.bench.ts` (or those whose name contains
 * one of the arguments) one after another, each in its own Node process so one
 * benchmark's memory and backend state cannot colour the next. Prints the machine first:
 * these machines are noisy, so figures are medians and ratios taken within one run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = import.meta.dirname;
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
  .sort();

const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`# ablate benchmarks — ${new Date().toISOString()}`);
console.log(`# node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load}`);
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed += 1;
    console.log(`(${file} exited with ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
