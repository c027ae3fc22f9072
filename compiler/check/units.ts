/**
 * Units: the language writes `70%`, `8 mm`, `1.5 x 1.5 x 8 mm`; the IR holds fractions
 * in [0, 1] and lengths in mm. A fraction may be written as `20%` or as `0.2`; a length
 * must carry `mm` (a bare number there is ambiguous: voxels or mm?); any other key takes
 * no unit at all.
 */
import type { Expr, Unit } from '../../dsl/ast.ts';
import type { DiagnosticBag, Location } from '../diagnostics.ts';

/** A number with its unit, from a literal or a negated literal; undefined for anything else. */
export function numberOf(expr: Expr): { value: number; unit?: Unit } | undefined {
  if (expr.kind === 'Number') return expr.unit ? { value: expr.value, unit: expr.unit } : { value: expr.value };
  if (expr.kind === 'Neg') {
    const inner = numberOf(expr.operand);
    return inner ? { ...inner, value: -inner.value } : undefined;
  }
  return undefined;
}

/** `20%` → 0.2, `0.2` → 0.2; reports E040 for `mm` and E042 outside [0, 1] (with `max` for a tighter bound). */
export function checkFraction(
  number: { value: number; unit?: Unit },
  path: string,
  at: Location,
  bag: DiagnosticBag,
): number | undefined {
  if (number.unit !== undefined && number.unit !== '%') {
    bag.report({ code: 'E040', path, unit: number.unit, expected: 'a percentage such as `20%` or a fraction such as `0.2`' }, at);
    return undefined;
  }
  const fraction = number.unit === '%' ? number.value / 100 : number.value;
  if (!(fraction >= 0 && fraction <= 1)) {
    bag.report({ code: 'E042', path, value: number.value }, at);
    return undefined;
  }
  return fraction;
}

/** A plain count or quantity: any unit is E040. */
export function checkUnitless(number: { value: number; unit?: Unit }, path: string, at: Location, bag: DiagnosticBag): number | undefined {
  if (number.unit) {
    bag.report({ code: 'E040', path, unit: number.unit, expected: `a plain number such as \`${number.value}\`` }, at);
    return undefined;
  }
  return number.value;
}

/** A length in mm: `8 mm`; a bare number is E041, `%` is E040. */
export function checkMillimetres(unit: Unit | undefined, path: string, at: Location, bag: DiagnosticBag): boolean {
  if (unit === 'mm') return true;
  if (unit === undefined) bag.report({ code: 'E041', path, unit: 'mm' }, at);
  else bag.report({ code: 'E040', path, unit, expected: 'millimetres such as `1.5 x 1.5 x 8 mm`' }, at);
  return false;
}
