/**
 * Resolution and expansion: extends chains merge deep, sweeps expand as grid (cross
 * product, first axis slowest) or zip, ranges are inclusive, repeats draw with seed + i,
 * `-s` overrides are one more layer checked like file values.
 */
import { describe, expect, it } from 'vitest';
import { BASE, compileMarked, DATASET, where } from './fixtures.ts';

const compile = (text: string, options = {}) => compileMarked({ 'main.abl': DATASET + BASE + text }, options);

describe('extends', () => {
  it('chains merge deep: a grandchild keeps what it does not override', () => {
    const { result } = compile(`
experiment mid extends base { model.eam.heads: 4, loss.icr { tau: 2 } }
experiment leaf extends mid { loss.icr: 0.3 }
`);
    expect(result.diagnostics).toEqual([]);
    const leaf = result.runs.find((r) => r.name === 'leaf')!;
    expect(leaf.model.eam).toEqual({ stages: [1, 2, 3], heads: 4 });
    expect(leaf.loss.icr).toEqual({ weight: 0.3, tau: 2 });
    expect(leaf.train.optimizer.kind).toBe('adamw');
  });

  it('a different kind replaces the whole block (no options leak from sgd into adamw)', () => {
    const { result } = compile(`experiment s extends base { train.optimizer: sgd { lr: 0.05 } }\n`);
    const s = result.runs.find((r) => r.name === 's')!;
    expect(s.train.optimizer).toEqual({ kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 1e-4 });
  });
});

describe('sweeps', () => {
  it('grid: cross product in source order, fixed entries on every point', () => {
    const { result } = compile(`
sweep s from base {
  loss.mcr: 0
  loss.icr.tau in 1..3
  train.seed in [7, 8]
}
`);
    expect(result.diagnostics).toEqual([]);
    const points = result.runs.filter((r) => r.origin.group?.name === 's');
    expect(points.map((p) => p.name)).toEqual([
      's[loss.icr.tau=1,train.seed=7]',
      's[loss.icr.tau=1,train.seed=8]',
      's[loss.icr.tau=2,train.seed=7]',
      's[loss.icr.tau=2,train.seed=8]',
      's[loss.icr.tau=3,train.seed=7]',
      's[loss.icr.tau=3,train.seed=8]',
    ]);
    expect(points.map((p) => [p.loss.icr?.tau, p.train.seed])).toEqual([[1, 7], [1, 8], [2, 7], [2, 8], [3, 7], [3, 8]]);
    expect(points.every((p) => p.loss.mcr === null)).toBe(true);
    expect(points[3]!.origin).toMatchObject({ group: { kind: 'sweep', name: 's', index: 3, count: 6 }, point: { 'loss.icr.tau': 2, 'train.seed': 8 } });
    expect(new Set(points.map((p) => p.specHash)).size).toBe(6);
  });

  it('zip: the i-th value of every axis together', () => {
    const { result } = compile(`
sweep zip z from base {
  data.crop in [32 x 32, 64 x 64]
  model.backbone.window in [2, 4]
}
`);
    expect(result.diagnostics).toEqual([]);
    const points = result.runs.filter((r) => r.origin.group?.name === 'z');
    expect(points.map((p) => [p.data.crop, p.model.backbone.window])).toEqual([[[32, 32], [2, 2]], [[64, 64], [4, 4]]]);
    expect(points[0]!.name).toBe('z[data.crop=32 x 32,model.backbone.window=2]');
  });

  it('a sweep point is checked like any run: a bad value points at the axis value', () => {
    const { result, dir, mark } = compileMarked({ 'main.abl': `${DATASET}${BASE}sweep s from base { loss.icr.tau in [1, «0] }\n` });
    expect(result.diagnostics.map((d) => [d.code, where(d, dir)])).toEqual([['E062', `main.abl:${mark!.line}:${mark!.column}`]]);
  });
});

