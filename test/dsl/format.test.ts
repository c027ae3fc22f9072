import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Expr, SourceFile } from '../../dsl/ast.ts';
import { format, formatText, MAX_WIDTH } from '../../dsl/format.ts';
import { formatExpr } from '../../dsl/format-expr.ts';
import { parse, parseExpression } from '../../dsl/parse.ts';
import { ablLexer } from '../../dsl/tokens.ts';
import { stripSpans } from './ast-builders.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function fmt(text: string): string {
  const result = formatText(text, 'test.abl');
  expect(result.diagnostics).toEqual([]);
  return result.formatted!;
}

function treeOf(ast: SourceFile) {
  return stripSpans({ imports: ast.imports, decls: ast.decls });
}

/**
 * The formatter's guarantees on one source: the output parses without errors to the same
 * tree and the same comments, and formatting it again changes nothing.
 */
function expectRoundTrip(text: string, file = 'test.abl'): string {
  const first = parse(text, file);
  expect(first.diagnostics, file).toEqual([]);
  const once = format(first.ast, text);
  const second = parse(once, file);
  expect(second.diagnostics, `${file} after formatting`).toEqual([]);
  expect(treeOf(second.ast), file).toEqual(treeOf(first.ast));
  // Comments are kept, less any whitespace at the ends of their lines.
  const texts = (ast: SourceFile) => ast.comments.map((c) => c.text.replace(/[ \t]+(?=\r?\n|\r|$)/g, '').replace(/\r\n?/g, '\n')).sort();
  expect(texts(second.ast), file).toEqual(texts(first.ast));
  expect(format(second.ast, once), `${file} is idempotent`).toBe(once);
  return once;
}

