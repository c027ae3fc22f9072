/**
 * Metric values in a FileStore are written as Python's `str(float)` and read back with
 * Python's `float()`. These two functions do the same in JS so that `mlflow ui` and MLflow's
 * Python client read exactly what we write, and we read exactly what they write.
 */
import { TrackingError } from './tracking-error.ts';

/**
 * Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents in
 * [-4, 16), otherwise `d.ddde±XX`; always a `.0` on integral values; `nan`, `inf`, `-inf`.
 */
export function formatPythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number.parseInt(expText, 10);
  const digits = mantissa.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.padEnd(exp + 1, '0').slice(0, exp + 1);
      const frac = digits.slice(exp + 1);
      return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const absExp = Math.abs(exp);
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UNDERSCORE_BETWEEN_DIGITS = /(?<=\d)_(?=\d)/g;

/**
 * Python's `float(text)`: surrounding whitespace, `nan`/`inf`/`infinity` in any case with an
 * optional sign, and `_` between digits are accepted. Throws a TrackingError otherwise.
 */
export function parsePythonFloat(text: string): number {
  const t = text.trim();
  const lower = t.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  const negative = lower.startsWith('-');
  if (unsigned === 'nan') return NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return negative ? -Infinity : Infinity;
  const plain = t.replace(UNDERSCORE_BETWEEN_DIGITS, '');
  if (!DECIMAL.test(plain)) {
    throw new TrackingError('INTERNAL_ERROR', `could not convert string to float: '${text}'`);
  }
  return Number(plain);
}