describe('repeats', () => {
  it('draw i samples with seed + i; every draw carries the group and pooling', () => {
    const { result } = compile(`repeat r from base { times: 3, sample { mri: 8 }, seed: 10, pool: true }\n`);
    expect(result.diagnostics).toEqual([]);
    const draws = result.runs.filter((r) => r.repeat);
    expect(draws.map((d) => d.name)).toEqual(['r#0', 'r#1', 'r#2']);
    expect(draws.map((d) => d.data.sample)).toEqual([
      { cases: { mri: 8 }, seed: 10 },
      { cases: { mri: 8 }, seed: 11 },
      { cases: { mri: 8 }, seed: 12 },
    ]);
    expect(draws[1]!.repeat).toEqual({ group: 'r', index: 1, count: 3, pool: true });
    expect(new Set(draws.map((d) => d.specHash)).size).toBe(3);
  });

  it('a repeat that samples nothing still gives each draw its own seed (its own split) and hash', () => {
    const { result } = compile(`repeat r from base { times: 2 }\n`);
    expect(result.diagnostics).toEqual([]);
    const draws = result.runs.filter((r) => r.repeat);
    expect(draws.map((d) => d.data.sample)).toEqual([{ cases: {}, seed: 0 }, { cases: {}, seed: 1 }]);
    expect(draws[0]!.specHash).not.toBe(draws[1]!.specHash);
  });

  it('repeat … from <sweep>: every point × every draw, named per point, one group', () => {
    const { result } = compile(`sweep tau from base { loss.mcr: 0, loss.icr.tau in [2, 4] }
repeat tau_x3 from tau { times: 3, sample { mri: 6 }, seed: 5 }
table t { rows { "τ = 4, pooled": tau_x3[4] } }
`);
    expect(result.diagnostics).toEqual([]);
    const draws = result.runs.filter((r) => r.origin.group?.name === 'tau_x3');
    expect(draws.map((d) => d.name)).toEqual([
      'tau_x3[loss.icr.tau=2]#0', 'tau_x3[loss.icr.tau=2]#1', 'tau_x3[loss.icr.tau=2]#2',
      'tau_x3[loss.icr.tau=4]#0', 'tau_x3[loss.icr.tau=4]#1', 'tau_x3[loss.icr.tau=4]#2',
    ]);
    expect(draws.map((d) => [d.loss.icr?.tau, d.loss.mcr, d.data.sample?.seed])).toEqual([[2, null, 5], [2, null, 6], [2, null, 7], [4, null, 5], [4, null, 6], [4, null, 7]]);
    expect(draws[4]!.origin).toMatchObject({ group: { kind: 'repeat', name: 'tau_x3', index: 4, count: 6 }, point: { 'loss.icr.tau': 4 } });
    expect(draws[4]!.repeat).toEqual({ group: 'tau_x3', index: 1, count: 3, pool: false });
    expect(new Set(draws.map((d) => d.specHash)).size).toBe(6);
    expect(result.tables[0]!.rows.map((r) => [r.kind, r.runs])).toEqual([['repeat', ['tau_x3[loss.icr.tau=4]#0', 'tau_x3[loss.icr.tau=4]#1', 'tau_x3[loss.icr.tau=4]#2']]]);
  });

  it('a figure over a repeat of a sweep has one point per draw, and reference lines pool their runs', () => {
    const { result } = compile(`sweep tau from base { loss.icr.tau in [2, 4] }
repeat tau_x2 from tau { times: 2 }
repeat base_x2 from base { times: 2 }
figure f { sweep: tau_x2, x: loss.icr.tau, references { "Base": base_x2, "One run": base } }
`);
    expect(result.diagnostics).toEqual([]);
    const hash = new Map(result.runs.map((r) => [r.name, r.specHash]));
    const f = result.figures[0]!;
    expect(f.points.map((p) => [p.run, p.x, p.draw])).toEqual([
      ['tau_x2[loss.icr.tau=2]#0', 2, 0], ['tau_x2[loss.icr.tau=2]#1', 2, 1], ['tau_x2[loss.icr.tau=4]#0', 4, 0], ['tau_x2[loss.icr.tau=4]#1', 4, 1],
    ]);
    expect(f.references).toEqual([
      { label: 'Base', ref: 'base_x2', runs: ['base_x2#0', 'base_x2#1'], specHashes: [hash.get('base_x2#0'), hash.get('base_x2#1')] },
      { label: 'One run', ref: 'base', runs: ['base'], specHashes: [hash.get('base')] },
    ]);
  });

  it('a repeat of a repeat is E120 at the base name; an unknown base is E013 with sweeps among the suggestions', () => {
    const a = compileMarked({ 'main.abl': `${DATASET}${BASE}repeat r from base { times: 2 }\nrepeat rr from «r { times: 2 }\n` });
    expect(a.result.diagnostics.map((d) => [d.code, where(d, a.dir), d.message])).toEqual([
      ['E120', `main.abl:${a.mark!.line}:${a.mark!.column}`, 'repeat `rr` draws from `r`, which is a repeat; a repeat draws from an experiment or a sweep'],
    ]);
    const b = compileMarked({ 'main.abl': `${DATASET}${BASE}sweep taus from base { loss.icr.tau in [2, 4] }\nrepeat r from «tau { times: 2 }\n` });
    expect(b.result.diagnostics.map((d) => [d.code, where(d, b.dir), d.hint])).toEqual([['E013', `main.abl:${b.mark!.line}:${b.mark!.column}`, 'did you mean `taus`?']]);
  });

  it('a figure over a repeat of an experiment is E122; an unknown reference is E123', () => {
    const a = compileMarked({ 'main.abl': `${DATASET}${BASE}repeat r from base { times: 2 }\nfigure f { sweep: «r, x: loss.icr.tau }\n` });
    expect(a.result.diagnostics.map((d) => [d.code, where(d, a.dir), d.message])).toEqual([
      ['E122', `main.abl:${a.mark!.line}:${a.mark!.column}`, 'figure `f` plots `r`, which is a repeat of an experiment; a figure plots a sweep or a repeat over a sweep'],
    ]);
    const b = compileMarked({ 'main.abl': `${DATASET}${BASE}sweep tau from base { loss.icr.tau in [2, 4] }\nfigure f { sweep: tau, x: loss.icr.tau, references { "B": «bsae } }\n` });
    expect(b.result.diagnostics.map((d) => [d.code, where(d, b.dir), d.hint])).toEqual([['E123', `main.abl:${b.mark!.line}:${b.mark!.column}`, 'did you mean `base`?']]);
  });
});

