/**
 * `experiment B extends A { … }`: B's configuration is A's (itself resolved through its
 * own chain) with B's body merged on top, deep, key by key (`config-tree.ts` says how
 * heads and leaves merge). An unknown base is E013 and a cycle is E015; both are
 * reported once, at the `extends` clause that closes them.
 */
import type { ExperimentDecl } from '../dsl/ast.ts';
import { blockFromObject, mergeBlocks, type ConfigBlock } from './config-tree.ts';
import type { DiagnosticBag } from './diagnostics.ts';
import type { Program } from './resolve-imports.ts';
import { suggest } from './check/types.ts';

export class ExtendsResolver {
  private readonly resolved = new Map<string, ConfigBlock | null>();
  private readonly inProgress: string[] = [];

  constructor(
    private readonly program: Program,
    private readonly bag: DiagnosticBag,
  ) {}

  /** Names of every experiment in the program (for "did you mean"). */
  experimentNames(): string[] {
    return [...this.program.decls.values()].filter((d) => d.decl.kind === 'Experiment').map((d) => d.decl.name.name);
  }

  /** The merged configuration of experiment `decl`, or null when its chain is broken. */
  configOf(decl: ExperimentDecl): ConfigBlock | null {
    const name = decl.name.name;
    const cached = this.resolved.get(name);
    if (cached !== undefined) return cached;
    const own = blockFromObject(decl.body, this.bag);
    if (!decl.extends) {
      this.resolved.set(name, own);
      return own;
    }
    const baseName = decl.extends.name;
    const cycleAt = this.inProgress.indexOf(baseName);
    if (cycleAt >= 0 || baseName === name) {
      const cycle = [...this.inProgress.slice(Math.max(cycleAt, 0)), name, baseName];
      this.bag.report({ code: 'E015', cycle: baseName === name ? [name, name] : cycle }, { node: decl.extends });
      this.resolved.set(name, null);
      return null;
    }
    const base = this.program.decls.get(baseName)?.decl;
    if (!base || base.kind !== 'Experiment') {
      this.bag.report({ code: 'E013', name: baseName, role: 'extends', suggestion: suggest(baseName, this.experimentNames()) }, { node: decl.extends });
      this.resolved.set(name, null);
      return null;
    }
    this.inProgress.push(name);
    const baseConfig = this.configOf(base);
    this.inProgress.pop();
    const merged = baseConfig ? mergeBlocks(baseConfig, own) : null;
    this.resolved.set(name, merged);
    return merged;
  }
}
