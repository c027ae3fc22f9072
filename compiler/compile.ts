/**
 * The compiler's entry points: a file (and what it imports) → concrete Run IRs, Table
 * IRs, Figure IRs and diagnostics, phase by phase (`phases.ts`), stopping after the first
 * phase that reports an error.
 *
 * Which runs a file yields: every experiment, sweep point and repeat draw it declares,
 * plus the runs its tables and figures name (which may be declared in imported files).
 * With `only`, just the runs of that one declaration.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { DatasetDecl, Decl, FigureDecl, Span, TableDecl } from '../dsl/ast.ts';
import { SpanMap } from '../dsl/span.ts';
import type { FigureIR } from '../schemas/figure-ir.schema.ts';
import type { DatasetIR, RunIR } from '../schemas/run-ir.schema.ts';
import type { TableIR } from '../schemas/table-ir.schema.ts';
import { ExtendsResolver } from './apply-extends.ts';
import { CompileMemo } from './compile-memo.ts';
import { collectSourceFiles } from './source-files.ts';
import { runChecks } from './check/index.ts';
import { launchSettings, type LaunchSettings } from './check/launch-settings.ts';
import { checkContractsPlaced, checkRowContracts, checkRowsDistinct } from './check/contracts.ts';
import { datasetFields, experimentFields, figureFields, tableFields } from './check/key-schema.ts';
import type { TableRowSource } from './check/tables.ts';
import { decodeFields, suggest, type DecodeContext, type Settings } from './check/types.ts';
import { blockFromObject, lookup, type ConfigBlock } from './config-tree.ts';
import { diagnostic, DiagnosticBag, spanOf, uniqueDiagnostics, type Diagnostic, type Location } from './diagnostics.ts';
import { buildDatasetIr, buildRunIr, finishRunIr, specHashOf } from './emit-ir.ts';
import { buildFigureIr, buildTableIr } from './emit-table.ts';
import { applyOverrides, expandRepeat, expandSweep, experimentRun, type ConcreteRun } from './expand-sweeps.ts';
import { IrSourceMap } from './ir-source-map.ts';
import { isSourceFile, loadSource, type LoadedSource } from './load-source.ts';
import { COMMAND_LINE, parseOverrides } from './overrides.ts';
import { Phase } from './phases.ts';
import { resolveImports, type Program } from './resolve-imports.ts';
import { validateRunIr, validateTableIr } from './validate-ir.ts';

export interface CompileOptions {
  /** `-s key=value` overrides (without the `-s`), applied to every run. */
  overrides?: readonly string[];
  /** Compile only the runs of this declaration (`-e NAME`): an experiment, sweep, repeat, table or figure. */
  only?: string;
  /** Folder IR paths are made relative to (default: process.cwd()). */
  cwd?: string;
  /** Parsed files shared across calls (`checkFiles` passes one so an imported file is parsed once). */
  cache?: SourceCache;
  /** Runs expanded and checked, shared across calls with the same overrides and cwd (`checkFiles`: an imported run is checked once). */
  memo?: CompileMemo;
}

export interface CompileResult {
  runs: RunIR[];
  tables: TableIR[];
  figures: FigureIR[];
  /** The file's `launch slurm { … }` defaults for `ablate launch` (merged over its imports); in no Run IR. */
  launch?: LaunchSettings;
  /**
   * Each checked table's rows: label → the row's runs as the checked (draft) IRs the
   * ablation contracts were judged on (undefined: one did not check). Present from the
   * Checked phase on, errors or not, for the editor to show what a contract compares.
   */
  tableRows?: ReadonlyMap<string, ReadonlyMap<string, readonly RunIR[] | undefined>>;
  /** Sorted by file and position; deduplicated (a base's error is reported once, not once per child). */
  diagnostics: Diagnostic[];
  /** The last phase that completed without errors (0 when parsing failed). */
  phase: Phase | 0;
  /** Text of every file a diagnostic may point into (including `<command line>`), for rendering. */
  sources: Map<string, string>;
  /**
   * Where in the sources a value of a run's IR was set: `locate('cardiac_ours', 'model.eam.heads')`.
   * IR paths may be camelCase or as written (`model.backbone.decoder_depths`); a value that
   * came from a default points at the nearest enclosing thing written. Lets run-time
   * errors (graph building, NaN losses) point at the DSL line that configured them.
   */
  locate(run: string, irPath: string): Span | undefined;
}