describe('-s overrides', () => {
  it('apply to every run, on top of the file', () => {
    const { result } = compile('', { overrides: ['loss.icr.tau=2', 'train.optimizer=sgd { lr: 0.01 }'] });
    expect(result.diagnostics).toEqual([]);
    expect(result.runs[0]!.loss.icr).toEqual({ weight: 0.1, tau: 2 });
    expect(result.runs[0]!.train.optimizer).toMatchObject({ kind: 'sgd', lr: 0.01 });
  });

  it('are checked like file values; errors point into the command line', () => {
    const { result } = compile('', { overrides: ['train.epochs=3', 'loss.icr.tua=2', 'loss.icr.tau=-1'] });
    const text = result.sources.get('<command line>')!;
    expect(text).toBe('-s train.epochs=3 -s loss.icr.tua=2 -s loss.icr.tau=-1');
    const found = result.diagnostics.map((d) => [d.code, d.span.file, d.span.start.column, text.slice(d.span.start.offset, d.span.end.offset)]);
    expect(found).toEqual([['E030', '<command line>', 30, 'tua']]);
    expect(result.diagnostics[0]!.hint).toBe('did you mean `tau`?');
  });

  it('a domain error from an override points at its value', () => {
    const { result } = compile('', { overrides: ['loss.icr.tau=-1'] });
    const text = result.sources.get('<command line>')!;
    expect(result.diagnostics.map((d) => [d.code, text.slice(d.span.start.offset, d.span.end.offset)])).toEqual([['E062', '-1']]);
  });

  it('a syntax error in an override value is reported there', () => {
    const { result } = compile('', { overrides: ['train.epochs=3 4'] });
    const text = result.sources.get('<command line>')!;
    expect(result.diagnostics.map((d) => [d.code, d.span.file, d.span.start.column])).toEqual([['E002', '<command line>', text.indexOf('4')]]);
  });
});

describe('-e NAME', () => {
  it('compiles only that declaration', () => {
    const { result } = compile(`experiment other extends base { train.epochs: 5 }\n`, { only: 'other' });
    expect(result.runs.map((r) => r.name)).toEqual(['other']);
  });
});

describe('tables and figures over sweeps', () => {
  it('a table row may name a sweep point as sweep[value]; a figure plots every point', () => {
    const { result } = compile(`sweep tau from base { loss.icr.tau in 1..3 }
table t { rows { "τ = 2": tau[2], "Base": base } }
figure f "τ" { sweep: tau, x: loss.icr.tau, y: dice.mean }
`);
    expect(result.diagnostics).toEqual([]);
    const hash = new Map(result.runs.map((r) => [r.name, r.specHash]));
    expect(result.tables[0]!.rows.map((r) => [r.label, r.kind, r.runs])).toEqual([
      ['τ = 2', 'sweep-point', ['tau[loss.icr.tau=2]']],
      ['Base', 'experiment', ['base']],
    ]);
    expect(result.figures[0]).toEqual({
      irVersion: 1,
      name: 'f',
      title: 'τ',
      file: 'main.abl',
      sweep: 'tau',
      x: 'loss.icr.tau',
      y: 'dice.mean',
      points: [1, 2, 3].map((x) => ({ run: `tau[loss.icr.tau=${x}]`, x, draw: null, specHash: hash.get(`tau[loss.icr.tau=${x}]`) })),
      references: [],
    });
  });

  it('a sweep point that does not exist is an unknown run', () => {
    const { result } = compile(`sweep tau from base { loss.icr.tau in 1..3 }\ntable t { rows { "τ = 9": tau[9] } }\n`);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([['E065', 'table `t` names unknown run `tau[9]`']]);
  });
});
