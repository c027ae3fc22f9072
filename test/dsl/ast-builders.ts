/**
 * Test helpers: AST nodes without spans, written by hand as the expected results of the
 * parser, and `stripSpans` to compare parser output with them.
 */
import type { Entry, Expr, Key, NumberLit, ObjectExpr, Unit } from '../../dsl/ast.ts';

type NoSpan<T> = T extends { span: unknown } ? { [K in keyof Omit<T, 'span'>]: NoSpan<T[K]> } : T extends (infer U)[] ? NoSpan<U>[] : T;

/** A deep copy of `value` without any `span` property. */
export function stripSpans<T>(value: T): NoSpan<T> {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'span' ? undefined : v))) as NoSpan<T>;
}

export type E = NoSpan<Expr>;

export const num = (text: string, unit?: Unit): NoSpan<NumberLit> => ({
  kind: 'Number',
  value: Number(text),
  ...(unit ? { unit } : {}),
  text,
});
export const str = (value: string): E => ({ kind: 'String', value });
export const id = (name: string): E => ({ kind: 'Ident', name });
export const list = (...items: E[]): E => ({ kind: 'List', items });
export const range = (from: E, to: E): E => ({ kind: 'Range', from, to });
export const dims = (items: string[], unit?: Unit): E => ({ kind: 'Dims', items: items.map((t) => num(t)), ...(unit ? { unit } : {}) });
export const pm = (mean: E, std: E): E => ({ kind: 'PlusMinus', mean, std });
export const bin = (op: '+' | '-' | '*' | '/', left: E, right: E): E => ({ kind: 'Binary', op, left, right });
export const neg = (operand: E): E => ({ kind: 'Neg', operand });
export const call = (callee: string, ...args: E[]): E => ({ kind: 'Call', callee: { kind: 'Ident', name: callee }, args });
export const index = (target: string, i: E): E => ({ kind: 'Index', target: { kind: 'Ident', name: target }, index: i });
export const obj = (entries: NoSpan<Entry>[], head?: E, at?: E): NoSpan<ObjectExpr> => ({
  kind: 'Object',
  ...(head ? { head } : {}),
  ...(at ? { at } : {}),
  entries,
});

const key = (segment: string): NoSpan<Key> =>
  segment.startsWith('"') ? { kind: 'Key', name: segment.slice(1, -1), quoted: true } : { kind: 'Key', name: segment, quoted: false };

/** `entry('a.b', value)`; a quoted segment is written `'"Ours"'`. Dots inside quotes are not split. */
export function entry(path: string, value: E, axis = false): NoSpan<Entry> {
  const segments = path.match(/"[^"]*"|[^.]+/g)!;
  return { kind: 'Entry', path: segments.map(key), value, axis };
}
