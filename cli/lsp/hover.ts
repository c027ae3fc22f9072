/**
 * Hover: on a key, its doc, type, unit and default from the key schema, and its resolved
 * value for this experiment with where it was set (value-origin.ts); on a declaration or
 * a reference to one, what it is and where; on an import, the file it loads; on a path of
 * a row's ablation contract, its value in both rows (contract-hover.ts).
 */
import { relative } from 'node:path';
import type { Hover } from 'vscode-languageserver';
import type { Decl } from '../../dsl/ast.ts';
import { lookup } from '../../compiler/config-tree.ts';
import { joinSpans } from '../../dsl/span.ts';
import { importTarget, type Program } from '../../compiler/resolve-imports.ts';
import { describeDefault, describeType, rootFields, schemaAt, unitOf, type KindOf } from './key-lookup.ts';
import { describeContractPath } from './contract-hover.ts';
import { rangeOf } from './locations.ts';
import { targetAt } from './syntax-lookup.ts';
import { configOf, describeOrigin, resolveValue } from './value-origin.ts';
import type { Analysis, Workspace } from './workspace.ts';

/** The kind a variant block picked, read from the declaration's merged configuration. */
export function kindReader(decl: Decl, analysis: Analysis): KindOf {
  const configured = configOf(decl, analysis.program, analysis.resolver);
  return (path) => {
    const value = configured && lookup(configured.config, path);
    const head = value?.kind === 'block' ? value.head : value?.kind === 'leaf' ? value.expr : undefined;
    return head?.kind === 'Ident' ? head.name : undefined;
  };
}

const json = (value: unknown) => JSON.stringify(value)?.replace(/,/g, ', ');

/** A declaration in a few words: kind, name, title, its chain or base, its file. */
export function describeDeclaration(decl: Decl, file: string, program: Program, root: string): string {
  const title = 'title' in decl && decl.title ? ` — ${decl.title.value}` : '';
  const lines = [`**${decl.kind.toLowerCase()} \`${decl.name.name}\`**${title}`];
  if (decl.kind === 'Experiment') {
    const chain = [decl.name.name];
    let at: Decl | undefined = decl;
    while (at?.kind === 'Experiment' && at.extends && !chain.includes(at.extends.name)) {
      chain.push(at.extends.name);
      at = program.decls.get(at.extends.name)?.decl;
    }
    if (chain.length > 1) lines.push(`extends: ${chain.map((n) => `\`${n}\``).join(' → ')}`);
  }
  if (decl.kind === 'Sweep' || decl.kind === 'Repeat') lines.push(`from \`${decl.from.name}\`${decl.kind === 'Sweep' ? ` (${decl.mode})` : ''}`);
  lines.push(`declared in ${relative(root, file) || file}:${decl.name.span.start.line + 1}`);
  return lines.join('\n\n');
}

export function hover(analysis: Analysis, workspace: Workspace, offset: number): Hover | null {
  const source = workspace.load(analysis.file);
  if (!source) return null;
  const target = targetAt(source.ast, offset);
  if (!target) return null;
  const { program } = analysis;
  const root = workspace.root;
  const markdown = (value: string, span: Parameters<typeof rangeOf>[0]): Hover => ({ contents: { kind: 'markdown', value }, range: rangeOf(span) });
  switch (target.kind) {
    case 'import': {
      const file = importTarget(analysis.file, target.decl.path.value);
      const loaded = program.files.get(file);
      const decls = loaded ? `${loaded.ast.decls.length} declaration(s)` : 'not found';
      return markdown(`imports \`${relative(root, file) || file}\` — ${decls}`, target.decl.path.span);
    }
    case 'declaration':
      return markdown(describeDeclaration(target.decl, analysis.file, program, root), target.decl.name.span);
    case 'reference': {
      const found = program.decls.get(target.ref.name);
      if (!found) return markdown(`\`${target.ref.name}\`: no declaration of this name is visible from this file`, target.ref.span);
      return markdown(describeDeclaration(found.decl, found.file, program, root), target.ref.span);
    }
    case 'contract-path': {
      const contract = target.entry.contract!;
      const span = joinSpans(target.keys[0]!.span, target.keys[target.keys.length - 1]!.span);
      return markdown(describeContractPath(analysis, target.decl.name.name, target.row, contract.reference.name, target.keys), span);
    }
    case 'key':
    case 'value': {
      const { decl, path } = target;
      const fields = rootFields(decl.kind);
      const schema = schemaAt(fields, path, kindReader(decl, analysis));
      const span = target.kind === 'key' ? target.key.span : target.expr.span;
      const dotted = path.join('.');
      if (!schema) return markdown(`\`${dotted}\`: not a key of ${decl.kind.toLowerCase()} declarations`, span);
      const lines = [`**\`${dotted}\`**${schema.doc ? ` — ${schema.doc}` : ''}`];
      const unit = unitOf(schema);
      lines.push([`type: ${describeType(schema)}`, unit ? `unit: ${unit}` : undefined, `default: ${describeDefault(schema.default, schema)}`].filter(Boolean).join(' · '));
      const resolved = resolveValue(decl, path, fields, program, analysis.resolver, (f) => workspace.load(f)?.text);
      if (resolved) {
        const written = resolved.written !== undefined ? `\`${resolved.written}\`` : resolved.decoded !== undefined ? `\`${json(resolved.decoded)}\`` : describeDefault(schema.default, schema);
        const decoded = resolved.written !== undefined && resolved.decoded !== undefined && typeof resolved.decoded !== 'object' && String(resolved.decoded) !== resolved.written ? ` (= ${json(resolved.decoded)})` : '';
        lines.push(`value in \`${resolved.experiment}\`: ${written}${decoded} — ${describeOrigin(resolved.origin, root)}`);
      }
      return markdown(lines.join('\n\n'), span);
    }
  }
}
