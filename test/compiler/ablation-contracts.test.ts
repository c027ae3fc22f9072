/**
 * Ablation contracts: `"Row": run differs [paths] from "Other row"`. The two rows' Run IRs
 * must differ in every named path and in nothing else; repeats are compared draw by
 * draw. Diagnostics are asserted with their code, message and line:col (`«` marks where
 * each must start); the paper specs state contracts that hold.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { diffRunIrs } from '../../compiler/diff-ir.ts';
import { resolveIrPath } from '../../compiler/ir-paths.ts';
import { parse } from '../../dsl/parse.ts';
import { formatText } from '../../dsl/format.ts';
import { compileMarked, DATASET, BASE, where } from './fixtures.ts';

/** BASE (Joint V3 + L_aux + L_mcr + L_icr), variants of it, and a table whose rows block is `rows`. */
const spec = (rows: string, extra = '') =>
  `${DATASET}${BASE}experiment no_mcr extends base { loss.mcr: none }
experiment no_icr extends base { loss.icr: none }
experiment no_cr extends base {
  loss.mcr: none
  loss.icr: none
}
${extra}table t {
  rows {
${rows}
  }
  columns { metrics: [dice], modalities: [ct, mri] }
}
`;

const compile = (text: string) => compileMarked({ 'main.abl': text });
const codes = (r: ReturnType<typeof compile>) => r.result.diagnostics.map((d) => `${d.code} ${where(d, r.dir)}`);

