/**
 * Loss expressions of eq. (9) and (12): `0.4 * ce + 0.6 * dice`, `0.4 * (ce + dice)`,
 * folded into one coefficient per term. Only expressions linear in `ce` and `dice` are
 * losses; `ce * dice` or a bare constant is not.
 */
import type { Expr } from '../../dsl/ast.ts';

/**
 * Folds a loss expression into CE and Dice coefficients: `0.4 * (ce + dice)` →
 * { ce: 0.4, dice: 0.4 }. Undefined when it is not linear in `ce` and `dice`.
 */
export function lossTerms(expr: Expr): { ce: number; dice: number } | undefined {
  const linear = fold(expr);
  if (!linear || linear.constant !== 0) return undefined;
  return { ce: round(linear.ce), dice: round(linear.dice) };
}

// Float folding noise (0.1 * 3) must not reach the hash.
const round = (value: number) => Number(value.toPrecision(12));

interface Linear {
  ce: number;
  dice: number;
  constant: number;
}

function fold(expr: Expr): Linear | undefined {
  switch (expr.kind) {
    case 'Number':
      return expr.unit ? undefined : { ce: 0, dice: 0, constant: expr.value };
    case 'Ident':
      if (expr.name === 'ce') return { ce: 1, dice: 0, constant: 0 };
      if (expr.name === 'dice') return { ce: 0, dice: 1, constant: 0 };
      return undefined;
    case 'Neg': {
      const inner = fold(expr.operand);
      return inner && { ce: -inner.ce, dice: -inner.dice, constant: -inner.constant };
    }
    case 'Binary': {
      const left = fold(expr.left);
      const right = fold(expr.right);
      if (!left || !right) return undefined;
      const isConstant = (l: Linear) => l.ce === 0 && l.dice === 0;
      switch (expr.op) {
        case '+':
          return { ce: left.ce + right.ce, dice: left.dice + right.dice, constant: left.constant + right.constant };
        case '-':
          return { ce: left.ce - right.ce, dice: left.dice - right.dice, constant: left.constant - right.constant };
        case '*':
          if (isConstant(left)) return { ce: left.constant * right.ce, dice: left.constant * right.dice, constant: left.constant * right.constant };
          if (isConstant(right)) return { ce: right.constant * left.ce, dice: right.constant * left.dice, constant: right.constant * left.constant };
          return undefined;
        case '/':
          if (!isConstant(right) || right.constant === 0) return undefined;
          return { ce: left.ce / right.constant, dice: left.dice / right.constant, constant: left.constant / right.constant };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
