/**
 * `ablate graph <file> [-e NAME] [--json] [--inference] [--depth N] [-s key=value]...`:
 * the model graph of a run (modules, shapes, parameters, FLOPs, what exists only in
 * training) without loading TensorFlow.js. `--ir <file>` reads a Run IR JSON instead
 * (one IR, or the `{ runs: [...] }` document `ablate compile` prints).
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { RunIR } from '../../schemas/run-ir.schema.ts';
import { renderDiagnostics } from '../render-diagnostic.ts';

interface GraphCliOptions {
  experiment?: string;
  json?: boolean;
  inference?: boolean;
  depth?: string;
  ir?: string;
  set: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function runsFromIrFile(path: string): RunIR[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read a Run IR (${(e as Error).message}); pass the JSON that \`ablate compile\` prints`);
  }
  const runs = (doc as { runs?: RunIR[] }).runs ?? [doc as RunIR];
  if (!runs.every((r) => r && typeof r === 'object' && 'model' in r && 'data' in r)) {
    throw new Error(`${path}: not a Run IR (no model/data section); pass the JSON that \`ablate compile\` prints`);
  }
  return runs;
}

export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description('print the model graph of a run: modules, shapes, parameters, FLOPs, training-only parts')
    .argument('[file]', 'experiment file (.abl, .yaml, .yml, .json)')
    .option('-e, --experiment <name>', 'the experiment (or sweep/repeat) whose run to show')
    .option('--json', 'print the graph as JSON')
    .option('--inference', 'only what the exported inference model holds (no EAMs, aux heads, class embeddings)')
    .option('--depth <n>', 'deepest level printed (0 = top-level modules)')
    .option('--ir <file>', 'read a Run IR JSON instead of compiling a file')
    .option('-s, --set <key=value>', 'override a value, checked like the file (repeatable)', collect, [])
    .action(async (file: string | undefined, options: GraphCliOptions) => {
      // Loaded here, not at the top: `ablate --help` and the other commands need none of it.
      const { compileFile } = await import('../../compiler/compile.ts');
      const { hasErrors } = await import('../../compiler/diagnostics.ts');
      const { graphOfRun } = await import('../../compiler/graph/build-graph.ts');
      const { renderGraph } = await import('../../compiler/graph/render-graph.ts');
      let runs: RunIR[];
      if (options.ir) runs = runsFromIrFile(options.ir);
      else {
        if (!file) throw new Error('give an experiment file (or --ir <file>)');
        const result = compileFile(file, { overrides: options.set, ...(options.experiment ? { only: options.experiment } : {}) });
        if (hasErrors(result.diagnostics)) {
          process.stderr.write(renderDiagnostics(result.diagnostics, 'text', result.sources));
          process.exitCode = 1;
          return;
        }
        runs = result.runs;
      }
      if (runs.length === 0) throw new Error(`no runs${options.experiment ? ` for '${options.experiment}'` : ''}; name an experiment with -e`);
      const run = runs[0]!;
      const graph = graphOfRun(run);
      const depth = options.depth === undefined ? undefined : Number(options.depth);
      if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0)) throw new Error(`--depth takes a whole number ≥ 0 (0 = top-level modules), not '${options.depth}'`);
      const view = { ...(options.inference ? { inference: true } : {}), ...(depth === undefined ? {} : { depth }) };
      if (options.json) {
        // The same selection as the text view; `view` says which one it is.
        const { selectGraph } = await import('../../compiler/graph/select-graph.ts');
        process.stdout.write(`${JSON.stringify({ run: run.name, view: { inference: view.inference ?? false, depth: view.depth ?? null }, ...selectGraph(graph, view) }, null, 2)}\n`);
        return;
      }
      if (runs.length > 1) process.stdout.write(`${runs.length} runs; showing ${run.name} (the graph depends only on its model and data sections)\n`);
      else process.stdout.write(`run ${run.name}\n`);
      process.stdout.write(renderGraph(graph, view));
    });
}
