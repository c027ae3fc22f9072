/**
 * Front-end speed: lexing + parsing + CST → AST (`parse`) and formatting (`format`) over
 * every `.abl` file under `experiments/` (or a generated corpus when there are none),
 * repeated. Prints medians of 7 rounds, by wall time and by CPU time: files/s, MB/s and
 * µs per token.
 *
 *   node --import tsx bench/parse.bench.ts
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from '../dsl/format.ts';
import { parse } from '../dsl/parse.ts';
import { ablLexer } from '../dsl/tokens.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function ablFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ablFiles(path);
    return name.endsWith('.abl') ? [path] : [];
  });
}

function generated(i: number): string {
  return `import "../datasets.abl"

// generated experiment ${i}
experiment e${i} extends base {
  data mmwhs { crop: 256 x 256, spacing: 1.5 x 1.5 x 8 mm, intensity { clip_top: 2%, normalize: zscore } }
  model.eam at decoder[1..3] { heads: 8 }
  loss { seg: 0.4 * ce + 0.6 * dice, aux: 0.4 * (ce + dice), icr: 0.1 { tau: ${1 + (i % 8)} } }
  train { epochs: 150, optimizer: sgd { lr: 1e-4, momentum: 0.9 }, schedule: poly(0.9), seed: ${i} }
}
`;
}

const sources = ablFiles(join(root, 'experiments')).map((f) => readFileSync(f, 'utf8'));
const corpus = sources.length > 0 ? sources : Array.from({ length: 20 }, (_, i) => generated(i));
const bytes = corpus.reduce((n, s) => n + s.length, 0);
const tokens = corpus.reduce((n, s) => n + ablLexer.tokenize(s).tokens.length, 0);
const asts = corpus.map((s) => parse(s, 'bench.abl').ast);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Medians over 7 rounds of wall time and of CPU time (user + system; steadier on a busy machine), seconds per pass. */
function bench(name: string, run: () => void): void {
  const repeats = Math.max(1, Math.round(2_000_000 / bytes));
  for (let i = 0; i < repeats; i++) run(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < repeats; i++) run();
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / 1000 / repeats);
    cpu.push((c.user + c.system) / 1e6 / repeats);
  }
  const line = (label: string, s: number) =>
    `${(corpus.length / s).toFixed(0).padStart(7)} files/s ${(bytes / s / 1e6).toFixed(2).padStart(6)} MB/s ${((s / tokens) * 1e6).toFixed(2).padStart(5)} µs/token (${label})`;
  console.log(`${name.padEnd(7)} ${line('wall', median(wall))}`);
  console.log(`${''.padEnd(7)} ${line('cpu', median(cpu))}`);
}

console.log(`${corpus.length} files${sources.length > 0 ? ' from experiments/' : ' (generated)'}, ${bytes} bytes, ${tokens} tokens`);
bench('lex', () => corpus.forEach((s) => ablLexer.tokenize(s)));
bench('parse', () => corpus.forEach((s) => parse(s, 'bench.abl')));
bench('format', () => asts.forEach((ast, i) => format(ast, corpus[i]!)));