/** Parsed sources by display path; undefined marks a file that could not be read. */
export class SourceCache {
  private readonly files = new Map<string, LoadedSource | undefined>();

  read(file: string): LoadedSource | undefined {
    if (this.files.has(file)) return this.files.get(file);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined; // missing or unreadable: the caller reports E010
    }
    // A front end never throws on bad input; if it does, that is a bug to surface, not a missing file.
    const loaded = text === undefined ? undefined : loadSource(file, text);
    this.files.set(file, loaded);
    return loaded;
  }
}

const posix = (path: string) => path.split(sep).join('/');

const dedupe = uniqueDiagnostics;

interface DatasetResult {
  ir: DatasetIR;
  locations: Map<string, Location>;
  ok: boolean;
}

/** One compilation of an entry file; holds the per-phase state. */
class Compilation {
  readonly bag = new DiagnosticBag();
  readonly sources = new Map<string, string>();
  program!: Program;
  resolver!: ExtendsResolver;
  private readonly expansions = new Map<string, ConcreteRun[]>();
  private readonly datasets = new Map<string, DatasetResult | null>();
  /** Run name → IR source map, for `CompileResult.locate`. */
  private readonly sourceMaps = new Map<string, IrSourceMap>();
  private launch: LaunchSettings | undefined;
  private readonly checkedRows = new Map<string, Map<string, RunIR[] | undefined>>();

  constructor(
    readonly entry: string,
    readonly options: CompileOptions,
    readonly cwd: string,
  ) {}

  result(phase: Phase | 0, runs: RunIR[] = [], tables: TableIR[] = [], figures: FigureIR[] = []): CompileResult {
    const maps = this.sourceMaps;
    return {
      runs,
      tables,
      figures,
      ...(this.launch ? { launch: this.launch } : {}),
      ...(this.checkedRows.size > 0 ? { tableRows: this.checkedRows } : {}),
      diagnostics: dedupe(this.bag.items),
      phase,
      sources: this.sources,
      locate: (run, irPath) => {
        const map = maps.get(run);
        return map ? spanOf(map.locate(irPath)) : undefined;
      },
    };
  }