describe('format: layout', () => {
  it('writes a declaration body one entry per line, small scalar blocks inline, and nested blocks on lines', () => {
    expect(
      fmt(`experiment   cardiac_backbone{data mmwhs{modalities:[ct,mri]
intensity{clip_top:2%,normalize:zscore}}
loss{seg:0.4*ce+0.6*dice}
train{epochs:150,optimizer:sgd{lr:0.05,momentum:0.9},schedule:poly(0.9)}}`),
    ).toBe(`experiment cardiac_backbone {
  data mmwhs {
    modalities: [ct, mri]
    intensity { clip_top: 2%, normalize: zscore }
  }
  loss { seg: 0.4 * ce + 0.6 * dice }
  train {
    epochs: 150
    optimizer: sgd { lr: 0.05, momentum: 0.9 }
    schedule: poly(0.9)
  }
}
`);
  });

  it('puts blocks of more than five entries on lines, and up to five inline', () => {
    expect(fmt('experiment e { a { b: 1, c: 2, d: 3, e: 4, f: 5 }, g { b: 1, c: 2, d: 3, e: 4, f: 5, h: 6 } }')).toBe(`experiment e {
  a { b: 1, c: 2, d: 3, e: 4, f: 5 }
  g {
    b: 1
    c: 2
    d: 3
    e: 4
    f: 5
    h: 6
  }
}
`);
  });

  it(`breaks a block or list whose line would pass ${MAX_WIDTH} columns`, () => {
    const items = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const out = fmt(`dataset d { classes: [${items.join(', ')}], s { long_key_number_one: "aaaaaaaaaaaaaaaaaaaa", long_key_number_two: "bbbbbbbbbbbbbbbbbbbbbbbbbb" } }`);
    expect(out).toBe(
      `dataset d {\n  classes: [\n${items.map((c) => `    ${c},\n`).join('')}  ]\n` +
        '  s {\n    long_key_number_one: "aaaaaaaaaaaaaaaaaaaa"\n    long_key_number_two: "bbbbbbbbbbbbbbbbbbbbbbbbbb"\n  }\n}\n',
    );
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(MAX_WIDTH);
    // Exactly at the limit stays inline.
    const fits = `experiment e {\n  k: [${'a'.repeat(MAX_WIDTH - 7)}]\n}\n`;
    expect(fits.split('\n')[1]!.length).toBe(MAX_WIDTH);
    expect(fmt(fits)).toBe(fits);
    const over = `experiment e {\n  k: [${'a'.repeat(MAX_WIDTH - 6)}]\n}\n`;
    expect(fmt(over)).toBe(`experiment e {\n  k: [\n    ${'a'.repeat(MAX_WIDTH - 6)},\n  ]\n}\n`);
  });

  it('keeps `key: head { … }` and `key head { … }` as written, and drops the colon of a bare block', () => {
    expect(fmt('experiment e { optimizer: sgd { lr: 1 }\nbackbone swin_unet { patch: 4 }\nicr 0.1 { tau: 4 }\nx: { a: 1 } }')).toBe(`experiment e {
  optimizer: sgd { lr: 1 }
  backbone swin_unet { patch: 4 }
  icr 0.1 { tau: 4 }
  x { a: 1 }
}
`);
    // A head the grammar's `key head { … }` form cannot hold keeps its colon.
    expect(fmt('experiment e { a: 2% { b: 1 }, c: poly(1) { d: 2 } }')).toBe('experiment e {\n  a: 2% { b: 1 }\n  c: poly(1) { d: 2 }\n}\n');
  });

  it('writes imports first, one blank line between declarations, and keeps one blank line between entries', () => {
    expect(fmt('experiment a {\n  x: 1\n\n\n\n  y: 2\n}\nimport "a.abl"\n\n\n\nexperiment b extends a {}\nimport "b.abl"')).toBe(
      'import "a.abl"\nimport "b.abl"\n\nexperiment a {\n  x: 1\n\n  y: 2\n}\n\nexperiment b extends a {}\n',
    );
  });

  it('writes every declaration form', () => {
    expect(
      fmt(`dataset d "D" {a:1}
sweep zip v from a {model.joint in [v1,v2]}
sweep v2 grid from a {loss.icr.tau in 1 .. 8}
repeat r from a {times:5}
table t "T" {rows{"Ours (w/ CR)":a}}
figure f "τ" {x:loss.icr.tau}`),
    ).toBe(`dataset d "D" {
  a: 1
}

sweep zip v from a {
  model.joint in [v1, v2]
}

sweep v2 from a {
  loss.icr.tau in 1..8
}

repeat r from a {
  times: 5
}

table t "T" {
  rows { "Ours (w/ CR)": a }
}

figure f "τ" {
  x: loss.icr.tau
}
`);
  });

  it('writes numbers as written, units canonically, ± for mean ± std, and strings escaped', () => {
    expect(fmt('experiment e { a: [1e-4, 2.5E+3, 0.050], b: 2 %, c: 8mm, d: 1.5x1.5 x 8mm, e: 90.9 +- 1.2, f: "a\\"b\\\\c" }')).toBe(
      `experiment e {
  a: [1e-4, 2.5E+3, 0.050]
  b: 2%
  c: 8 mm
  d: 1.5 x 1.5 x 8 mm
  e: 90.9 ± 1.2
  f: "a\\"b\\\\c"
}
`,
    );
  });

  it('uses canonical spacing and only the parentheses precedence needs', () => {
    const cases: [string, string][] = [
      ['0.4*ce+0.6*dice', '0.4 * ce + 0.6 * dice'],
      ['((0.4*ce))+(0.6*dice)', '0.4 * ce + 0.6 * dice'],
      ['0.4*(ce+dice)', '0.4 * (ce + dice)'],
      ['a-(b-c)', 'a - (b - c)'],
      ['(a-b)-c', 'a - b - c'],
      ['a+(b+c)', 'a + (b + c)'],
      ['a/(b*c)', 'a / (b * c)'],
      ['-(a+b)', '-(a + b)'],
      ['- 1', '-1'],
      ['a + -1', 'a + -1'],
      ['( 1 .. 8 )', '1..8'],
      ['decoder[ 1 .. 3 ]', 'decoder[1..3]'],
      ['poly( 0.9 , 2 )', 'poly(0.9, 2)'],
      ['(90.9) ± (1.2)', '90.9 ± 1.2'],
      ['(1 ± 2) ± 3', '(1 ± 2) ± 3'],
    ];
    for (const [input, expected] of cases) {
      expect(formatExpr(parseExpression(input, 'x').expr!), input).toBe(expected);
    }
  });

  it('refuses to format a file with syntax errors', () => {
    const result = formatText('experiment a { b: }', 'bad.abl');
    expect(result.formatted).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E002']);
  });

  it('formats an empty file to nothing and a comment-only file to its comments', () => {
    expect(fmt('')).toBe('');
    expect(fmt('\n\n// a\n\n\n/* b */\n')).toBe('// a\n\n/* b */\n');
  });

  it('removes whitespace at the ends of lines, in comments too', () => {
    expect(fmt('experiment a { \n  // c   \n  b: 1 /* d\t\n e */  \n}')).toBe('experiment a {\n  // c\n  b: 1 /* d\n e */\n}\n');
  });

  it('writes LF line endings for CRLF input', () => {
    expect(fmt('experiment a {\r\n  // c\r\n  b: 1\r\n}\r\n')).toBe('experiment a {\n  // c\n  b: 1\n}\n');
  });
});

