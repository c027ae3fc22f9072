/**
 * The part of a model graph that `ablate graph` shows, for the text and the JSON view
 * alike: the modules of one phase (training, or with `inference` what the exported
 * inference model holds) down to a depth.
 */
import type { GraphModule, ModelGraph } from './model-graph.ts';

export interface GraphView {
  /** Only what the exported inference model holds. */
  inference?: boolean;
  /** Deepest level kept (0 = top-level modules only); default: all. */
  depth?: number;
}

/** A copy of `graph` holding only the modules `view` selects (totals unchanged). */
export function selectGraph(graph: ModelGraph, view: GraphView = {}): ModelGraph {
  const keep = (m: GraphModule) => (view.inference ? m.phase !== 'training' : m.phase !== 'inference');
  const select = (modules: readonly GraphModule[], level: number): GraphModule[] =>
    modules.filter(keep).map((m) => ({ ...m, children: view.depth === undefined || level < view.depth ? select(m.children, level + 1) : [] }));
  return { ...graph, modules: select(graph.modules, 0) };
}