  run(): CompileResult {
    const cache = this.options.cache ?? new SourceCache();
    // ── Parsed ──
    const loadBag = new DiagnosticBag();
    this.program = resolveImports(this.entry, (file) => cache.read(file), loadBag);
    for (const [file, source] of this.program.files) {
      this.sources.set(file, source.text);
      this.bag.add(...source.diagnostics);
    }
    if (!this.program.files.has(this.entry)) {
      this.bag.report({ code: 'E010', path: this.entry, resolved: resolve(this.entry) }, { node: { span: { file: this.entry, start: { offset: 0, line: 0, column: 0 }, end: { offset: 0, line: 0, column: 0 } } } });
      return this.result(0);
    }
    const overrides = parseOverrides(this.options.overrides ?? []);
    if (overrides.text) this.sources.set(COMMAND_LINE, overrides.text);
    this.bag.add(...overrides.diagnostics);
    if (this.bag.hasErrors) {
      this.bag.add(...loadBag.items);
      return this.result(0);
    }
    // ── Resolved ──
    this.bag.add(...loadBag.items);
    this.resolver = new ExtendsResolver(this.program, this.bag);
    for (const { decl } of this.program.decls.values()) if (decl.kind === 'Experiment') this.resolver.configOf(decl);
    if (this.bag.hasErrors) return this.result(Phase.Parsed);
    // ── Expanded ──
    const entryDecls = this.program.files.get(this.entry)!.ast.decls;
    const selected = this.select(entryDecls);
    checkContractsPlaced(entryDecls, (issue, at) => this.bag.report(issue, at));
    if (this.bag.hasErrors || !selected) return this.result(Phase.Resolved);
    const runs = this.unique(selected.runDecls.flatMap((d) => this.expand(d)));
    for (const table of selected.tables) this.tableRows(table).forEach((row) => runs.push(...(this.runsOf(row.ref) ?? [])));
    for (const figure of selected.figures) {
      const sweep = this.figureSweep(figure);
      if (sweep) runs.push(...this.expand(sweep));
      for (const ref of this.figureReferences(figure)) runs.push(...(this.referenceRuns(ref.name) ?? []));
    }
    const concrete = this.unique(runs).map((r) => applyOverrides(r, overrides.overrides));
    if (this.bag.hasErrors) return this.result(Phase.Resolved);
    // ── Checked ──
    this.launch = launchSettings([...this.program.files].map(([file, source]) => ({ file, decls: source.ast.decls })), this.bag);
    for (const decl of selected.datasets) this.dataset(decl.name.name, decl.name);
    const drafts = concrete.map((run) => this.checkRun(run));
    const draftsByName = new Map(drafts.filter((d) => d !== undefined).map((d) => [d.ir.name, d.ir]));
    const tableChecks = selected.tables.map((t) => this.checkTable(t, draftsByName));
    const figureChecks = selected.figures.map((f) => this.checkFigure(f));
    if (this.bag.hasErrors) {
      // The Emitted phase, which hashes the runs, will not come: E075 from the drafts' hashes
      // (the same), so it is reported with the other errors. Clean files hash only once, there.
      const hashes = new Map<string, string>();
      const hashOf = (name: string) => {
        const ir = draftsByName.get(name);
        if (ir && !hashes.has(name)) hashes.set(name, specHashOf(ir));
        return hashes.get(name) ?? '';
      };
      for (const checked of tableChecks) this.checkRowsDistinct(checked, hashOf);
      return this.result(Phase.Expanded);
    }
    // ── Emitted ──
    const finished = new Map<string, RunIR>();
    for (const draft of drafts) {
      if (!draft) continue;
      const finish = () => {
        const ir = finishRunIr(draft.ir);
        this.bag.add(...validateRunIr(ir, (path) => draft.map.locate(path)));
        return ir;
      };
      const ir = this.options.memo ? this.options.memo.ofObject(draft.ir, this.program.decls, this.bag, finish) : finish();
      this.sourceMaps.set(ir.name, draft.map);
      finished.set(ir.name, ir);
    }
    const tables = tableChecks.map((t) => this.tableIr(t!, finished));
    const figures = figureChecks.map((f) => this.figureIr(f!, finished));
    if (this.bag.hasErrors) return this.result(Phase.Checked);
    return this.result(Phase.Emitted, [...finished.values()], tables, figures);
  }

  /** Declarations to compile: all of the entry file's, or the one `-e` names. */
  private select(entryDecls: Decl[]) {
    let decls = entryDecls;
    if (this.options.only !== undefined) {
      const found = this.program.decls.get(this.options.only);
      if (!found) {
        // `-e NAME` joins the pseudo-file of the command line, after the overrides.
        const before = this.sources.get(COMMAND_LINE);
        const text = `${before ? `${before} ` : ''}-e ${this.options.only}`;
        this.sources.set(COMMAND_LINE, text);
        const names = [...this.program.decls.keys()];
        this.bag.report(
          { code: 'E017', name: this.options.only, expected: 'declaration', suggestion: suggest(this.options.only, names) },
          new SpanMap(text, COMMAND_LINE).span(text.length - this.options.only.length, text.length),
        );
        return undefined;
      }
      decls = [found.decl];
    }
    return {
      runDecls: decls.filter((d) => d.kind === 'Experiment' || d.kind === 'Sweep' || d.kind === 'Repeat'),
      datasets: decls.filter((d): d is DatasetDecl => d.kind === 'Dataset'),
      tables: decls.filter((d): d is TableDecl => d.kind === 'Table'),
      figures: decls.filter((d): d is FigureDecl => d.kind === 'Figure'),
    };
  }

  private unique(runs: ConcreteRun[]): ConcreteRun[] {
    const byName = new Map<string, ConcreteRun>();
    for (const run of runs) if (!byName.has(run.name)) byName.set(run.name, run);
    return [...byName.values()];
  }

  /** The runs of an experiment, sweep or repeat declaration (cached). */
  private expand(decl: Decl): ConcreteRun[] {
    const cached = this.expansions.get(decl.name.name);
    if (cached) return cached;
    const memo = this.options.memo;
    const runs = memo ? memo.ofDecl(decl, this.program.decls, this.bag, () => this.expandNow(decl)) : this.expandNow(decl);
    this.expansions.set(decl.name.name, runs);
    return runs;
  }

