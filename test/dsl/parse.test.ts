import { describe, expect, it } from 'vitest';
import type { Decl, Expr, SourceFile } from '../../dsl/ast.ts';
import { parse, parseOrThrow } from '../../dsl/parse.ts';
import { AblSyntaxError } from '../../dsl/syntax-error.ts';
import { bin, call, dims, entry, id, index, list, neg, num, obj, pm, range, str, stripSpans, type E } from './ast-builders.ts';

function ok(text: string): SourceFile {
  const { ast, diagnostics } = parse(text, 'test.abl');
  expect(diagnostics).toEqual([]);
  return ast;
}

/** The value of `v: <text>` inside an experiment. */
function value(text: string): E {
  const ast = ok(`experiment e { v: ${text} }`);
  return stripSpans(ast.decls[0]!.body.entries[0]!.value);
}

function body(text: string) {
  return stripSpans(ok(`experiment e {\n${text}\n}`).decls[0]!.body.entries);
}

describe('parse: literals', () => {
  it('reads numbers as written, with their value', () => {
    expect(value('4')).toEqual(num('4'));
    expect(value('0.05')).toEqual(num('0.05'));
    expect(value('1e-4')).toEqual({ kind: 'Number', value: 0.0001, text: '1e-4' });
    expect(value('2.5E+3')).toEqual({ kind: 'Number', value: 2500, text: '2.5E+3' });
  });

  it('reads units: 2%, 8 mm and 8mm', () => {
    expect(value('2%')).toEqual({ kind: 'Number', value: 2, unit: '%', text: '2' });
    expect(value('8 mm')).toEqual({ kind: 'Number', value: 8, unit: 'mm', text: '8' });
    expect(value('8mm')).toEqual({ kind: 'Number', value: 8, unit: 'mm', text: '8' });
  });

  it('reads dimensions with one unit for every item', () => {
    expect(value('256 x 256')).toEqual(dims(['256', '256']));
    expect(value('256x256')).toEqual(dims(['256', '256']));
    expect(value('1.5 x 1.5 x 8 mm')).toEqual(dims(['1.5', '1.5', '8'], 'mm'));
    expect(value('4 x 4 x 2')).toEqual(dims(['4', '4', '2']));
  });

  it('unescapes strings', () => {
    expect(value('"../data/mmwhs"')).toEqual(str('../data/mmwhs'));
    expect(value('"say \\"hi\\" \\\\ bye"')).toEqual(str('say "hi" \\ bye'));
    expect(value('"τ ± µ"')).toEqual(str('τ ± µ'));
  });

  it('reads mean ± std in both spellings', () => {
    expect(value('90.9 ± 1.2')).toEqual(pm(num('90.9'), num('1.2')));
    expect(value('90.9 +- 1.2')).toEqual(pm(num('90.9'), num('1.2')));
  });

  it('reads ranges, lists, calls and indexing', () => {
    expect(value('1..8')).toEqual(range(num('1'), num('8')));
    expect(value('[2, 2, 2, 2]')).toEqual(list(num('2'), num('2'), num('2'), num('2')));
    expect(value('[ct, mri,]')).toEqual(list(id('ct'), id('mri')));
    expect(value('[]')).toEqual(list());
    expect(value('poly(0.9)')).toEqual(call('poly', num('0.9')));
    expect(value('constant()')).toEqual(call('constant'));
    expect(value('decoder[1..3]')).toEqual(index('decoder', range(num('1'), num('3'))));
    expect(value('decoder[2]')).toEqual(index('decoder', num('2')));
  });

  it('reads dotted names as one identifier (a figure axis `loss.icr.tau`)', () => {
    expect(value('loss.icr.tau')).toEqual(id('loss.icr.tau'));
    expect(value('dice.mean')).toEqual(id('dice.mean'));
  });
});

describe('parse: arithmetic', () => {
  it('gives * precedence over + and associates to the left', () => {
    expect(value('0.4 * ce + 0.6 * dice')).toEqual(bin('+', bin('*', num('0.4'), id('ce')), bin('*', num('0.6'), id('dice'))));
    expect(value('a - b - c')).toEqual(bin('-', bin('-', id('a'), id('b')), id('c')));
    expect(value('a / b * c')).toEqual(bin('*', bin('/', id('a'), id('b')), id('c')));
  });

  it('leaves no node for parentheses', () => {
    expect(value('0.4 * (ce + dice)')).toEqual(bin('*', num('0.4'), bin('+', id('ce'), id('dice'))));
    expect(value('((ce))')).toEqual(id('ce'));
  });

  it('reads unary minus', () => {
    expect(value('-1')).toEqual(neg(num('1')));
    expect(value('-(a + b)')).toEqual(neg(bin('+', id('a'), id('b'))));
    expect(value('a + -1')).toEqual(bin('+', id('a'), neg(num('1'))));
    expect(value('-1..1')).toEqual(range(neg(num('1')), num('1')));
  });
});

