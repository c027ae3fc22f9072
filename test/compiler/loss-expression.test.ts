/** Loss expressions fold to CE/Dice coefficients; non-linear or constant expressions are rejected. */
import { describe, expect, it } from 'vitest';
import { lossTerms } from '../../compiler/check/loss-expression.ts';
import { parseExpression } from '../../dsl/parse.ts';

const terms = (text: string) => {
  const { expr, diagnostics } = parseExpression(text, 'x');
  expect(diagnostics).toEqual([]);
  return lossTerms(expr!);
};

describe('lossTerms', () => {
  it.each([
    ['ce + dice', { ce: 1, dice: 1 }],
    ['0.4 * ce + 0.6 * dice', { ce: 0.4, dice: 0.6 }],
    ['0.4 * (ce + dice)', { ce: 0.4, dice: 0.4 }],
    ['(ce + 3 * dice) / 4', { ce: 0.25, dice: 0.75 }],
    ['dice', { ce: 0, dice: 1 }],
    ['ce - 0.5 * ce', { ce: 0.5, dice: 0 }],
    ['0.1 * 3 * ce', { ce: 0.3, dice: 0 }],
  ])('%s', (text, expected) => {
    expect(terms(text)).toEqual(expected);
  });

  it.each(['ce * dice', '0.5', 'ce + 1', 'focal', 'ce / dice', '2% * ce', 'ce / 0'])('%s is not a loss', (text) => {
    expect(terms(text)).toBeUndefined();
  });
});