  private expandNow(decl: Decl): ConcreteRun[] {
    let runs: ConcreteRun[] = [];
    if (decl.kind === 'Experiment') {
      const run = experimentRun(this.program, this.resolver, decl.name.name);
      runs = run ? [run] : [];
    } else if (decl.kind === 'Sweep') runs = expandSweep(decl, this.program, this.resolver, this.bag);
    else if (decl.kind === 'Repeat') runs = expandRepeat(decl, this.program, this.resolver, this.bag);
    return runs;
  }

  /**
   * The runs a table row names: an experiment (one run), a repeat (its draws, pooled),
   * or a sweep point — `sweep[v]` (the point whose single axis is v) or the run's full
   * name `sweep[path=v]`. Undefined when nothing matches.
   */
  runsOf(ref: string): ConcreteRun[] | undefined {
    const bracket = ref.indexOf('[');
    const name = bracket < 0 ? ref : ref.slice(0, bracket);
    const decl = this.program.decls.get(name)?.decl;
    if (!decl) return undefined;
    if (bracket < 0) return decl.kind === 'Experiment' || (decl.kind === 'Repeat' && !this.isRepeatOfSweep(decl)) ? this.expand(decl) : undefined;
    if (decl.kind !== 'Sweep' && decl.kind !== 'Repeat') return undefined;
    // A point: `sweep[v]` (single axis) or `sweep[path=v]`; of a repeat over a sweep, all its draws.
    const inner = ref.slice(bracket + 1, -1);
    const matches = (r: ConcreteRun) => {
      const label = Object.entries(r.point).map(([k, v]) => `${k}=${String(v)}`).join(',');
      return label === inner || (Object.keys(r.point).length === 1 && String(Object.values(r.point)[0]) === inner);
    };
    const found = this.expand(decl).filter((r) => Object.keys(r.point).length > 0 && matches(r));
    return found.length > 0 ? (decl.kind === 'Sweep' ? found.slice(0, 1) : found) : undefined;
  }

  /** True for `repeat … from <sweep>`. */
  private isRepeatOfSweep(decl: Decl): boolean {
    return decl.kind === 'Repeat' && this.program.decls.get(decl.from.name)?.decl.kind === 'Sweep';
  }

  /** The runs a figure's reference line pools: an experiment (one run) or a repeat of one (its draws). */
  private referenceRuns(name: string): ConcreteRun[] | undefined {
    const decl = this.program.decls.get(name)?.decl;
    return decl && (decl.kind === 'Experiment' || (decl.kind === 'Repeat' && !this.isRepeatOfSweep(decl))) ? this.expand(decl) : undefined;
  }

  /** A figure's `references { "label": name }`, in source order. */
  private figureReferences(decl: FigureDecl): { label: string; name: string; at: Location }[] {
    const refs = lookup(blockFromObject(decl.body, new DiagnosticBag()), ['references']);
    if (!refs || refs.kind !== 'block') return [];
    const out: { label: string; name: string; at: Location }[] = [];
    for (const [label, value] of refs.fields) {
      if (value.kind === 'leaf' && value.expr.kind === 'Ident') out.push({ label, name: value.expr.name, at: { node: value.expr } });
    }
    return out;
  }

  /** Decodes, checks and converts a dataset once per compilation. */
  private dataset(name: string, at: Location['node']): DatasetResult | null {
    if (this.datasets.has(name)) return this.datasets.get(name)!;
    const entry = this.program.decls.get(name);
    if (!entry || entry.decl.kind !== 'Dataset') {
      const known = [...this.program.decls.values()].filter((d) => d.decl.kind === 'Dataset').map((d) => d.decl.name.name);
      this.bag.report({ code: 'E014', name, suggestion: suggest(name, known) }, { node: at });
      this.datasets.set(name, null);
      return null;
    }
    const decl = entry.decl;
    const bag = new DiagnosticBag();
    const ctx: DecodeContext = { bag, locations: new Map(), rootAt: { node: decl.name } };
    const settings = decodeFields(datasetFields, blockFromObject(decl.body, bag), [], ctx);
    let result: DatasetResult | null = null;
    if (!bag.hasErrors) {
      const ir = buildDatasetIr(name, decl.title?.value ?? null, entry.file, settings, this.cwd);
      result = { ir, locations: ctx.locations, ok: true };
      runChecks('Dataset', { dataset: ir, report: (issue, path) => bag.report(issue, ctx.locations.get(path) ?? locateIn(ctx.locations, path, decl)) });
      if (bag.hasErrors) result = { ...result, ok: false };
    }
    this.bag.add(...bag.items);
    this.datasets.set(name, result);
    return result;
  }