describe('format: comments', () => {
  const source = `// header comment

// about the import
import "b.abl" // trailing import
experiment a extends b { // open brace comment
  // leading of x
  x: 1 // trailing x
  y: 2, /* inline block */ z: 3


  // after two blanks
  w: [1, /* in list */ 2, 3]
  q: [
    1, // one
    // before two
    2,
    // dangling in list
  ]
  m: 0.4 * /* inside an expression */ ce
  data mmwhs /* before brace */ {
    a: 1
    // dangling in block
  } // after close
  /* multi
     line block */
  n: 1
  p: { /* only comment */ }
  // dangling at end of decl
}
import "c.abl"
/* between */
sweep zip s from a { loss.icr.tau in 1..8 } // after decl
// end of file
`;

  it('keeps every comment, in place where the layout has one', () => {
    expect(fmt(source)).toBe(`// header comment

// about the import
import "b.abl" // trailing import
import "c.abl"

experiment a extends b { // open brace comment
  // leading of x
  x: 1 // trailing x
  y: 2 /* inline block */
  z: 3

  // after two blanks
  w: [
    1, /* in list */
    2,
    3,
  ]
  q: [
    1, // one
    // before two
    2,
    // dangling in list
  ]
  /* inside an expression */
  m: 0.4 * ce
  /* before brace */
  data mmwhs {
    a: 1
    // dangling in block
  } // after close
  /* multi
     line block */
  n: 1
  p { /* only comment */
  }
  // dangling at end of decl
}

/* between */
sweep zip s from a {
  loss.icr.tau in 1..8
} // after decl
// end of file
`);
    expectRoundTrip(source);
  });

  it('aligns the trailing comments of consecutive lines', () => {
    expect(fmt('experiment e {\n  slices: 3 // 2D\n  crop: 256 x 256   // in-plane\n\n  seed: 1 // alone\n}')).toBe(
      'experiment e {\n  slices: 3       // 2D\n  crop: 256 x 256 // in-plane\n\n  seed: 1 // alone\n}\n',
    );
  });
});

// ─── round trip and idempotence over corpora ─────────────────────────────────

const inlineCorpus: string[] = [
  'experiment a {}',
  'experiment a { b { c { d { e: 1 } } } }',
  'experiment a { l: [[1, 2], [3, [4]]], o: [sgd { lr: 1 }, adamw { lr: 2, betas: [0.9, 0.999] }] }',
  'experiment a { o: [sgd { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, { x: { y: 1 } }] }',
  'experiment a { f: g(h(1), [2], "s"), i: -(-1), j: --1, k: a - -b, r: -1..-2 }',
  'experiment a { model.eam at decoder[1..3] { heads: 8 } model.x at y {} }',
  'experiment a {\n  // only a comment\n}',
  'experiment a { b: [ // open\n 1 ] }',
  'table t { paper { "a \\"quoted\\" label" { "x.y": 1 } } }',
  'experiment a { x: 1 y: 2 mm: 3 in: 4 at: 5 zip: 6 }',
  '/* a */ /* b */ experiment /* c */ a /* d */ extends /* e */ b /* f */ { /* g */ } /* h */',
  '// one\n// two\n\n\n// three\nexperiment a {}\n// four',
];

