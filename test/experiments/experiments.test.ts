/**
 * The checked-in experiment files: every `.abl` under `experiments/` parses without a
 * diagnostic and is already formatted (`ablate fmt --check`), and the paper numbers in
 * the table specs are consistent with each other.
 *
 * The consistency checks catch transcription slips without the paper at hand: the paper
 * prints the same run in several tables (Table 1 "Joint Training" is Table 5 "Joint V2";
 * Table 7 "Joint V3" is Table 6 "Joint V3"), so two rows that name the same run must carry
 * identical numbers; and the paper prints Dice with one decimal and ASD with two.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Expr, ObjectExpr, SourceFile, TableDecl } from '../../dsl/ast.ts';
import { checkFiles, compileFile } from '../../compiler/compile.ts';
import { format } from '../../dsl/format.ts';
import { parse } from '../../dsl/parse.ts';

const root = join(import.meta.dirname, '..', '..');
const experimentsDir = join(root, 'experiments');

function ablFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ablFiles(p);
    return e.name.endsWith('.abl') ? [p] : [];
  });
}

const files = ablFiles(experimentsDir).sort();
const parsed = new Map<string, SourceFile>();
for (const f of files) {
  const rel = relative(root, f);
  const { ast, diagnostics } = parse(readFileSync(f, 'utf8'), rel);
  parsed.set(rel, ast);
  if (diagnostics.length > 0) parsed.delete(rel);
}

describe('experiments/ parses', () => {
  it('finds the paper specs, datasets, quickstart and examples', () => {
    const names = files.map((f) => relative(experimentsDir, f));
    for (const expected of [
      'datasets.abl',
      'quickstart.abl',
      'paper/common.abl',
      'paper/table1.abl',
      'paper/table2.abl',
      'paper/table4.abl',
      'paper/table5.abl',
      'paper/table6.abl',
      'paper/table7.abl',
      'paper/fig5.abl',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it.each(files.map((f) => relative(root, f)))('%s has no syntax diagnostics', (rel) => {
    const { diagnostics } = parse(readFileSync(join(root, rel), 'utf8'), rel);
    expect(diagnostics.map((d) => `${d.code} ${d.span.start.line + 1}:${d.span.start.column + 1} ${d.message}`)).toEqual([]);
  });

  it.each(files.map((f) => relative(root, f)))('%s is laid out as the formatter writes it', (rel) => {
    const text = readFileSync(join(root, rel), 'utf8');
    expect(format(parse(text, rel).ast, text)).toBe(text);
  });
});

// ─── paper numbers ──────────────────────────────────────────────────────────

/** One printed cell: `ct.dice.LVM` → `90.9 ± 2.0` (text as written), `overall.asd` → `1.39`. */
type PaperRow = Map<string, string>;

function entriesOf(expr: Expr): ObjectExpr['entries'] {
  if (expr.kind !== 'Object') throw new Error(`expected a block, got ${expr.kind}`);
  return expr.entries;
}

function cellText(expr: Expr): string {
  if (expr.kind === 'Number') return expr.text;
  if (expr.kind === 'PlusMinus') return `${cellText(expr.mean)} ± ${cellText(expr.std)}`;
  throw new Error(`unexpected paper cell ${expr.kind}`);
}

function flatten(expr: Expr, prefix: string, out: PaperRow): PaperRow {
  if (expr.kind === 'Object') {
    for (const e of expr.entries) flatten(e.value, [prefix, ...e.path.map((k) => k.name)].filter(Boolean).join('.'), out);
  } else {
    out.set(prefix, cellText(expr));
  }
  return out;
}

interface TableRows {
  /** Row label → the run it names (experiment, sweep point or repeat). */
  runs: Map<string, string>;
  /** Row label → its paper numbers. */
  paper: Map<string, PaperRow>;
}

function tableRows(t: TableDecl): TableRows {
  const runs = new Map<string, string>();
  const paper = new Map<string, PaperRow>();
  for (const e of t.body.entries) {
    const key = e.path.map((k) => k.name).join('.');
    if (key === 'rows') {
      for (const r of entriesOf(e.value)) {
        if (r.value.kind !== 'Ident') throw new Error(`row ${r.path[0]?.name} names no run`);
        runs.set(r.path.map((k) => k.name).join('.'), r.value.name);
      }
    }
    if (key === 'paper') {
      for (const r of entriesOf(e.value)) paper.set(r.path.map((k) => k.name).join('.'), flatten(r.value, '', new Map()));
    }
  }
  return { runs, paper };
}