  /** Type-checks a run, builds its IR draft and runs the domain rules on it. */
  private checkRun(run: ConcreteRun): { ir: RunIR; map: IrSourceMap } | undefined {
    const memo = this.options.memo;
    return memo ? memo.ofRun(run.name, run.config, this.program.decls, this.bag, () => this.checkRunNow(run)) : this.checkRunNow(run);
  }

  private checkRunNow(run: ConcreteRun): { ir: RunIR; map: IrSourceMap } | undefined {
    const bag = new DiagnosticBag();
    const ctx: DecodeContext = { bag, locations: new Map(), rootAt: { node: run.at } };
    const settings = decodeFields(experimentFields, run.config, [], ctx);
    this.bag.add(...bag.items);
    const datasetName = (settings.data as Settings | undefined)?.dataset as string | undefined;
    if (datasetName === undefined) return undefined;
    const dataset = this.dataset(datasetName, (ctx.locations.get('data.dataset') ?? { node: run.at }).node);
    if (bag.hasErrors || !dataset?.ok) return undefined;
    const ir = buildRunIr(run, settings, dataset.ir, this.cwd);
    const datasetDecl = this.program.decls.get(datasetName)!.decl;
    const map = new IrSourceMap(ctx.locations, dataset.locations, run.locations, { node: run.at }, { node: datasetDecl.name });
    runChecks('Run', { ir, report: (issue, path) => this.bag.report(issue, map.locate(path)) });
    return { ir, map };
  }

  private tableBody(decl: TableDecl): { settings: Settings; block: ConfigBlock; locations: Map<string, Location> } {
    const bag = new DiagnosticBag();
    const block = blockFromObject(decl.body, bag);
    const locations = new Map<string, Location>();
    const settings = decodeFields(tableFields, block, [], { bag, locations, rootAt: { node: decl.name } });
    this.bag.add(...bag.items);
    return { settings, block, locations };
  }

  private tableRows(decl: TableDecl): TableRowSource[] {
    const rows = lookup(blockFromObject(decl.body, new DiagnosticBag()), ['rows']);
    if (!rows || rows.kind !== 'block') return [];
    const out: TableRowSource[] = [];
    for (const [label, value] of rows.fields) {
      if (value.kind !== 'leaf') continue;
      const expr = value.expr;
      const ref = expr.kind === 'Ident' ? expr.name : expr.kind === 'String' ? expr.value : expr.kind === 'Index' && expr.index.kind === 'Number' ? `${expr.target.name}[${expr.index.text}]` : undefined;
      if (ref !== undefined) out.push({ label, labelKey: value.key, ref, refAt: { node: expr }, ...(value.contract ? { contract: value.contract } : {}) });
    }
    return out;
  }

  /** Type-checks a table and runs its rules; what `tableIr` needs later. */
  private checkTable(decl: TableDecl, drafts: Map<string, RunIR>) {
    const { settings, block, locations } = this.tableBody(decl);
    const rows = this.tableRows(decl);
    const rowRuns = rows.map((row) => this.runsOf(row.ref) ?? []);
    const firstRun = rowRuns.flat().map((r) => drafts.get(r.name)).find((r) => r !== undefined);
    const columns = (settings.columns ?? {}) as Settings;
    const modalities = (columns.modalities as string[] | undefined) ?? firstRun?.data.modalities ?? [];
    const classes = firstRun?.dataset.classes ?? [];
    const paper = lookup(block, ['paper']);
    const paperBlock = paper?.kind === 'block' ? paper : null;
    const knownRunNames = [...this.program.decls.values()].filter((d) => d.decl.kind === 'Experiment' || d.decl.kind === 'Repeat').map((d) => d.decl.name.name);
    runChecks('Table', {
      name: decl.name.name,
      rows,
      isKnownRun: (ref) => (this.runsOf(ref)?.length ?? 0) > 0,
      knownRunNames,
      modalities,
      classes,
      runModalities: [...new Set(rowRuns.flat().flatMap((r) => drafts.get(r.name)?.data.modalities ?? []))],
      columnModalities: ((columns.modalities as string[] | undefined) ?? []).map((name, i) => ({ name, at: locateIn(locations, `columns.modalities.${i}`, decl) })),
      paper: paperBlock,
      report: (issue, at) => this.bag.report(issue, at),
    });
    const paperOnly = paperBlock ? [...paperBlock.fields.keys()].filter((label) => !rows.some((r) => r.label === label)) : [];
    const contractRows = rows.map((row, i) => {
      const irs = rowRuns[i]!.map((r) => drafts.get(r.name));
      return { label: row.label, labelKey: row.labelKey, ...(row.contract ? { contract: row.contract } : {}), runs: irs.every((ir) => ir !== undefined) ? (irs as RunIR[]) : undefined };
    });
    this.checkedRows.set(decl.name.name, new Map(contractRows.map((r) => [r.label, r.runs])));
    checkRowContracts({
      table: decl.name.name,
      rows: contractRows,
      paperOnly,
      report: (issue, at) => this.bag.report(issue, at),
    });
    return { decl, settings, locations, rows, rowRuns, columns, modalities, classes, paperBlock };
  }

