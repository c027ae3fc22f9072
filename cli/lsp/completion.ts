/**
 * Completion from the same key schema the checker decodes with: the keys valid in the
 * block at the cursor (after `a.b.`, the keys under `a.b`), a variant's kinds
 * (`backbone |`), enum values, experiment/repeat/sweep names for `extends`, `from` and
 * table rows, dataset names after `data`, a dataset's modalities, units after a number
 * (`%`, `mm`, `x`), and a row's contract (`differs`, Run IR paths, the table's row labels).
 */
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import type { Decl } from '../../dsl/ast.ts';
import type { FieldSchema } from '../../compiler/check/key-schema.ts';
import { lookup } from '../../compiler/config-tree.ts';
import { knownIrPaths } from '../../compiler/ir-paths.ts';
import { cursorContext, type ContractPart, type CursorContext } from './completion-context.ts';
import { describeDefault, describeType, fieldsAt, rootFields, schemaAt, unitOf, type KindOf } from './key-lookup.ts';
import { configOf } from './value-origin.ts';
import type { Analysis } from './workspace.ts';

const declarationKeywords = ['experiment', 'dataset', 'sweep', 'repeat', 'table', 'figure', 'import'];

function names(analysis: Analysis, kinds: readonly Decl['kind'][]): CompletionItem[] {
  return [...analysis.program.decls.values()]
    .filter((d) => kinds.includes(d.decl.kind))
    .map((d) => ({ label: d.decl.name.name, kind: d.decl.kind === 'Dataset' ? CompletionItemKind.Module : CompletionItemKind.Reference, detail: d.decl.kind.toLowerCase() }));
}

function keyItem(name: string, schema: FieldSchema): CompletionItem {
  const unit = unitOf(schema);
  return {
    label: name,
    kind: CompletionItemKind.Property,
    detail: describeType(schema),
    documentation: [schema.doc, unit ? `unit: ${unit}` : undefined, `default: ${describeDefault(schema.default, schema)}`].filter(Boolean).join('\n'),
  };
}

const values = (labels: readonly string[], kind: CompletionItemKind = CompletionItemKind.EnumMember): CompletionItem[] => labels.map((label) => ({ label, kind }));

/** Variant kinds: written blocks first, then the merged configuration of the experiment being edited. */
function kindReader(context: Exclude<CursorContext, { kind: 'top' }>, analysis: Analysis): KindOf {
  const entry = context.declName ? analysis.program.decls.get(context.declName) : undefined;
  const configured = entry && configOf(entry.decl, analysis.program, analysis.resolver);
  return (path) => {
    const frame = [...context.frames].reverse().find((f) => f.path.join('.') === path.join('.') && f.head);
    if (frame) return frame.head;
    const value = configured && lookup(configured.config, path);
    const head = value?.kind === 'block' ? value.head : value?.kind === 'leaf' ? value.expr : undefined;
    return head?.kind === 'Ident' ? head.name : undefined;
  };
}

/** The modalities of the dataset the experiment being edited uses. */
function modalities(context: Exclude<CursorContext, { kind: 'top' }>, analysis: Analysis): string[] {
  const dataset = context.frames.find((f) => f.path.length === 1 && f.path[0] === 'data')?.head ?? kindReader(context, analysis)(['data']);
  const decl = dataset ? analysis.program.decls.get(dataset)?.decl : undefined;
  if (decl?.kind !== 'Dataset') return [];
  const block = decl.body.entries.find((e) => e.path.length === 1 && e.path[0]!.name === 'modalities')?.value;
  return block?.kind === 'Object' ? block.entries.map((e) => e.path[0]!.name) : [];
}

