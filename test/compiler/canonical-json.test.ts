/**
 * canonicalize: every object's keys sorted, a deep copy that keeps values JSON would change
 * (undefined, -0, Infinity) and a `__proto__` key as a key.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, canonicalJson } from '../../compiler/canonical-json.ts';

describe('canonicalize', () => {
  it('sorts keys at every depth and copies (plain data)', () => {
    const input = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, 10: 'ten', 2: 'two' };
    const out = canonicalize(input);
    expect(Object.keys(out)).toEqual(['2', '10', 'a', 'b']); // integer-like keys first, as JavaScript orders them
    expect(Object.keys(out.a)).toEqual(['c', 'd']);
    expect(Object.keys(out.a.d[1] as object)).toEqual(['y', 'z']);
    expect(out).toEqual(input);
    expect(out.a).not.toBe(input.a);
    expect(canonicalJson(input)).toBe('{"2":"two","10":"ten","a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('keeps what JSON would change: undefined, -0, Infinity stay as they are', () => {
    const out = canonicalize({ z: undefined, y: -0, x: Infinity, w: [1, undefined] });
    expect(Object.keys(out)).toEqual(['w', 'x', 'y', 'z']);
    expect('z' in out && out.z === undefined).toBe(true);
    expect(Object.is(out.y, -0)).toBe(true);
    expect(out.x).toBe(Infinity);
    expect(out.w).toEqual([1, undefined]);
  });

  it('a `__proto__` key stays an own key and replaces no prototype', () => {
    const input = JSON.parse('{"rows":{"__proto__":{"b":1,"a":2},"x":1}}') as { rows: Record<string, unknown> };
    const out = canonicalize(input);
    expect(Object.getPrototypeOf(out.rows)).toBe(Object.prototype);
    expect(Object.keys(out.rows)).toEqual(['__proto__', 'x']);
    expect(canonicalJson(input)).toBe('{"rows":{"__proto__":{"a":2,"b":1},"x":1}}');
    expect(canonicalJson({ a: 1, nested: { b: 2 } })).toBe('{"a":1,"nested":{"b":2}}'); // no `__proto__` appears where there was none
  });
});
