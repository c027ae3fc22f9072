/**
 * Deep nesting is refused before the recursive parser runs (E004, at the bracket that
 * opens the first level too many), in `check` and `fmt` alike, for `.abl` and YAML; the
 * limit itself still parses, formats and compiles.
 */
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.ts';
import { formatText } from '../../dsl/format.ts';
import { MAX_NESTING } from '../../dsl/nesting-limit.ts';
import { parse, parseExpression } from '../../dsl/parse.ts';
import { parseYamlDocument } from '../../dsl/yaml-frontend.ts';
import { writeFiles } from '../compiler/fixtures.ts';

const head = 'experiment a { x: ';
/** `experiment a { x: ((…(1)…)) }`: the block is level 1, so the parentheses open levels 2.. */
const parens = (n: number, open = '(', close = ')') => `${head}${open.repeat(n)}1${close.repeat(n)} }\n`;
const braces = (n: number) => `experiment a ${'{ b '.repeat(n)}: 1 ${'}'.repeat(n)}\n`;

/** 0-based column of the bracket that opens level MAX_NESTING + 1 in `parens`. */
const firstTooDeep = head.length + MAX_NESTING - 1;

describe('nesting limit (E004)', () => {
  for (const [name, open, close] of [['parentheses', '(', ')'], ['lists', '[', ']']] as const) {
    it(`refuses 600 nested ${name} with a located E004 instead of overflowing the stack`, () => {
      const { diagnostics } = parse(parens(600, open, close), 'deep.abl');
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ code: 'E004', name: 'nesting-too-deep', span: { start: { line: 0, column: firstTooDeep } } });
      expect(diagnostics[0]!.message).toBe(`'${open}' opens nesting level 65; at most 64 levels of { }, [ ] and ( ) are allowed`);
      expect(diagnostics[0]!.hint).toMatch(/dotted keys/);
    });
  }

  it('refuses 600 nested blocks', () => {
    const { diagnostics } = parse(braces(600), 'deep.abl');
    expect(diagnostics.map((d) => [d.code, d.span.start.column])).toEqual([['E004', 'experiment a '.length + 4 * MAX_NESTING]]);
  });

  it('accepts exactly the limit, and the formatter keeps it', () => {
    const text = parens(MAX_NESTING - 1);
    expect(parse(text, 'ok.abl').diagnostics).toEqual([]);
    const formatted = formatText(text, 'ok.abl');
    expect(formatted.diagnostics).toEqual([]);
    expect(parse(formatted.formatted!, 'ok.abl').diagnostics).toEqual([]);
    expect(parse(braces(MAX_NESTING), 'ok.abl').diagnostics).toEqual([]);
  });

  it('fmt reports E004 instead of throwing', () => {
    const result = formatText(braces(2000), 'deep.abl');
    expect(result.formatted).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E004']);
  });

  it('a single value (YAML scalars, -s overrides) is limited too', () => {
    const { diagnostics, expr } = parseExpression(`${'('.repeat(500)}1${')'.repeat(500)}`, 'value');
    expect(expr).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.span.start.column])).toEqual([['E004', MAX_NESTING]]);
  });

  it('YAML: a document nested deeper than the limit is E004 at the first mapping too deep', () => {
    const text = `experiments:\n  e: ${'{a: '.repeat(100)}1${'}'.repeat(100)}\n`;
    const { diagnostics } = parseYamlDocument(text, 'deep.yaml');
    // root mapping (1) → experiments (2) → e's flow mapping (3) …: level 65 is the 63rd `{`.
    expect(diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column])).toEqual([['E004', 1, 5 + 4 * 62]]);
  });

  it('YAML: a document too deep for the yaml package itself is E004, not a stack message', () => {
    const { diagnostics } = parseYamlDocument(`experiments:\n  e: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n`, 'deep.yaml');
    expect(diagnostics.map((d) => d.code)).toEqual(['E004']);
  });

  it('check: a deep file compiles to one located E004', () => {
    const dir = writeFiles({ 'deep.abl': braces(1000) });
    const result = compileFile(`${dir}/deep.abl`);
    expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line + 1}:${d.span.start.column + 1}`)).toEqual([`E004 1:${'experiment a '.length + 4 * MAX_NESTING + 1}`]);
  });
});