function valueItems(schema: FieldSchema, context: Extract<CursorContext, { kind: 'value' }>, analysis: Analysis): CompletionItem[] {
  if (context.afterNumber) {
    const units: CompletionItem[] = [];
    if (schema.type === 'fraction') units.push({ label: '%', kind: CompletionItemKind.Unit, detail: 'percent' });
    if (schema.type === 'dims' || schema.type === 'windows') units.push({ label: 'x', kind: CompletionItemKind.Operator, detail: 'next dimension' });
    if (schema.type === 'dims' && schema.unit) units.push({ label: 'mm', kind: CompletionItemKind.Unit, detail: 'millimetres' });
    return units;
  }
  switch (schema.type) {
    case 'enum':
    case 'enumList':
      return values(schema.values);
    case 'bool':
      return values(['true', 'false'], CompletionItemKind.Keyword);
    case 'variant':
      return values(Object.keys(schema.kinds), CompletionItemKind.Class);
    case 'schedule':
      return [
        { label: 'poly', kind: CompletionItemKind.Function, detail: 'poly(power)', insertText: 'poly(0.9)' },
        { label: 'cosine', kind: CompletionItemKind.Function, detail: 'cosine(warmup_epochs)', insertText: 'cosine(0)' },
        { label: 'constant', kind: CompletionItemKind.EnumMember },
      ];
    case 'loss':
    case 'auxLoss':
      return values(['ce', 'dice'], CompletionItemKind.Variable);
    case 'names':
      return context.path.join('.') === 'data.modalities' ? values(modalities(context, analysis), CompletionItemKind.EnumMember) : [];
    case 'name':
      if (context.declKind === 'Table') return names(analysis, ['Experiment', 'Repeat', 'Sweep']);
      if (context.declKind === 'Figure') return names(analysis, ['Sweep']);
      return [];
    default:
      return schema.default === null ? values(['none'], CompletionItemKind.Keyword) : [];
  }
}

/** A row's `differs [paths] from "Row"`: the keyword, Run IR paths, or the other rows' labels. */
function contractItems(part: ContractPart, context: Extract<CursorContext, { kind: 'value' }>, analysis: Analysis): CompletionItem[] {
  if (part === 'keyword') return [{ label: 'differs', kind: CompletionItemKind.Keyword, insertText: 'differs [] from ""', detail: 'ablation contract: the Run IR paths this row changes' }];
  if (part === 'paths') return values(knownIrPaths(), CompletionItemKind.Field);
  const decl = context.declName ? analysis.program.decls.get(context.declName)?.decl : undefined;
  const rows = decl?.body.entries.find((e) => e.path.length === 1 && e.path[0]!.name === 'rows')?.value;
  const labels = rows?.kind === 'Object' ? rows.entries.map((e) => e.path[0]!.name).filter((label) => label !== context.path[1]) : [];
  return labels.map((label) => ({ label, kind: CompletionItemKind.Reference, insertText: JSON.stringify(label) }));
}

export function completion(analysis: Analysis, text: string, offset: number): CompletionItem[] {
  const context = cursorContext(text, offset);
  if (context.kind === 'top') {
    if (context.after) return names(analysis, ['Experiment']);
    return values(declarationKeywords, CompletionItemKind.Keyword);
  }
  const root = rootFields(context.declKind);
  const kindOf = kindReader(context, analysis);
  if (context.kind === 'key') {
    if (context.declKind === 'Table' && context.path.length === 1 && context.path[0] === 'rows') return [];
    const here = fieldsAt(root, context.path, kindOf);
    if (!here) return [];
    const items = Object.entries(here.fields).map(([name, schema]) => keyItem(name, schema));
    // Maps keyed by modality (`annotated { mri: 1 }`, `sample { mri: 9 }`): the dataset's modalities.
    if (here.each && context.declKind !== 'Dataset' && context.declKind !== 'Table') items.push(...modalities(context, analysis).map((m) => keyItem(m, here.each!)));
    return items;
  }
  const schema = schemaAt(root, context.path, kindOf);
  if (context.kind === 'head') {
    if (context.path.join('.') === 'data' && (context.declKind === 'Experiment' || context.declKind === 'Sweep')) return names(analysis, ['Dataset']);
    if (schema?.type === 'variant') return values(Object.keys(schema.kinds), CompletionItemKind.Class);
    if (schema?.type === 'block' && schema.at) return [{ label: 'at', kind: CompletionItemKind.Keyword, insertText: 'at decoder[1..3]' }];
    return [];
  }
  if (!schema) return [];
  if (context.declKind === 'Table' && context.path[0] === 'rows' && context.path.length === 2) {
    if (context.contract) return contractItems(context.contract, context, analysis);
    return names(analysis, ['Experiment', 'Repeat', 'Sweep']);
  }
  return valueItems(schema, context, analysis);
}
