import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../dsl/parse.ts';
import { bin, dims, id, num, obj, entry, stripSpans } from './ast-builders.ts';

describe('parseExpression (YAML scalars)', () => {
  it('parses loss expressions, dimensions and values with options', () => {
    expect(stripSpans(parseExpression('0.4 * ce + 0.6 * dice', 'x.yaml'))).toEqual({
      expr: bin('+', bin('*', num('0.4'), id('ce')), bin('*', num('0.6'), id('dice'))),
      diagnostics: [],
    });
    expect(stripSpans(parseExpression('256 x 256', 'x.yaml').expr)).toEqual(dims(['256', '256']));
    expect(stripSpans(parseExpression('sgd { lr: 0.05 }', 'x.yaml').expr)).toEqual(obj([entry('lr', num('0.05'))], id('sgd')));
  });

  it('places spans relative to where the scalar starts in the file', () => {
    // The scalar sits on line 4 (0-based), column 10, offset 100 of the YAML file.
    const origin = { line: 4, column: 10, offset: 100 };
    const { expr } = parseExpression('0.4 * ce + 0.6 * dice', 'x.yaml', origin);
    expect(expr!.span).toEqual({
      file: 'x.yaml',
      start: { line: 4, column: 10, offset: 100 },
      end: { line: 4, column: 31, offset: 121 },
    });
    const right = (expr as Extract<typeof expr, { kind: 'Binary' }>)!.right;
    expect(right.span.start).toEqual({ line: 4, column: 21, offset: 111 });
  });

  it('counts columns from 0 on the lines after the first', () => {
    const { expr } = parseExpression('sgd {\n  lr: 0.05\n}', 'x.yaml', { line: 2, column: 12, offset: 40 });
    const lr = (expr as Extract<typeof expr, { kind: 'Object' }>)!.entries[0]!;
    expect(lr.span.start).toEqual({ line: 3, column: 2, offset: 48 });
  });

  it('reports errors at file positions, including text after the value', () => {
    const origin = { line: 4, column: 10, offset: 100 };
    const trailing = parseExpression('1 2', 'x.yaml', origin);
    expect(stripSpans(trailing.expr)).toEqual(num('1'));
    expect(trailing.diagnostics.map((d) => [d.code, d.message, d.span.start])).toEqual([
      ['E002', "expected the end of the value but found '2'", { line: 4, column: 12, offset: 102 }],
    ]);
    const incomplete = parseExpression('0.4 *', 'x.yaml', origin);
    expect(incomplete.expr).toBeUndefined();
    expect(incomplete.diagnostics.map((d) => [d.code, d.message, d.span.start.column])).toEqual([
      ['E002', "expected a value after '*' but found the end of the file", 15],
    ]);
    expect(parseExpression('', 'x.yaml').diagnostics.map((d) => d.message)).toEqual(['expected a value but found the end of the file']);
    expect(parseExpression('8cm', 'x.yaml').diagnostics.map((d) => d.code)).toEqual(['E003']);
  });
});
