/**
 * One-line rendering of expressions, keys and literals for the formatter: canonical
 * spacing (`0.4 * ce + 0.6 * dice`, `1..8`, `90.9 ± 1.2`, `1.5 x 1.5 x 8 mm`, `2%`),
 * numbers as written, and only the parentheses that precedence requires.
 */
import type { Contract, Entry, Expr, Key, NumberLit, ObjectExpr, Unit } from './ast.ts';

/** Binding strength, loosest first, as in the grammar: `±` < `..` < `+ -` < `* /` < unary `-` < primaries. */
export function precedence(expr: Expr): number {
  switch (expr.kind) {
    case 'PlusMinus':
      return 1;
    case 'Range':
      return 2;
    case 'Binary':
      return expr.op === '+' || expr.op === '-' ? 3 : 4;
    case 'Neg':
      return 5;
    default:
      return 6;
  }
}

/** `"…"` with `"` and `\` escaped (the only escapes of the language). */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function formatKey(key: Key): string {
  return key.quoted ? quoteString(key.name) : key.name;
}

export function formatPath(path: Key[]): string {
  return path.map(formatKey).join('.');
}

/** ` differs [loss.mcr, model.joint] from "Joint V3"` (with a leading space), or '' without a contract. */
export function formatContract(contract: Contract | undefined): string {
  if (!contract) return '';
  return ` differs [${contract.paths.map(formatPath).join(', ')}] from ${formatKey(contract.reference)}`;
}

/** `2%` is written glued, `8 mm` with a space. */
export function unitSuffix(unit: Unit | undefined): string {
  if (unit === '%') return '%';
  if (unit === 'mm') return ' mm';
  if (unit) return unit; // `2h`, `30min`, `16GB`
  return '';
}

function formatNumber(n: NumberLit): string {
  return n.text + unitSuffix(n.unit);
}

/** Renders `expr`, parenthesised when it binds looser than `minPrecedence`. */
function operand(expr: Expr, minPrecedence: number): string {
  const text = formatExpr(expr);
  return precedence(expr) < minPrecedence ? `(${text})` : text;
}

/** One-line form of an expression (objects inline as `head { a: 1, b: 2 }`). */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'Number':
      return formatNumber(expr);
    case 'String':
      return quoteString(expr.value);
    case 'Ident':
      return expr.name;
    case 'List':
      return `[${expr.items.map(formatExpr).join(', ')}]`;
    case 'Range':
      return `${operand(expr.from, 3)}..${operand(expr.to, 3)}`;
    case 'Dims':
      return expr.items.map((item) => formatNumber(item)).join(' x ') + unitSuffix(expr.unit);
    case 'PlusMinus':
      return `${operand(expr.mean, 2)} ± ${operand(expr.std, 2)}`;
    case 'Binary': {
      // Left-associative: an operand on the right of equal precedence keeps its parentheses.
      const p = precedence(expr);
      return `${operand(expr.left, p)} ${expr.op} ${operand(expr.right, p + 1)}`;
    }
    case 'Neg':
      return `-${operand(expr.operand, 5)}`;
    case 'Call':
      return `${expr.callee.name}(${expr.args.map(formatExpr).join(', ')})`;
    case 'Index':
      return `${expr.target.name}[${formatExpr(expr.index)}]`;
    case 'Object':
      return formatInlineObject(expr);
  }
}

/** `head at place ` (with a trailing space) or an empty string. */
export function objectPrefix(obj: ObjectExpr): string {
  let prefix = '';
  if (obj.head) prefix += `${formatExpr(obj.head)} `;
  if (obj.at) prefix += `at ${formatExpr(obj.at)} `;
  return prefix;
}

/** `{ a: 1, b: 2 }`, `{}` when empty. */
export function formatInlineBlock(entries: Entry[]): string {
  if (entries.length === 0) return '{}';
  return `{ ${entries.map((entry) => formatInlineEntry(entry)).join(', ')} }`;
}

function formatInlineObject(obj: ObjectExpr): string {
  return objectPrefix(obj) + formatInlineBlock(obj.entries);
}

/**
 * One-line form of an entry: `key: value`, `key in values`, `key { … }` or, with
 * `colon` false, `key head { … }`.
 */
export function formatInlineEntry(entry: Entry, colon = true): string {
  const key = formatPath(entry.path);
  const value = entry.value;
  if (entry.axis) return `${key} in ${formatExpr(value)}`;
  if (value.kind === 'Object' && (!value.head || value.at || !colon)) return `${key} ${formatInlineObject(value)}`;
  return `${key}: ${formatExpr(value)}${formatContract(entry.contract)}`;
}