describe('parse: blocks and entries', () => {
  it('reads dotted paths, nested blocks and values with options blocks', () => {
    expect(body('model.joint: v3')).toEqual([entry('model.joint', id('v3'))]);
    expect(body('intensity { clip_top: 2%, normalize: zscore }')).toEqual([
      entry('intensity', obj([entry('clip_top', num('2', '%')), entry('normalize', id('zscore'))])),
    ]);
    expect(body('optimizer: sgd { lr: 0.05, momentum: 0.9 }')).toEqual([
      entry('optimizer', obj([entry('lr', num('0.05')), entry('momentum', num('0.9'))], id('sgd'))),
    ]);
    expect(body('icr: 0.1 { tau: 4 }')).toEqual([entry('icr', obj([entry('tau', num('4'))], num('0.1')))]);
  });

  it('reads `key head { … }` the same as `key: head { … }`', () => {
    expect(body('data mmwhs { slices: 3 }')).toEqual(body('data: mmwhs { slices: 3 }'));
    expect(body('icr 0.1 { tau: 4 }')).toEqual(body('icr: 0.1 { tau: 4 }'));
    expect(body('a { b: 1 }')).toEqual(body('a: { b: 1 }'));
  });

  it('reads an `at` placement', () => {
    expect(body('model.eam at decoder[1..3] { heads: 8 }')).toEqual([
      entry('model.eam', obj([entry('heads', num('8'))], undefined, index('decoder', range(num('1'), num('3'))))),
    ]);
  });

  it('separates entries by newlines or commas', () => {
    const expected = [entry('a', num('1')), entry('b', num('2')), entry('c', num('3'))];
    expect(body('a: 1\nb: 2\nc: 3')).toEqual(expected);
    expect(body('a: 1, b: 2, c: 3,')).toEqual(expected);
    expect(body('a: 1 b: 2, c: 3')).toEqual(expected);
  });

  it('accepts keywords and quoted labels as keys', () => {
    expect(body('sweep: fig5_tau\nx: loss.icr.tau\ny: dice.mean')).toEqual([
      entry('sweep', id('fig5_tau')),
      entry('x', id('loss.icr.tau')),
      entry('y', id('dice.mean')),
    ]);
    expect(body('"Ours (w/ CR)": cardiac_ours')).toEqual([entry('"Ours (w/ CR)"', id('cardiac_ours'))]);
    expect(body('"Ours (w/ CR)" { overall { dice: 91.4 } }')).toEqual([
      entry('"Ours (w/ CR)"', obj([entry('overall', obj([entry('dice', num('91.4'))]))])),
    ]);
  });

  it('keeps an entry keyed `x` or `mm` after a number out of the number', () => {
    expect(body('y: 3\nx: 4\nz: 8\nmm: 2')).toEqual([
      entry('y', num('3')),
      entry('x', num('4')),
      entry('z', num('8')),
      entry('mm', num('2')),
    ]);
    expect(body('crop: 8 mm\nslices: 3')).toEqual([entry('crop', num('8', 'mm')), entry('slices', num('3'))]);
  });

  it('reads sweep axes', () => {
    expect(body('loss.icr.tau in 1..8\nmodel.joint in [v1, v2]')).toEqual([
      entry('loss.icr.tau', range(num('1'), num('8')), true),
      entry('model.joint', list(id('v1'), id('v2')), true),
    ]);
  });
});

