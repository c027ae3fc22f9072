/** Metric values as Python's str(float) writes them and float() reads them (values checked with CPython 3). */
import { describe, expect, it } from 'vitest';
import { formatPythonFloat, parsePythonFloat } from '../../runtime/tracking/python-float.ts';
import { TrackingError } from '../../runtime/tracking/tracking-error.ts';

describe('formatPythonFloat', () => {
  // [value, repr(value) in CPython]
  const cases: Array<[number, string]> = [
    [0.5, '0.5'],
    [1, '1.0'],
    [2, '2.0'],
    [-3, '-3.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [1.5e-5, '1.5e-05'],
    [-2.5e-7, '-2.5e-07'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [2 ** 53, '9007199254740992.0'],
    [123456789.123, '123456789.123'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.3333333333333333'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [1e100, '1e+100'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  it.each(cases)('%s → %s', (v, text) => {
    expect(formatPythonFloat(v)).toBe(text);
  });
  it('round-trips through parsePythonFloat', () => {
    for (const [v] of cases) expect(Object.is(parsePythonFloat(formatPythonFloat(v)), v)).toBe(true);
  });
});

describe('parsePythonFloat', () => {
  it.each([
    ['1.0', 1],
    ['2', 2],
    ['1e-05', 1e-5],
    [' 0.25\t', 0.25],
    ['+1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1_000.5', 1000.5],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['INF', Infinity],
  ])('%j → %s', (text, v) => {
    expect(parsePythonFloat(text)).toBe(v);
  });
  it('reads nan in any case', () => {
    expect(parsePythonFloat('nan')).toBeNaN();
    expect(parsePythonFloat('-NaN')).toBeNaN();
  });
  it.each(['', 'abc', '1,5', '1__0', '_1', '0x10', 'infinit'])('rejects %j', (text) => {
    expect(() => parsePythonFloat(text)).toThrow(TrackingError);
  });
});