  private tableIr(checked: ReturnType<Compilation['checkTable']>, runs: Map<string, RunIR>): TableIR {
    const { decl, settings, locations, rows, rowRuns, columns, modalities, classes, paperBlock } = checked;
    const ir = buildTableIr(
      {
        name: decl.name.name,
        title: decl.title?.value ?? null,
        file: this.displayFile(decl),
        rows,
        rowRuns,
        metrics: (columns.metrics as TableIR['columns']['metrics'] | undefined) ?? ['dice', 'asd'],
        modalities,
        classes,
        mean: (columns.mean as boolean | undefined) ?? true,
        // A metric without a tolerance is never judged: absent, not null, in the IR.
        tolerance: Object.fromEntries(Object.entries((settings.tolerance as Record<string, number | null> | undefined) ?? {}).filter((e): e is [string, number] => e[1] !== null)),
        paper: paperBlock,
      },
      runs,
    );
    this.bag.add(...validateTableIr(ir, (path) => locateIn(locations, path.split('.')[0] ?? '', decl)));
    this.checkRowsDistinct(checked, (name) => runs.get(name)?.specHash ?? '');
    return ir;
  }

  /** E075: no two rows of a table train the same runs (`hashOf`: a run's spec hash, '' when unknown). */
  private checkRowsDistinct({ decl, rows, rowRuns }: ReturnType<Compilation['checkTable']>, hashOf: (run: string) => string): void {
    const hashed = rows.map((row, i) => ({ label: row.label, labelKey: row.labelKey, specHashes: rowRuns[i]!.map((r) => hashOf(r.name)) }));
    checkRowsDistinct(decl.name.name, hashed, (issue, at) => this.bag.report(issue, at));
  }

  /** A declaration's file relative to the working folder, `/`-separated. */
  private displayFile(decl: Decl): string {
    return posix(relative(this.cwd, resolve(this.program.decls.get(decl.name.name)!.file)));
  }

  /** The sweep a figure plots, or the repeat over a sweep (every point × every draw: error bars). */
  private figureSweep(decl: FigureDecl): Decl | undefined {
    const sweep = lookup(blockFromObject(decl.body, new DiagnosticBag()), ['sweep']);
    if (sweep?.kind !== 'leaf' || sweep.expr.kind !== 'Ident') return undefined;
    const found = this.program.decls.get(sweep.expr.name)?.decl;
    return found?.kind === 'Sweep' || (found && this.isRepeatOfSweep(found)) ? found : undefined;
  }

  /** How a figure's `sweep:` name reads when it is not a sweep (for E122), or undefined when nothing has that name. */
  private declKindText(name: string): string | undefined {
    const decl = this.program.decls.get(name)?.decl;
    if (!decl) return undefined;
    if (decl.kind === 'Repeat') return 'a repeat of an experiment';
    return { Experiment: 'an experiment', Dataset: 'a dataset', Table: 'a table', Figure: 'a figure', Sweep: 'a sweep', Launch: 'a launch block' }[decl.kind];
  }

