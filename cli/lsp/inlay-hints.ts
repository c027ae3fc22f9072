/**
 * Inlay hints, things the file implies but does not say:
 * - after a backbone (or a crop) an experiment writes: the token grid of every encoder
 *   stage, crop / patch / 2^(i−1) (the grid the window must divide; check/domain.ts);
 * - after a split an experiment writes, and after a repeat's `sample`: the train/val/test
 *   case counts per modality, by the runtime's own rounding rule (runtime/data/split.ts);
 * - after the name of a sweep, repeat, table or figure: how many concrete runs it makes.
 */
import { InlayHintKind, type InlayHint } from 'vscode-languageserver';
import type { Decl, Entry, Span, TableDecl } from '../../dsl/ast.ts';
import { datasetFields, experimentFields, repeatFields } from '../../compiler/check/key-schema.ts';
import type { Settings } from '../../compiler/check/types.ts';
import { blockFromObject } from '../../compiler/config-tree.ts';
import { DiagnosticBag } from '../../compiler/diagnostics.ts';
import { buildDatasetIr } from '../../compiler/emit-ir.ts';
import { expandRepeat, expandSweep } from '../../compiler/expand-sweeps.ts';
import { splitCounts } from '../../runtime/data/split.ts';
import type { DatasetIR } from '../../schemas/run-ir.schema.ts';
import { caseCount } from './case-counts.ts';
import { walkEntries } from './syntax-lookup.ts';
import { configOf, decodedSettings } from './value-origin.ts';
import type { Analysis } from './workspace.ts';

const hintAt = (span: Span, label: string, kind?: InlayHintKind): InlayHint => ({
  position: { line: span.end.line, character: span.end.column },
  label,
  paddingLeft: true,
  ...(kind ? { kind } : {}),
});

const round = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** The entry of `decl`'s own body at `path`, if written there. */
function ownEntry(decl: Decl, path: string): Entry | undefined {
  let found: Entry | undefined;
  walkEntries(decl.body, (entry, p) => {
    if (p.join('.') === path) found = entry;
  });
  return found;
}

/** Where an entry's hint goes: after its head (`backbone swin_unet`) or value, not after a whole block. */
function entryEnd(entry: Entry): Span {
  if (entry.value.kind !== 'Object') return entry.value.span;
  return entry.value.head?.span ?? entry.path[entry.path.length - 1]!.span;
}

/** `64×64 → 32×32 → 16×16 → 8×8`: the token grid of each encoder stage. */
export function tokenGrid(settings: Settings): string | undefined {
  const data = settings.data as Settings | undefined;
  const backbone = (settings.model as Settings | undefined)?.backbone as Settings | undefined;
  const crop = data?.crop as number[] | undefined;
  const patch = backbone?.patch as number[] | undefined;
  const depths = backbone?.depths as number[] | undefined;
  if (!crop || !patch || !depths || crop.length !== patch.length) return undefined;
  return depths.map((_, i) => crop.map((c, d) => round(c / patch[d]! / 2 ** i)).join('×')).join(' → ');
}

function datasetIr(analysis: Analysis, name: string, cwd: string): DatasetIR | undefined {
  const entry = analysis.program.decls.get(name);
  if (entry?.decl.kind !== 'Dataset') return undefined;
  const settings = decodedSettings(datasetFields, blockFromObject(entry.decl.body, new DiagnosticBag()));
  if (!settings.source || !settings.classes) return undefined;
  try {
    return buildDatasetIr(name, null, entry.file, settings, cwd);
  } catch {
    return undefined;
  }
}

