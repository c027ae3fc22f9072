/**
 * Text rendering of a model graph for `ablate graph`: an indented tree, one module per
 * line with its output shape, parameters, FLOPs and phase, then the totals.
 */
import { shapeText, type GraphModule, type ModelGraph } from './model-graph.ts';
import { selectGraph, type GraphView } from './select-graph.ts';

/** Which modules to print: those `selectGraph` keeps. */
export type RenderOptions = GraphView;

/** `27.17M`, `1.5k`, `842`. */
export function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

const PHASE_MARK = { both: '', training: '  [training only]', inference: '  [inference only]' } as const;

export function renderGraph(graph: ModelGraph, options: RenderOptions = {}): string {
  const lines: string[] = [`${graph.title}; modalities ${graph.modalities.join(', ')}`];
  const visit = (m: GraphModule, level: number) => {
    const name = `${'  '.repeat(level)}${level === 0 ? m.path : m.name} (${m.kind})`;
    const note = m.note ? `  — ${m.note}` : '';
    lines.push(`${name.padEnd(48)} ${shapeText(m.output).padEnd(34)} ${humanCount(m.params).padStart(8)} params ${humanCount(m.flops).padStart(8)} FLOPs${PHASE_MARK[m.phase]}${note}`);
    for (const c of m.children) visit(c, level + 1);
  };
  for (const m of selectGraph(graph, options).modules) visit(m, 0);
  const t = graph.training;
  const i = graph.inference;
  lines.push('');
  lines.push(`training:  ${t.params.toLocaleString('en-US')} parameters (${humanCount(t.params)}), ${humanCount(t.flops)} FLOPs per ${graph.modalities[0]} sample`);
  lines.push(`inference: ${i.params.toLocaleString('en-US')} parameters (${humanCount(i.params)}), ${humanCount(i.flops)} FLOPs per ${graph.modalities[0]} sample`);
  return `${lines.join('\n')}\n`;
}
