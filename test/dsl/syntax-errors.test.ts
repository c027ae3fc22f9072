import { describe, expect, it } from 'vitest';
import { parse } from '../../dsl/parse.ts';
import { syntaxCodes, type SyntaxDiagnostic } from '../../dsl/syntax-error.ts';
import { stripSpans } from './ast-builders.ts';

/** `code line:col-line:col message` with 1-based positions, as a user reads them. */
function brief(d: SyntaxDiagnostic): string {
  const { start, end } = d.span;
  return `${d.code} ${start.line + 1}:${start.column + 1}-${end.line + 1}:${end.column + 1} ${d.message}`;
}

function errors(text: string): string[] {
  return parse(text, 'bad.abl').diagnostics.map(brief);
}

describe('syntax errors: every error of a file in one pass', () => {
  const file = [
    'experiment cardiac {', //                      1
    '  train { epochs }', //                         2: key without value
    '  loss { seg: 0.4 * + dice }', //               3: operator without operand
    '  model { joint: v3 }', //                      4: fine
    '  data { crop: [1, 2 }', //                     5: list not closed
    '}', //                                          6
    'experiment other extends cardiac {', //        7
    '  eval { metrics: [dice asd] }', //             8: missing comma
    '}', //                                          9
    'stray', //                                     10: not a declaration
    'experiment last extends { a: 1 }', //          11: missing base name
  ].join('\n');

  it('reports each error with its exact position and message', () => {
    expect(errors(file)).toEqual([
      "E002 2:18-2:19 expected ':' or '{' after key 'epochs' but found '}'",
      "E002 3:21-3:22 expected a value after '*' but found '+'",
      "E002 5:22-5:23 expected ']' after '2' but found '}'",
      "E002 8:25-8:28 expected ',' between list items but found 'asd'",
      "E002 10:1-10:6 expected a declaration but found 'stray'",
      "E002 11:25-11:26 expected a name after 'extends' but found '{'",
    ]);
  });

  it('gives hints and stable names, and keeps what could be read', () => {
    const { ast, diagnostics } = parse(file, 'bad.abl');
    expect(diagnostics.every((d) => d.severity === 'error' && d.name === 'syntax-error' && d.span.file === 'bad.abl')).toBe(true);
    expect(diagnostics[0]!.hint).toMatch(/an entry is `key: value`/);
    expect(diagnostics[4]!.hint).toMatch(/`dataset`, `experiment`/);
    expect(ast.decls.map((d) => d.name.name)).toEqual(['cardiac', 'other', 'last']);
    // `model { joint: v3 }` survives between the broken entries.
    expect(ast.decls[0]!.body.entries.map((e) => e.path[0]!.name)).toContain('model');
  });

  it('reports a stray word once (deleted, not patched around)', () => {
    const { ast, diagnostics } = parse('experiment a extends b c {\n  d: 1\n}\ntable t "x" "y" {}', 'bad.abl');
    expect(diagnostics.map(brief)).toEqual([
      "E002 1:24-1:25 expected '{' after 'b' but found 'c'",
      `E002 4:13-4:16 expected '{' after "x" but found "y"`,
    ]);
    expect(stripSpans(ast.decls.map((d) => [d.name.name, d.body.entries.length]))).toEqual([
      ['a', 1],
      ['t', 0],
    ]);
  });

  it('reports a missing closing brace at the end of the file', () => {
    expect(errors('experiment a {\n  b: 1\n')).toEqual(["E002 3:1-3:1 expected '}' after '1' but found the end of the file"]);
  });

  it('reports a sweep without `from`, unclosed parentheses and a dangling ±', () => {
    expect(errors('sweep s { }')).toEqual(["E002 1:9-1:10 expected 'from' after 's' but found '{'"]);
    expect(errors('experiment a { b: (1 + 2 }')).toEqual(["E002 1:26-1:27 expected ')' after '2' but found '}'"]);
    expect(errors('experiment a { b: poly(0.9 }')).toEqual(["E002 1:28-1:29 expected ')' after '0.9' but found '}'"]);
    expect(errors('experiment a { b: 1 ± }')).toEqual(["E002 1:23-1:24 expected a value after '±' but found '}'"]);
    expect(errors('experiment a { b.: 1 }')).toEqual(["E002 1:18-1:19 expected a key after '.' but found ':'"]);
  });
});