  /** Type-checks a figure and runs its rules. */
  private checkFigure(decl: FigureDecl) {
    const bag = new DiagnosticBag();
    const locations = new Map<string, Location>();
    const settings = decodeFields(figureFields, blockFromObject(decl.body, bag), [], { bag, locations, rootAt: { node: decl.name } });
    this.bag.add(...bag.items);
    const sweepName = settings.sweep as string;
    const sweepDecl = this.figureSweep(decl);
    const points = sweepDecl ? this.expand(sweepDecl) : [];
    const references = this.figureReferences(decl);
    if (!bag.hasErrors) {
      runChecks('Figure', {
        name: decl.name.name,
        sweep: sweepName,
        sweepAt: locateIn(locations, 'sweep', decl),
        x: settings.x as string,
        xAt: locateIn(locations, 'x', decl),
        y: settings.y as string,
        yAt: locateIn(locations, 'y', decl),
        axes: sweepDecl ? [...new Set(points.flatMap((p) => Object.keys(p.point)))] : undefined,
        kind: this.declKindText(sweepName),
        sweepNames: [...this.program.decls.values()].filter((d) => d.decl.kind === 'Sweep' || this.isRepeatOfSweep(d.decl)).map((d) => d.decl.name.name),
        references: references.map((r) => ({ name: r.name, at: r.at, known: this.referenceRuns(r.name) !== undefined })),
        referenceNames: [...this.program.decls.values()].filter((d) => d.decl.kind === 'Experiment' || (d.decl.kind === 'Repeat' && !this.isRepeatOfSweep(d.decl))).map((d) => d.decl.name.name),
        report: (issue, at) => this.bag.report(issue, at),
      });
    }
    return { decl, settings, sweepName, points, references };
  }

  private figureIr(checked: ReturnType<Compilation['checkFigure']>, runs: Map<string, RunIR>): FigureIR {
    const { decl, settings, sweepName, points, references } = checked;
    const figure = { name: decl.name.name, title: decl.title?.value ?? null, file: this.displayFile(decl), sweep: sweepName, x: settings.x as string, y: settings.y as string };
    const lines = references.map((r) => ({ label: r.label, ref: r.name, runs: this.referenceRuns(r.name) ?? [] }));
    return buildFigureIr(figure, points, lines, runs);
  }
}

function locateIn(locations: Map<string, Location>, path: string, decl: Decl): Location {
  return locations.get(path) ?? { node: decl.name };
}

/**
 * Compiles one file: its runs, tables and figures as IR, or diagnostics. Never throws on
 * user mistakes; a missing file is an E010 diagnostic.
 */
export function compileFile(path: string, options: CompileOptions = {}): CompileResult {
  return new Compilation(path, options, options.cwd ?? process.cwd()).run();
}

export interface CheckResult {
  /** Files checked (after walking folders). */
  files: string[];
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export { collectSourceFiles };

/**
 * Checks every file under `paths` (each compiled as an entry, imports parsed once),
 * returning all diagnostics deduplicated and sorted.
 */
export function checkFiles(paths: readonly string[], options: Omit<CompileOptions, 'only'> = {}): CheckResult {
  const files = collectSourceFiles(paths);
  const shared = { ...options, cache: options.cache ?? new SourceCache(), memo: options.memo ?? new CompileMemo() };
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    const result = checkFile(file, shared);
    diagnostics.push(...result.diagnostics);
    for (const [f, text] of result.sources) sources.set(f, text);
  }
  return { files, diagnostics: dedupe(diagnostics), sources };
}

/**
 * Checks one file as `checkFiles` does: its diagnostics (E016 when it is no source file,
 * E131 when checking it hit a bug) and the text of every file it read.
 */
export function checkFile(file: string, options: Omit<CompileOptions, 'only'> = {}): { diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const span = { file, start: { offset: 0, line: 0, column: 0 }, end: { offset: 0, line: 0, column: 0 } };
  if (!isSourceFile(file)) {
    const bag = new DiagnosticBag();
    bag.report({ code: 'E016', file }, span);
    return { diagnostics: bag.items, sources: new Map() };
  }
  try {
    const result = compileFile(file, options);
    return { diagnostics: result.diagnostics, sources: result.sources };
  } catch (error) {
    // A bug the file triggers is that file's diagnostic: the other files are still checked.
    return { diagnostics: [diagnostic({ code: 'E131', file, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, span)], sources: new Map() };
  }
}