describe('format: round trip', () => {
  it('holds over inline sources', () => {
    for (const source of inlineCorpus) expectRoundTrip(source);
  });

  it('holds over the parseable examples of SYNTAX.md', () => {
    const md = readFileSync(join(root, 'dsl/SYNTAX.md'), 'utf8');
    const blocks = [...md.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const parseable = blocks.filter((b) => parse(b, 'SYNTAX.md').diagnostics.length === 0);
    expect(parseable.length).toBeGreaterThanOrEqual(3);
    for (const block of parseable) expectRoundTrip(block, 'SYNTAX.md');
  });

  it('holds over every experiments/**/*.abl file (when there are any)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.abl')) files.push(path);
      }
    };
    walk(join(root, 'experiments'));
    for (const file of files) expectRoundTrip(readFileSync(file, 'utf8'), file);
  });

  it('holds with comments injected at random token boundaries', () => {
    const base = `import "../datasets.abl"
experiment a extends b {
  data mmwhs { crop: 256 x 256, spacing: 1.5 x 1.5 x 8 mm, intensity { clip_top: 2%, normalize: zscore } }
  model.eam at decoder[1..3] { heads: 8 }
  loss { seg: 0.4 * ce + 0.6 * dice, aux: 0.4 * (ce + dice), icr: 0.1 { tau: 4 } }
  train { optimizer: sgd { lr: 1e-4 }, schedule: poly(0.9), l: [1, 2, [3, 4]] }
}
sweep zip v from a { loss.icr.tau in 1..8, model.joint in [v1, v2] }
table t "T" { paper { "Ours" { dice { LVM: 90.9 ± 1.5, AA: 1 ± 2 } } } }
`;
    const tokens = ablLexer.tokenize(base).tokens;
    const comments = ['// line\n', '/* block */ ', '\n\n// after a blank line\n', '/* two\n   lines */'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let checked = 0;
    for (let k = 0; k < 150; k++) {
      let text = base;
      const picks = [rand(tokens.length), rand(tokens.length), rand(tokens.length)].sort((a, b) => b - a);
      for (const p of picks) {
        const at = rand(2) ? tokens[p]!.startOffset : tokens[p]!.endOffset! + 1;
        text = text.slice(0, at) + comments[rand(comments.length)]! + text.slice(at);
      }
      // A line comment glued before a token on the same line can comment it out: skip those.
      if (parse(text, 'fuzz.abl').diagnostics.length > 0) continue;
      expectRoundTrip(text, `fuzz #${k}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('keeps the tree of random expressions (parentheses exactly where needed)', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const leaf = (): Expr => {
      const span = undefined as never;
      switch (rand(6)) {
        case 0:
          return { kind: 'Number', value: 1, text: ['1', '0.5', '1e-4', '2.5E+3'][rand(4)]!, ...(rand(3) === 0 ? { unit: rand(2) ? '%' : 'mm' } : {}), span };
        case 1:
          return { kind: 'Ident', name: ['ce', 'dice', 'loss.icr.tau'][rand(3)]!, span };
        case 2:
          return { kind: 'Dims', items: [{ kind: 'Number', value: 2, text: '2', span }, { kind: 'Number', value: 3, text: '3', span }], span };
        case 3:
          return { kind: 'String', value: 'a"b', span };
        case 4:
          return { kind: 'Call', callee: { kind: 'Ident', name: 'poly', span }, args: [], span };
        default:
          return { kind: 'List', items: [], span };
      }
    };
    const tree = (depth: number): Expr => {
      const span = undefined as never;
      if (depth === 0) return leaf();
      switch (rand(7)) {
        case 0:
          return { kind: 'Neg', operand: tree(depth - 1), span };
        case 1:
          return { kind: 'Range', from: tree(depth - 1), to: tree(depth - 1), span };
        case 2:
          return { kind: 'PlusMinus', mean: tree(depth - 1), std: tree(depth - 1), span };
        case 3:
          return { kind: 'Index', target: { kind: 'Ident', name: 'decoder', span }, index: tree(depth - 1), span };
        case 4:
          return { kind: 'List', items: [tree(depth - 1), tree(depth - 1)], span };
        default:
          return { kind: 'Binary', op: (['+', '-', '*', '/'] as const)[rand(4)]!, left: tree(depth - 1), right: tree(depth - 1), span };
      }
    };
    for (let i = 0; i < 400; i++) {
      const expr = tree(1 + rand(4));
      const text = formatExpr(expr);
      const parsed = parseExpression(text, 'x');
      expect(parsed.diagnostics, text).toEqual([]);
      const expected = JSON.parse(JSON.stringify(expr, (k, v) => (k === 'value' && typeof v === 'number' ? undefined : v)));
      const actual = JSON.parse(JSON.stringify(stripSpans(parsed.expr), (k, v) => (k === 'value' && typeof v === 'number' ? undefined : v)));
      expect(actual, text).toEqual(expected);
    }
  });
});
