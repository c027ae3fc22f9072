import { describe, expect, it } from 'vitest';
import { ablLexer, allTokens, Identifier, Keyword } from '../../dsl/tokens.ts';

/** `Type:image` for every token the parser sees. */
function lex(text: string): string[] {
  const result = ablLexer.tokenize(text);
  expect(result.errors).toEqual([]);
  return result.tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('tokens', () => {
  it('lexes 1..8 as number, range, number', () => {
    expect(lex('1..8')).toEqual(['NumberLiteral:1', 'DotDot:..', 'NumberLiteral:8']);
    expect(lex('1.5..8')).toEqual(['NumberLiteral:1.5', 'DotDot:..', 'NumberLiteral:8']);
  });

  it('lexes numbers with exponents and units', () => {
    expect(lex('1e-4 2.5E+3 2% 8 mm 8mm')).toEqual([
      'NumberLiteral:1e-4',
      'NumberLiteral:2.5E+3',
      'NumberLiteral:2',
      'Percent:%',
      'NumberLiteral:8',
      'Mm:mm',
      'NumberLiteral:8',
      'Mm:mm',
    ]);
  });

  it('lexes the x of dimensions, spaced or glued, but not inside names', () => {
    expect(lex('1.5 x 1.5 x 8 mm')).toEqual([
      'NumberLiteral:1.5',
      'X:x',
      'NumberLiteral:1.5',
      'X:x',
      'NumberLiteral:8',
      'Mm:mm',
    ]);
    expect(lex('256x256')).toEqual(['NumberLiteral:256', 'X:x', 'NumberLiteral:256']);
    expect(lex('x x1 xy abdominal_ours_x5 mmwhs')).toEqual([
      'X:x',
      'Identifier:x1',
      'Identifier:xy',
      'Identifier:abdominal_ours_x5',
      'Identifier:mmwhs',
    ]);
  });

  it('lexes ± and +- as one token, and + - apart', () => {
    expect(lex('90.9 ± 1.2 90.9 +- 1.2 a + -1')).toEqual([
      'NumberLiteral:90.9',
      'PlusMinus:±',
      'NumberLiteral:1.2',
      'NumberLiteral:90.9',
      'PlusMinus:+-',
      'NumberLiteral:1.2',
      'Identifier:a',
      'Plus:+',
      'Minus:-',
      'NumberLiteral:1',
    ]);
  });

  it('lexes keywords, and names that merely start with one as identifiers', () => {
    expect(lex('import dataset experiment extends sweep grid zip from repeat table figure at in')).toEqual([
      'Import:import',
      'Dataset:dataset',
      'Experiment:experiment',
      'Extends:extends',
      'Sweep:sweep',
      'Grid:grid',
      'Zip:zip',
      'From:from',
      'Repeat:repeat',
      'Table:table',
      'Figure:figure',
      'At:at',
      'In:in',
    ]);
    expect(lex('imports index attention tables zipped')).toEqual([
      'Identifier:imports',
      'Identifier:index',
      'Identifier:attention',
      'Identifier:tables',
      'Identifier:zipped',
    ]);
  });

  it('puts comments in their own group, not in the token stream', () => {
    const result = ablLexer.tokenize('a // line\n/* block\n */ b / c');
    expect(result.tokens.map((t) => t.image)).toEqual(['a', 'b', '/', 'c']);
    expect(result.groups.comments!.map((t) => t.image)).toEqual(['// line', '/* block\n */']);
  });

  it('lexes strings with escapes as one token', () => {
    expect(lex('"a \\"b\\" \\\\" "x"')).toEqual(['StringLiteral:"a \\"b\\" \\\\"', 'StringLiteral:"x"']);
  });

  it('labels every token for messages and marks every keyword', () => {
    for (const token of allTokens) {
      if (token.name === 'WhiteSpace' || token.name === 'Keyword') continue;
      expect(token.LABEL, token.name).toBeTruthy();
    }
    const keywords = allTokens.filter((t) => t.CATEGORIES?.includes(Keyword));
    expect(keywords.map((t) => t.LABEL).sort()).toEqual(
      ["'at'", "'dataset'", "'differs'", "'experiment'", "'extends'", "'figure'", "'from'", "'grid'", "'import'", "'in'", "'launch'", "'mm'", "'repeat'", "'sweep'", "'table'", "'x'", "'zip'"],
    );
    // Keywords come before Identifier, or the identifier pattern would take them.
    const identifierAt = allTokens.indexOf(Identifier);
    for (const keyword of keywords) expect(allTokens.indexOf(keyword)).toBeLessThan(identifierAt);
  });
});