describe('parse: declarations (SYNTAX.md examples)', () => {
  it('reads imports and datasets with titles', () => {
    const ast = ok(`import "../datasets.abl"
dataset mmwhs "MM-WHS 2017 (Zhuang et al., 2019)" {
  source: nifti { root: "../data/mmwhs" }        // relative to this file
  classes: [LVM, LAC, LVC, AA]
  modalities {
    ct  { images: "ct/images", label_values: [205, 420, 500, 820] }
  }
}
dataset phantom_cardiac {
  source: phantom { anatomy: cardiac, size: 96 x 96 x 24, seed: 7 }
  modalities { ct { cases: 12 }, mri { cases: 12 } }
}`);
    expect(stripSpans(ast.imports)).toEqual([{ kind: 'Import', path: str('../datasets.abl') }]);
    expect(stripSpans(ast.decls)).toEqual([
      {
        kind: 'Dataset',
        name: { kind: 'Name', name: 'mmwhs' },
        title: str('MM-WHS 2017 (Zhuang et al., 2019)'),
        body: obj([
          entry('source', obj([entry('root', str('../data/mmwhs'))], id('nifti'))),
          entry('classes', list(id('LVM'), id('LAC'), id('LVC'), id('AA'))),
          entry(
            'modalities',
            obj([
              entry(
                'ct',
                obj([
                  entry('images', str('ct/images')),
                  entry('label_values', list(num('205'), num('420'), num('500'), num('820'))),
                ]),
              ),
            ]),
          ),
        ]),
      },
      {
        kind: 'Dataset',
        name: { kind: 'Name', name: 'phantom_cardiac' },
        body: obj([
          entry(
            'source',
            obj([entry('anatomy', id('cardiac')), entry('size', dims(['96', '96', '24'])), entry('seed', num('7'))], id('phantom')),
          ),
          entry('modalities', obj([entry('ct', obj([entry('cases', num('12'))])), entry('mri', obj([entry('cases', num('12'))]))])),
        ]),
      },
    ]);
    expect(ast.comments.map((c) => [c.text, c.block])).toEqual([['// relative to this file', false]]);
  });

  it('reads experiments with and without extends', () => {
    const decls = stripSpans(ok('experiment a { }\nexperiment b extends a { loss.aux: 0.4 * (ce + dice) }').decls);
    expect(decls).toEqual([
      { kind: 'Experiment', name: { kind: 'Name', name: 'a' }, body: obj([]) },
      {
        kind: 'Experiment',
        name: { kind: 'Name', name: 'b' },
        extends: { kind: 'Name', name: 'a' },
        body: obj([entry('loss.aux', bin('*', num('0.4'), bin('+', id('ce'), id('dice'))))]),
      },
    ]);
  });

  it('reads sweeps (grid by default, zip before or after the name), repeats, tables and figures', () => {
    const decls = stripSpans(
      ok(`sweep fig5_tau from cardiac_ours { loss.icr.tau in 1..8 }
sweep grid g from a { }
sweep zip variants from cardiac_ours { }
sweep variants2 zip from cardiac_ours { }
repeat abdominal_ours_x5 from abdominal_ours { times: 5, sample { mri: 9 }, pool: true }
table table1 "Cardiac" { tolerance { dice: 2.0, asd: 0.5 } }
figure fig5 "The effect of temperature τ" { sweep: fig5_tau }`).decls,
    );
    const name = (n: string) => ({ kind: 'Name', name: n });
    expect(decls).toEqual([
      {
        kind: 'Sweep',
        name: name('fig5_tau'),
        mode: 'grid',
        from: name('cardiac_ours'),
        body: obj([entry('loss.icr.tau', range(num('1'), num('8')), true)]),
      },
      { kind: 'Sweep', name: name('g'), mode: 'grid', from: name('a'), body: obj([]) },
      { kind: 'Sweep', name: name('variants'), mode: 'zip', from: name('cardiac_ours'), body: obj([]) },
      { kind: 'Sweep', name: name('variants2'), mode: 'zip', from: name('cardiac_ours'), body: obj([]) },
      {
        kind: 'Repeat',
        name: name('abdominal_ours_x5'),
        from: name('abdominal_ours'),
        body: obj([entry('times', num('5')), entry('sample', obj([entry('mri', num('9'))])), entry('pool', id('true'))]),
      },
      {
        kind: 'Table',
        name: name('table1'),
        title: str('Cardiac'),
        body: obj([entry('tolerance', obj([entry('dice', num('2.0')), entry('asd', num('0.5'))]))]),
      },
      { kind: 'Figure', name: name('fig5'), title: str('The effect of temperature τ'), body: obj([entry('sweep', id('fig5_tau'))]) },
    ]);
  });

  it('keeps line and block comments, with their kind', () => {
    const ast = ok('// one\nexperiment a { /* two\n lines */ b: 1 } // three\n/**/');
    expect(ast.comments.map((c) => [c.text, c.block])).toEqual([
      ['// one', false],
      ['/* two\n lines */', true],
      ['// three', false],
      ['/**/', true],
    ]);
  });

  it('reads an empty file and a file of comments only', () => {
    expect(stripSpans(ok(''))).toEqual({ kind: 'File', path: 'test.abl', imports: [], decls: [], comments: [] });
    expect(ok('// nothing here\n').comments).toHaveLength(1);
  });
});

