/**
 * The resolved value of a key for one experiment and where it was set: in this
 * declaration, in a base through `extends` (possibly in an imported file), by a sweep's
 * fixed entries, or nowhere (the key schema's default). Reads the configuration tree the
 * compiler merges (`ExtendsResolver`, `config-tree.ts`), whose leaves keep the key node
 * that set them, and decodes it with the checker's own `decodeFields`.
 */
import { relative } from 'node:path';
import type { Decl, Span } from '../../dsl/ast.ts';
import type { Fields } from '../../compiler/check/key-schema.ts';
import { decodeFields, type Settings } from '../../compiler/check/types.ts';
import { blockFromObject, lookup, mergeBlocks, type ConfigBlock, type ConfigValue } from '../../compiler/config-tree.ts';
import { DiagnosticBag } from '../../compiler/diagnostics.ts';
import type { Program } from '../../compiler/resolve-imports.ts';
import type { ExtendsResolver } from '../../compiler/apply-extends.ts';

export type Origin =
  | { kind: 'here'; span: Span }
  | { kind: 'base'; span: Span; base: string; imported: boolean }
  | { kind: 'sweep'; span: Span; sweep: string }
  | { kind: 'default' };

export interface ResolvedValue {
  /** The experiment the value is resolved for (the declaration itself for a dataset, repeat, table or figure). */
  experiment: string;
  /** The value as written where it was set (`70%`, `sgd { … }`), or undefined for a default. */
  written?: string;
  /** The decoded value (what the Run IR is built from), when it decodes. */
  decoded?: unknown;
  origin: Origin;
}

/** The merged configuration of a declaration that configures an experiment (an experiment or a sweep's fixed entries on its base). */
export function configOf(decl: Decl, program: Program, resolver: ExtendsResolver): { experiment: string; config: ConfigBlock } | undefined {
  if (decl.kind === 'Experiment') {
    const config = resolver.configOf(decl);
    return config ? { experiment: decl.name.name, config } : undefined;
  }
  if (decl.kind === 'Sweep') {
    const base = program.decls.get(decl.from.name)?.decl;
    if (base?.kind !== 'Experiment') return undefined;
    const config = resolver.configOf(base);
    if (!config) return undefined;
    // A sweep's fixed entries apply to every point; its axes (`in`) are left out.
    return { experiment: base.name.name, config: mergeBlocks(config, blockFromObject(decl.body, new DiagnosticBag(), null, () => {})) };
  }
  return undefined;
}

/** The configuration a declaration's keys resolve in: an experiment's (see `configOf`), else the declaration's own body. */
function ownerConfig(decl: Decl, program: Program, resolver: ExtendsResolver): { experiment: string; config: ConfigBlock } | undefined {
  if (decl.kind === 'Experiment' || decl.kind === 'Sweep') return configOf(decl, program, resolver);
  return { experiment: decl.name.name, config: blockFromObject(decl.body, new DiagnosticBag(), null, () => {}) };
}

/** The settings a configuration decodes to (errors ignored: the diagnostics report them). */
export function decodedSettings(fields: Fields, config: ConfigBlock): Settings {
  return decodeFields(fields, config, [], { bag: new DiagnosticBag(), locations: new Map() });
}

function get(settings: Settings, path: readonly string[]): unknown {
  let value: unknown = settings;
  for (const name of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/** The key node that set a value (a block's own key, or its head's). */
function setAt(value: ConfigValue): Span | undefined {
  if (value.kind === 'leaf') return value.key.span;
  return value.key?.span ?? value.head?.span;
}

function textOf(value: ConfigValue, read: (file: string) => string | undefined): string | undefined {
  const span = value.kind === 'leaf' ? value.expr.span : value.head?.span;
  if (!span) return undefined;
  const text = read(span.file)?.slice(span.start.offset, span.end.offset);
  return value.kind === 'block' && text !== undefined ? `${text} { … }` : text;
}

/** Where `span` is, relative to the declaration `here` that asks. */
function originOf(span: Span, here: Decl, program: Program): Origin {
  const declaring = [...program.decls.values()].find((d) => d.file === span.file && d.decl.span.start.offset <= span.start.offset && span.end.offset <= d.decl.span.end.offset);
  if (!declaring || declaring.decl === here) return here.kind === 'Sweep' ? { kind: 'sweep', span, sweep: here.name.name } : { kind: 'here', span };
  return { kind: 'base', span, base: declaring.decl.name.name, imported: declaring.file !== program.entry };
}

/**
 * The value of `path` for the experiment `decl` configures (an experiment, or a sweep's
 * base with the sweep's fixed entries), or in `decl` itself for other declarations;
 * undefined when an experiment's `extends` chain is broken.
 */
export function resolveValue(decl: Decl, path: readonly string[], fields: Fields, program: Program, resolver: ExtendsResolver, read: (file: string) => string | undefined): ResolvedValue | undefined {
  const configured = ownerConfig(decl, program, resolver);
  if (!configured) return undefined;
  const value = lookup(configured.config, path);
  const decoded = get(decodedSettings(fields, configured.config), path);
  const span = value && setAt(value);
  if (!value || !span) return { experiment: configured.experiment, ...(decoded !== undefined ? { decoded } : {}), origin: { kind: 'default' } };
  const written = textOf(value, read);
  return { experiment: configured.experiment, ...(written !== undefined ? { written } : {}), ...(decoded !== undefined ? { decoded } : {}), origin: originOf(span, decl, program) };
}

/** "set here (line 12)", "from base `x` through extends, common.abl:40", "the default". */
export function describeOrigin(origin: Origin, root: string): string {
  const at = (span: Span) => `${relative(root, span.file) || span.file}:${span.start.line + 1}`;
  switch (origin.kind) {
    case 'here':
      return `set here (line ${origin.span.start.line + 1})`;
    case 'sweep':
      return `set by sweep \`${origin.sweep}\` for every point (line ${origin.span.start.line + 1})`;
    case 'base':
      return `from base \`${origin.base}\` through extends${origin.imported ? ' (imported)' : ''}, ${at(origin.span)}`;
    case 'default':
      return 'not set: the default';
  }
}