describe('ablation contracts', () => {
  it('passes when the rows differ in exactly the named paths (prefixes cover what is inside them)', () => {
    const r = compile(
      spec(`    "No CR": no_cr
    "+ L_mcr": no_icr differs [loss.mcr] from "No CR"
    "+ L_icr": no_mcr differs [loss.icr] from "No CR"
    "Ours": base differs [loss.mcr, loss.icr] from "No CR"`),
    );
    expect(r.result.diagnostics).toEqual([]);
    expect(r.result.tables).toHaveLength(1);
    // Independent reference: the differences the contracts name are exactly what the IR differ finds.
    const ir = (name: string) => r.result.runs.find((run) => run.name === name)!;
    expect(diffRunIrs(ir('no_cr'), ir('base')).map((d) => d.path)).toEqual(['loss.icr', 'loss.mcr']);
  });

  it('the Table IR carries each contract (paths in IR spelling) for reports to pair rows by', () => {
    const r = compile(spec(`    "No CR": no_cr\n    "Keep Q": keep_q differs [model.keep_query_at_inference] from "No CR"`, 'experiment keep_q extends no_cr { model.keep_query_at_inference: true }\n'));
    expect(r.result.diagnostics).toEqual([]);
    const rows = r.result.tables[0]!.rows;
    expect(rows.map((row) => row.contract ?? null)).toEqual([null, { from: 'No CR', paths: ['model.keepQueryAtInference'] }]);
  });

  it('a row that also changes a path it does not name is E076 at the row, listing each path with both values', () => {
    const r = compile(spec(`    "No CR": no_cr\n    «"+ L_mcr": more differs [loss.mcr] from "No CR"`, 'experiment more extends no_cr {\n  loss.mcr: 0.1\n  train.epochs: 3\n  model.joint: v2\n}\n'));
    expect(codes(r)).toEqual([`E076 ${r.mark!.file}:${r.mark!.line}:${r.mark!.column}`]);
    const d = r.result.diagnostics[0]!;
    expect(d.message).toBe(
      'row `+ L_mcr` of table `t` also differs from `No CR` in what its contract does not name: `model.joint` (No CR: "v3", + L_mcr: "v2"); `train.epochs` (No CR: 2, + L_mcr: 3)',
    );
    expect(d.hint).toMatch(/^name the paths in `differs \[\.\.\.\]`/);
    expect(d.issue).toMatchObject({ code: 'E076', differences: [{ path: 'model.joint', reference: 'v3', row: 'v2' }, { path: 'train.epochs', reference: 2, row: 3 }] });
  });

  it('a table with a contract error and two rows that train the same runs reports E076 and E075 at once', () => {
    const extra = 'experiment more extends no_cr {\n  loss.mcr: 0.1\n  train.epochs: 3\n}\nexperiment same_as_no_cr extends no_cr { }\n';
    const text = spec(`    "No CR": no_cr\n    «"+ L_mcr": more differs [loss.mcr] from "No CR"\n    "No CR again": same_as_no_cr`, extra);
    const r = compile(text);
    // The duplicate row's label, found in the text alone: the line after the marked one, past its indent.
    const again = text.replace('«', '').split('\n').findIndex((l) => l.includes('"No CR again"'));
    expect(again).toBe(r.mark!.line);
    expect(codes(r).sort()).toEqual([`E075 main.abl:${again + 1}:5`, `E076 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    const e075 = r.result.diagnostics.find((d) => d.code === 'E075')!;
    expect(e075.message).toBe('row `No CR again` of table `t` trains the same runs as row `No CR` (same spec hash)');
    // The hash it names is the finished IR's: the same file without the contract error emits it.
    const clean = compile(text.replace(' differs [loss.mcr] from "No CR"', ' differs [loss.mcr, train.epochs] from "No CR"'));
    expect(codes(clean)).toEqual([`E075 main.abl:${again + 1}:5`]);
    // `r` stops before the runs are finished (E075 from the checked IRs' hashes), `clean` after (from the finished IRs'): the same hash either way.
    expect(clean.result.phase).toBeGreaterThan(r.result.phase);
    const noDuplicate = compile(text.replace('\n    "No CR again": same_as_no_cr', '').replace(' differs [loss.mcr] from "No CR"', ' differs [loss.mcr, train.epochs] from "No CR"'));
    expect(noDuplicate.result.diagnostics).toEqual([]);
    const hash = noDuplicate.result.runs.find((run) => run.name === 'no_cr')!.specHash;
    expect(e075.issue).toMatchObject({ code: 'E075', row: 'No CR again', same: 'No CR', specHash: hash.slice(0, 12) });
    expect((clean.result.diagnostics[0]!.issue as { specHash: string }).specHash).toBe(hash.slice(0, 12));
  });

  it('a named path that does not differ is E077 at that path', () => {
    const r = compile(spec(`    "No CR": no_cr\n    "+ L_mcr": no_icr differs [loss.mcr, «model.joint] from "No CR"`));
    expect(codes(r)).toEqual([`E077 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect(r.result.diagnostics[0]!.message).toBe('row `+ L_mcr` of table `t` says it differs from `No CR` in `model.joint`, but both have "v3"');
  });

  it('the "w/o L_mcr" row of the issue (changes three other things, not L_mcr) gives E076 and E077', () => {
    const r = compile(
      spec(`    "Ours": base\n    «"w/o L_mcr": wrong differs [loss.mcr] from "Ours"`, 'experiment wrong extends base {\n  train.epochs: 3\n  train.batch: 4\n  model.eam.heads: 4\n}\n'),
    );
    expect(codes(r)).toEqual([`E076 main.abl:${r.mark!.line}:${r.mark!.column}`, `E077 main.abl:${r.mark!.line}:${r.mark!.column + '"w/o L_mcr": wrong differs ['.length}`]);
    expect(r.result.diagnostics[0]!.message).toContain('`model.eam.heads` (Ours: 2, w/o L_mcr: 4); `train.batch` (Ours: 2, w/o L_mcr: 4); `train.epochs` (Ours: 2, w/o L_mcr: 3)');
  });

  it('naming a path inside a block that was switched on does not cover the rest of the block', () => {
    // `loss.icr` goes from null to { weight, tau }: naming only `loss.icr.tau` leaves the weight unnamed.
    const r = compile(spec(`    "No CR": no_icr\n    «"Ours": base differs [loss.icr.tau] from "No CR"`));
    expect(codes(r)).toEqual([`E076 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect(r.result.diagnostics[0]!.message).toContain('`loss.icr` (No CR: null, Ours: {"weight":0.1,"tau":4})');
  });

  it('an unknown reference row is E078 with a suggestion; a paper-only row is named as such', () => {
    const r = compile(spec(`    "No CR": no_cr\n    "Ours": base differs [loss.mcr, loss.icr] from «"No Cr"`));
    expect(codes(r)).toEqual([`E078 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect(r.result.diagnostics[0]!.hint).toBe('did you mean `No CR`?');
    const paper = compile(
      spec(`    "Ours": base differs [loss.mcr] from «"UMMKD"`).replace('  columns {', '  paper { "UMMKD" { ct { dice { LVM: 90.0 } } } }\n  columns {'),
    );
    expect(codes(paper)).toEqual([`E078 main.abl:${paper.mark!.line}:${paper.mark!.column}`]);
    expect(paper.result.diagnostics[0]!.message).toBe('row `Ours` of table `t` is compared with `UMMKD`, which is a paper-only row (it names no run)');
  });

  it('a path that is not in the Run IR is E079 with a suggestion; language spellings and list indices resolve', () => {
    const r = compile(spec(`    "No CR": no_cr\n    "Ours": base differs [«loss.mrc, loss.icr] from "No CR"`));
    expect(codes(r)).toEqual([`E079 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect(r.result.diagnostics[0]!.hint).toBe('did you mean `loss.mcr`?');
    expect(resolveIrPath(['model', 'backbone', 'decoder_depths', '2'])).toBe('model.backbone.decoderDepths.2');
    expect(resolveIrPath(['data', 'split', 'annotated', 'mri'])).toBe('data.split.annotated.mri');
    expect(resolveIrPath(['loss', 'icr', 'tau'])).toBe('loss.icr.tau');
    expect(resolveIrPath(['train', 'optimizer', 'beta1'])).toBe('train.optimizer.beta1'); // adamw's branch of a oneOf
    expect(resolveIrPath(['loss', 'mcr', 'tau'])).toBeUndefined();
  });

  it('repeats are compared draw by draw: equal seeds pass, other seeds are a difference to name', () => {
    const repeats = (seedB: number) =>
      `repeat a_x2 from no_mcr { times: 2, sample { mri: 8 }, seed: 0 }\nrepeat b_x2 from base { times: 2, sample { mri: 8 }, seed: ${seedB} }\n`;
    const same = compile(spec(`    "A": a_x2\n    "B": b_x2 differs [loss.mcr] from "A"`, repeats(0)));
    expect(same.result.diagnostics).toEqual([]);
    const other = compile(spec(`    "A": a_x2\n    «"B": b_x2 differs [loss.mcr] from "A"`, repeats(5)));
    expect(codes(other)).toEqual([`E076 main.abl:${other.mark!.line}:${other.mark!.column}`]);
    expect(other.result.diagnostics[0]!.message).toContain('`data.sample.seed` (A: 0, B: 5)');
    const named = compile(spec(`    "A": a_x2\n    "B": b_x2 differs [loss.mcr, data.sample.seed] from "A"`, repeats(5)));
    expect(named.result.diagnostics).toEqual([]);
  });

  it('a row of one run against a repeat differs in `repeat` and `data.sample`', () => {
    const r = compile(spec(`    "A": base\n    «"B": b_x2 differs [loss.mcr] from "A"`, 'repeat b_x2 from no_mcr { times: 2, sample { mri: 8 } }\n'));
    expect(codes(r)).toEqual([`E076 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect((r.result.diagnostics[0]!.issue as { differences: { path: string }[] }).differences.map((d) => d.path)).toEqual(['data.sample', 'repeat']);
  });

  it('differs … from outside a table row is E126', () => {
    const r = compile(spec(`    "A": base`) + 'figure f { sweep: s, x: loss.icr.tau, references { "A": base «differs [loss.mcr] from "A" } }\n');
    expect(codes(r)[0]).toBe(`E126 main.abl:${r.mark!.line}:${r.mark!.column}`);
    expect(r.result.diagnostics[0]!.message).toBe('`differs … from` is a table row\'s contract, but this entry is in a figure');
  });

  it('a contract cut short is a syntax error at the token that does not fit', () => {
    const r = compile(spec(`    "No CR": no_cr\n    "Ours": base differs [loss.mcr]\n  «}`).replace(/\n  }\n  columns/, '\n  columns'));
    expect(codes(r)).toEqual([`E002 main.abl:${r.mark!.line}:${r.mark!.column}`]);
    expect(r.result.diagnostics[0]!.message).toBe("expected 'from' after ']' but found '}'");
  });

  it('the formatter writes a contract canonically and idempotently', () => {
    const text = 'table t {\n  rows {\n    "A": a\n    "B" : b   differs [ loss.mcr ,model.joint, ] from   "A"   // why\n    C: c differs [data.split.annotated] from A\n  }\n}\n';
    const once = formatText(text, 't.abl').formatted!;
    expect(once).toBe(
      'table t {\n  rows {\n    "A": a\n    "B": b differs [loss.mcr, model.joint] from "A" // why\n    C: c differs [data.split.annotated] from A\n  }\n}\n',
    );
    expect(formatText(once, 't.abl').formatted).toBe(once);
  });

  it('a YAML row { run, differs, from } is the same contract, located in the YAML file', () => {
    const yaml = `import: [main.abl]
tables:
  y:
    rows:
      "No CR": no_cr
      Ours: { run: base, differs: [«loss.mrc, loss.icr], from: "No CR" }
`;
    const r = compileMarked({ 'main.abl': spec('    "A": base'), 'y.yaml': yaml }, { entry: 'y.yaml' });
    expect(codes(r)).toEqual([`E079 y.yaml:${r.mark!.line}:${r.mark!.column}`]);
    const ok = compileMarked({ 'main.abl': spec('    "A": base'), 'y.yaml': yaml.replace('«loss.mrc', 'loss.mcr') }, { entry: 'y.yaml' });
    expect(ok.result.diagnostics).toEqual([]);
  });

  it('every paper table with more than one run row states contracts, and the specs check clean', () => {
    for (const table of ['table1', 'table2', 'table4', 'table5', 'table6', 'table7']) {
      const file = `experiments/paper/${table}.abl`;
      const { ast } = parse(readFileSync(file, 'utf8'), file);
      const body = ast.decls.find((d) => d.kind === 'Table')!.body;
      const rows = body.entries.find((e) => e.path[0]!.name === 'rows')!.value;
      if (rows.kind !== 'Object') throw new Error(`${file}: rows is not a block`);
      // Every row but the first (the reference everything is compared with) has a contract.
      expect(rows.entries.slice(1).every((e) => e.contract !== undefined), file).toBe(true);
      expect(compileFile(file).diagnostics, file).toEqual([]);
    }
  });
});