describe('lexical errors (E001)', () => {
  it('reports unexpected characters and goes on', () => {
    const { diagnostics } = parse('experiment a {\n  b: 1 @\n  c: τ\n}', 'bad.abl');
    expect(diagnostics.map(brief)).toEqual([
      "E001 2:8-2:9 unexpected character '@'",
      "E001 3:6-3:7 unexpected character 'τ'",
      "E002 4:1-4:2 expected a value after ':' but found '}'",
    ]);
    expect(diagnostics[0]!.name).toBe('lexical-error');
  });

  it('reports an unterminated string once and reads it as a string', () => {
    const { ast, diagnostics } = parse('experiment a {\n  b: "open\n  c: 1\n}', 'bad.abl');
    expect(diagnostics.map(brief)).toEqual(['E001 2:6-2:11 unterminated string']);
    expect(diagnostics[0]!.hint).toBe(`close the string with '"' on the same line`);
    expect(ast.decls[0]!.body.entries.map((e) => e.value)).toMatchObject([{ kind: 'String', value: 'open' }, { kind: 'Number' }]);
  });

  it('reports an unterminated block comment', () => {
    expect(errors('experiment a { b: 1 }\n/* never closed\n experiment c {}')).toEqual(['E001 2:1-3:17 unterminated block comment']);
  });

  it('reports unknown escapes, single quotes and # comments', () => {
    expect(errors('experiment a { b: "a\\qb" }')).toEqual(["E001 1:21-1:23 unknown escape '\\q' in a string"]);
    expect(errors("experiment a { b: 'x' }")).toEqual(["E001 1:19-1:22 strings use double quotes, not single quotes: 'x'"]);
    expect(errors('experiment a { b: 1 # note\n}')).toEqual(["E001 1:21-1:27 '#' does not start a comment"]);
  });
});

describe('number errors (E003)', () => {
  it('reports malformed exponents and unknown units', () => {
    const { ast, diagnostics } = parse('experiment a { b: 1e, c: 8cm, d: 2.5E+, e: 4th }', 'bad.abl');
    expect(diagnostics.map(brief)).toEqual([
      "E003 1:19-1:21 malformed number '1e': the exponent has no digits",
      "E003 1:26-1:29 unknown unit 'cm' in '8cm'",
      "E003 1:34-1:39 malformed number '2.5E+': the exponent has no digits",
      "E003 1:44-1:47 unknown unit 'th' in '4th'",
    ]);
    expect(diagnostics.map((d) => d.name)).toEqual(Array(4).fill('malformed-number'));
    expect(diagnostics[1]!.hint).toMatch(/'%'.*'mm'/);
    // Parsing goes on: all four entries are there.
    expect(ast.decls[0]!.body.entries).toHaveLength(4);
  });
});

describe('unknown units written apart from the number (E003)', () => {
  it('reports the unit, not a broken entry after it', () => {
    const { ast, diagnostics } = parse('experiment a {\n  crop: 8 cm\n  slices: 3\n  size: [8 cm, 256 x256]\n}', 'bad.abl');
    expect(diagnostics.map(brief)).toEqual([
      "E003 2:11-2:13 unknown unit 'cm' after '8'",
      "E003 4:12-4:14 unknown unit 'cm' after '8'",
      "E003 4:20-4:24 unknown unit 'x256' after '256'",
    ]);
    expect(diagnostics[2]!.hint).toBe('dimensions are written 256 x 256 or 256x256');
    expect(ast.decls[0]!.body.entries.map((e) => e.path[0]!.name)).toEqual(['crop', 'slices', 'size']);
  });

  it('leaves a name on the next line, or one followed by a colon, to the next entry', () => {
    expect(errors('experiment a {\n  crop: 8\n  cm { b: 1 }\n  d: 8 e: 2\n}')).toEqual([]);
  });
});

describe('syntax codes', () => {
  it('have stable kebab-case names', () => {
    expect(syntaxCodes).toEqual({ E001: 'lexical-error', E002: 'syntax-error', E003: 'malformed-number', E004: 'nesting-too-deep' });
  });
});