const tables = new Map<string, TableRows>();
for (const [rel, ast] of parsed) {
  for (const d of ast.decls) if (d.kind === 'Table') tables.set(`${rel}:${d.name.name}`, tableRows(d));
}

describe('paper numbers in the table specs', () => {
  it('has the six paper tables', () => {
    expect([...tables.keys()].map((k) => k.split(':')[1]).sort()).toEqual([
      'table1',
      'table2',
      'table4',
      'table5',
      'table6',
      'table7',
    ]);
  });

  it('gives every run row its paper numbers', () => {
    for (const [name, t] of tables) {
      for (const label of t.runs.keys()) expect(t.paper.has(label), `${name} "${label}"`).toBe(true);
    }
  });

  it('carries identical numbers wherever two tables print the same run', () => {
    const byRun = new Map<string, { where: string; row: PaperRow }[]>();
    for (const [name, t] of tables) {
      for (const [label, run] of t.runs) {
        const row = t.paper.get(label);
        if (row) byRun.set(run, [...(byRun.get(run) ?? []), { where: `${name} "${label}"`, row }]);
      }
    }
    let compared = 0;
    for (const [run, rows] of byRun) {
      for (const other of rows.slice(1)) {
        expect(Object.fromEntries(other.row), `${run}: ${other.where} vs ${rows[0]!.where}`).toEqual(
          Object.fromEntries(rows[0]!.row),
        );
        compared += 1;
      }
    }
    // Tables 1/4/5 share Backbone, Baseline, V2, V3 and Ours; Tables 2/6/7 share five rows too.
    expect(compared).toBeGreaterThanOrEqual(14);
  });

  it('prints Dice with one decimal and ASD with two, as the paper does', () => {
    for (const [name, t] of tables) {
      for (const [label, row] of t.paper) {
        for (const [path, text] of row) {
          // `ct.dice.LVM`, `overall.asd`: the metric is the second segment either way.
          const metric = path.split('.')[1];
          const decimals = metric === 'dice' ? 1 : 2;
          const pattern = new RegExp(`^\\d+\\.\\d{${decimals}}( ± \\d+\\.\\d{${decimals}})?$`);
          expect(text, `${name} "${label}" ${path}`).toMatch(pattern);
        }
      }
    }
  });

  it('gives each reported modality and metric four classes followed by the mean', () => {
    for (const [name, t] of tables) {
      for (const [label, row] of t.paper) {
        for (const mod of ['ct', 'mri']) {
          for (const metric of ['dice', 'asd']) {
            const keys = [...row.keys()].filter((k) => k.startsWith(`${mod}.${metric}.`));
            if (keys.length === 0) continue; // a cell the paper leaves as "-"
            expect(keys.length, `${name} "${label}" ${mod}.${metric}`).toBe(5);
            expect(keys[4], `${name} "${label}" ${mod}.${metric}`).toBe(`${mod}.${metric}.mean`);
          }
        }
      }
    }
  });
});