describe('parse: spans', () => {
  const text = [
    'import "a.abl"', //                           line 0
    'experiment cardiac_ours extends base {', //   line 1
    '  loss { seg: 0.4 * ce + 0.6 * dice }', //   line 2
    '  data.crop: 1.5 x 1.5 x 8 mm', //            line 3
    '  "Ours (w/ CR)": -(a)', //                   line 4
    '}', //                                        line 5
  ].join('\n');
  const ast = ok(text);
  const decl = ast.decls[0] as Extract<Decl, { kind: 'Experiment' }>;
  const at = (node: { span: { start: { line: number; column: number; offset: number }; end: { line: number; column: number; offset: number } } }) => [
    node.span.start.line,
    node.span.start.column,
    node.span.end.line,
    node.span.end.column,
  ];
  const slice = (node: { span: { start: { offset: number }; end: { offset: number } } }) =>
    text.slice(node.span.start.offset, node.span.end.offset);

  it('puts 0-based, end-exclusive spans on the file, imports and declarations', () => {
    expect(at(ast)).toEqual([0, 0, 5, 1]);
    expect(ast.span.file).toBe('test.abl');
    expect(at(ast.imports[0]!)).toEqual([0, 0, 0, 14]);
    expect(at(ast.imports[0]!.path)).toEqual([0, 7, 0, 14]);
    expect(at(decl)).toEqual([1, 0, 5, 1]);
    expect(at(decl.name)).toEqual([1, 11, 1, 23]);
    expect(at(decl.extends!)).toEqual([1, 32, 1, 36]);
    expect(at(decl.body)).toEqual([1, 37, 5, 1]);
  });

  it('puts spans on entries, keys and every expression node', () => {
    const loss = decl.body.entries[0]!;
    expect(at(loss)).toEqual([2, 2, 2, 37]);
    expect(at(loss.path[0]!)).toEqual([2, 2, 2, 6]);
    const seg = (loss.value as Extract<Expr, { kind: 'Object' }>).entries[0]!;
    expect(slice(seg)).toBe('seg: 0.4 * ce + 0.6 * dice');
    const sum = seg.value as Extract<Expr, { kind: 'Binary' }>;
    expect(slice(sum)).toBe('0.4 * ce + 0.6 * dice');
    expect(at(sum)).toEqual([2, 14, 2, 35]);
    expect(slice(sum.left)).toBe('0.4 * ce');
    expect(slice(sum.right)).toBe('0.6 * dice');
    expect(slice((sum.right as Extract<Expr, { kind: 'Binary' }>).right)).toBe('dice');

    const crop = decl.body.entries[1]!;
    expect(crop.path.map(slice)).toEqual(['data', 'crop']);
    const d = crop.value as Extract<Expr, { kind: 'Dims' }>;
    expect(slice(d)).toBe('1.5 x 1.5 x 8 mm');
    expect(d.items.map(slice)).toEqual(['1.5', '1.5', '8']);
    expect(at(d.items[2]!)).toEqual([3, 25, 3, 26]);

    const quoted = decl.body.entries[2]!;
    expect(at(quoted.path[0]!)).toEqual([4, 2, 4, 16]);
    expect(slice(quoted.value)).toBe('-(a)');
    expect(slice((quoted.value as Extract<Expr, { kind: 'Neg' }>).operand)).toBe('a');
  });

  it('spans a number with its unit, a call, an index and an object with its head', () => {
    const t = 'experiment e {\n  s: 8 mm\n  p: poly(0.9)\n  i: decoder[1..3]\n  o: sgd { lr: 1 }\n  m.eam at decoder[1] { heads: 8 }\n}';
    const entries = ok(t).decls[0]!.body.entries;
    const s = (n: { span: { start: { offset: number }; end: { offset: number } } }) => t.slice(n.span.start.offset, n.span.end.offset);
    expect(entries.map((e) => s(e.value))).toEqual(['8 mm', 'poly(0.9)', 'decoder[1..3]', 'sgd { lr: 1 }', 'at decoder[1] { heads: 8 }']);
    expect(s(entries[3]!)).toBe('o: sgd { lr: 1 }');
  });
});

describe('parse: spans with other line endings', () => {
  it('counts CRLF and lone CR as one line break each', () => {
    for (const eol of ['\r\n', '\r']) {
      const text = `experiment a {${eol}  b: 1${eol}${eol}  c: "x"${eol}}`;
      const [b, c] = ok(text).decls[0]!.body.entries;
      expect([b!.span.start, b!.span.end], JSON.stringify(eol)).toEqual([
        { line: 1, column: 2, offset: 16 + eol.length },
        { line: 1, column: 6, offset: 20 + eol.length },
      ]);
      expect(c!.value.span.start, JSON.stringify(eol)).toEqual({ line: 3, column: 5, offset: 25 + 3 * eol.length });
    }
  });
});

describe('parseOrThrow', () => {
  it('returns the tree of a valid file and throws a typed error listing the first problem otherwise', () => {
    expect(parseOrThrow('experiment a {}', 'a.abl').decls).toHaveLength(1);
    expect(() => parseOrThrow('experiment a {', 'a.abl')).toThrow(AblSyntaxError);
    expect(() => parseOrThrow('experiment a {', 'a.abl')).toThrow(/^a\.abl:1:15: expected '}'/);
  });
});