/** `ct 14/2/4 · mri 6/1/2 train/val/test`, or why a count is unknown. */
async function splitLabel(settings: Settings, sample: Record<string, number> | null, analysis: Analysis, cwd: string): Promise<string | undefined> {
  const data = settings.data as Settings | undefined;
  const split = data?.split as { train: number; val: number; test: number } | undefined;
  const dataset = data?.dataset ? datasetIr(analysis, data.dataset as string, cwd) : undefined;
  if (!split || !dataset) return undefined;
  const modalities = (data?.modalities as string[] | undefined) ?? Object.keys(dataset.modalities);
  const parts: string[] = [];
  for (const modality of modalities) {
    const count = await caseCount(dataset, modality, cwd);
    if ('missing' in count) {
      parts.push(`${modality} ? (${count.missing})`);
      continue;
    }
    const n = sample?.[modality] !== undefined ? Math.min(sample[modality]!, count.cases) : count.cases;
    try {
      const c = splitCounts(n, split, modality);
      parts.push(`${modality} ${c.train}/${c.val}/${c.test}`);
    } catch {
      parts.push(`${modality}: ${n} cases, too few to split`);
    }
  }
  return `${parts.join(' · ')} train/val/test cases${sample ? ' per draw' : ''}`;
}

/** The runs a table row names, counted as the compiler expands them. */
function tableRuns(decl: TableDecl, analysis: Analysis): number {
  let runs = 0;
  walkEntries(decl.body, (entry, path) => {
    if (path.length !== 2 || path[0] !== 'rows' || entry.value.kind === 'Object') return;
    const v = entry.value;
    const name = v.kind === 'Ident' ? v.name : v.kind === 'String' ? v.value.split('[')[0]! : v.kind === 'Index' ? v.target.name : undefined;
    const target = name ? analysis.program.decls.get(name)?.decl : undefined;
    if (target?.kind === 'Repeat') runs += expandRepeat(target, analysis.program, analysis.resolver, new DiagnosticBag()).length;
    else if (target) runs += 1;
  });
  return runs;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function inlayHints(analysis: Analysis, cwd: string, inRange: (span: Span) => boolean): Promise<InlayHint[]> {
  const ast = analysis.program.files.get(analysis.file)?.ast;
  if (!ast) return [];
  const hints: InlayHint[] = [];
  for (const decl of ast.decls) {
    if (!inRange(decl.span)) continue;
    const bag = new DiagnosticBag();
    if (decl.kind === 'Experiment') {
      const configured = configOf(decl, analysis.program, analysis.resolver);
      if (!configured) continue;
      const settings = decodedSettings(experimentFields, configured.config);
      const backbone = ownEntry(decl, 'model.backbone') ?? ownEntry(decl, 'data.crop');
      const grid = backbone && tokenGrid(settings);
      if (backbone && grid) hints.push(hintAt(entryEnd(backbone), `tokens ${grid}`, InlayHintKind.Type));
      const split = ownEntry(decl, 'data.split');
      const label = split && (await splitLabel(settings, null, analysis, cwd));
      if (split && label) hints.push(hintAt(entryEnd(split), label));
    } else if (decl.kind === 'Sweep') {
      hints.push(hintAt(decl.name.span, plural(expandSweep(decl, analysis.program, analysis.resolver, bag).length, 'run')));
    } else if (decl.kind === 'Repeat') {
      hints.push(hintAt(decl.name.span, plural(expandRepeat(decl, analysis.program, analysis.resolver, bag).length, 'run')));
      const sample = ownEntry(decl, 'sample');
      const base = analysis.program.decls.get(decl.from.name)?.decl;
      const configured = base && configOf(base, analysis.program, analysis.resolver);
      const cases = decodedSettings(repeatFields, blockFromObject(decl.body, bag)).sample as Record<string, number> | null | undefined;
      const label = sample && configured && cases && (await splitLabel(decodedSettings(experimentFields, configured.config), cases, analysis, cwd));
      if (sample && label) hints.push(hintAt(entryEnd(sample), label));
    } else if (decl.kind === 'Table') {
      hints.push(hintAt(decl.title?.span ?? decl.name.span, plural(tableRuns(decl, analysis), 'run')));
    } else if (decl.kind === 'Figure') {
      const sweep = ownEntry(decl, 'sweep');
      const target = sweep?.value.kind === 'Ident' ? analysis.program.decls.get(sweep.value.name)?.decl : undefined;
      if (target?.kind === 'Sweep') hints.push(hintAt(decl.title?.span ?? decl.name.span, plural(expandSweep(target, analysis.program, analysis.resolver, bag).length, 'run')));
    }
  }
  return hints;
}