describe('experiments/ compiles', () => {
  it('checks without a diagnostic (`ablate check experiments/`)', () => {
    const { diagnostics } = checkFiles([relative(process.cwd(), experimentsDir) || '.']);
    expect(diagnostics.map((d) => `${d.span.file}:${d.span.start.line + 1} ${d.code} ${d.message}`)).toEqual([]);
  });

  it('gives the YAML document and the .abl file of the same experiment one spec hash', () => {
    const abl = compileFile(join(experimentsDir, 'examples', 'quick.abl'));
    const yaml = compileFile(join(experimentsDir, 'examples', 'quick.yaml'));
    expect(abl.diagnostics).toEqual([]);
    expect(yaml.diagnostics).toEqual([]);
    expect(abl.runs.map((r) => r.name)).toEqual(['quick_abl']);
    expect(yaml.runs.map((r) => r.name)).toEqual(['quick_yaml']);
    expect(yaml.runs[0]!.specHash).toBe(abl.runs[0]!.specHash);
  });

  // The paper's tables, counted from its layout: each printed row has 22 cells (4 classes
  // + mean, per modality, for Dice and ASD, + 2 overall means) less the cells it prints as
  // "-" (the ASD half, 11 cells, of the other methods' rows).
  it.each([
    ['table1', 7, 7 * 22 - 2 * 11, 5],
    ['table2', 6, 6 * 22 - 11, 5 * 5],
    ['table4', 6, 6 * 22, 6],
    ['table5', 8, 8 * 22, 8],
    ['table6', 8, 8 * 22, 8 * 5],
    ['table7', 4, 4 * 22, 4 * 5],
  ] as const)('%s compiles with %i paper rows, %i paper cells and %i runs', (name, rows, cells, runs) => {
    const result = compileFile(join(experimentsDir, 'paper', `${name}.abl`));
    expect(result.diagnostics).toEqual([]);
    const [table] = result.tables;
    expect(table?.name).toBe(name);
    expect(table!.paper).toHaveLength(rows);
    expect(table!.paper.reduce((n, row) => n + row.cells.length + row.overall.length, 0)).toBe(cells);
    expect(new Set(table!.rows.flatMap((r) => r.runs)).size).toBe(runs);
  });
});

// ─── datasets ───────────────────────────────────────────────────────────────

/** Class → stored label value per modality of a dataset declaration, read from the AST. */
function labelCoding(file: SourceFile, dataset: string): Record<string, Record<string, number>> {
  const decl = file.decls.find((d) => d.kind === 'Dataset' && d.name.name === dataset);
  if (!decl) throw new Error(`no dataset ${dataset}`);
  const entry = (entries: ObjectExpr['entries'], key: string) => entries.find((e) => e.path.map((k) => k.name).join('.') === key);
  const classesExpr = entry(decl.body.entries, 'classes')?.value;
  if (classesExpr?.kind !== 'List') throw new Error('classes is not a list');
  const classes = classesExpr.items.map((i) => (i.kind === 'Ident' ? i.name : '?'));
  const out: Record<string, Record<string, number>> = {};
  for (const m of entriesOf(entry(decl.body.entries, 'modalities')!.value)) {
    const values = entry(entriesOf(m.value), 'label_values')?.value;
    if (values?.kind !== 'List') throw new Error('label_values is not a list');
    out[m.path[0]!.name] = Object.fromEntries(classes.map((c, i) => [c, (values.items[i] as { value: number }).value]));
  }
  return out;
}

describe('datasets.abl label codings', () => {
  const datasets = parsed.get(join('experiments', 'datasets.abl'))!;
  // The datasets' own published codings (MM-WHS 2017, BTCV 13-organ labels, CHAOS MR PNG intensities).
  const mmwhs = { LVM: 205, LAC: 420, LVC: 500, AA: 820 };
  const btcv = { Liver: 6, Spleen: 1, RKdy: 2, LKdy: 3 };
  const chaos = { Liver: 63, Spleen: 252, RKdy: 126, LKdy: 189 };

  it('maps each class to its dataset label value', () => {
    expect(labelCoding(datasets, 'mmwhs')).toEqual({ ct: mmwhs, mri: mmwhs });
    expect(labelCoding(datasets, 'btcv')).toEqual({ ct: btcv });
    expect(labelCoding(datasets, 'chaos_t2spir')).toEqual({ mri: chaos });
    expect(labelCoding(datasets, 'abdominal')).toEqual({ ct: btcv, mri: chaos });
  });

  it("orders each task's classes as the paper's tables print their columns", () => {
    const classesOf = (name: string) => compileFile(join(experimentsDir, 'paper', `${name}.abl`)).tables[0]?.columns.classes;
    for (const t of ['table1', 'table4', 'table5']) expect(classesOf(t), t).toEqual(['LVM', 'LAC', 'LVC', 'AA']);
    for (const t of ['table2', 'table6', 'table7']) expect(classesOf(t), t).toEqual(['Liver', 'Spleen', 'RKdy', 'LKdy']);
  });
});
