/**
 * WebAssembly text fragments for erf, the normal CDF Φ and e^a (a ≤ 0) on four f32 lanes,
 * for the fused GELU kernels (`fused-wat.ts`). tfjs-wasm evaluates Erf and Exp with scalar
 * libm calls (~4 ns a value); these are straight-line SIMD with no table and no branch.
 *
 * **erf.** Two pieces, both evaluated and one selected per lane (z real, s = z²):
 * - |z| ≤ 1: `erf(z) = z·P(s)`, P of degree 5.
 * - |z| > 1: `erf(z) = sign(z)·(1 − erfc|z|)`, `erfc(u) = Q(v)·e^(−s)` with
 *   `v = 2/(2 + min(u, 4)) − 1/2` (so v ∈ [−1/6, 1/6] for u ∈ [1, 4]), Q of degree 4.
 *   Beyond u = 4, erfc < 1.6e-8 and `1 − erfc` rounds to 1 in f32, so the clamp costs nothing.
 *
 * P and Q were fitted for this file (Lawson's iteratively reweighted least squares towards
 * the minimax fit, in float64 against mpmath's erf on Chebyshev nodes, weighted so that the
 * error measured is the absolute error of erf): P on s ∈ [0, 1] to 1.9e-8, Q on u ∈ [1, 4] to
 * 1.1e-8 (absolute error of erf). In f32 arithmetic the rounding dominates: the maximum
 * absolute error of erf over [−10, 10] (steps of 1e-5, against float64 erf) is 1.35e-7 with
 * fused multiply-add and 1.40e-7 without (about 2 ulp of values near 0.8);
 * `test/backend/fused-module.test.ts` asserts ≤ 2e-7 for both builds. Degrees 6, 6 and 7
 * (for e^r) gave 1.2–1.3e-7 and cost 12% more time.
 * erf(±0) = ±0, erf(±∞) = ±1, NaN stays NaN.
 *
 * **Φ** (`Φ(x) = ½(1 + erf(x/√2))`) is formed from the same pieces as `½ + ½·z·P(s)` near 0
 * and `½·erfc` / `1 − ½·erfc` in the tails: for x < −1.4, where `1 + erf` would cancel, Φ
 * keeps a relative error ≤ 2e-6 down to x = −3, 1e-4 to −4 and 1.3e-3 to −5.6 (Q was fitted
 * for absolute error); below, the clamped Q overestimates Φ (< 1e-8 there) by up to 2.3×.
 *
 * **e^a** for a ≤ 0: `a = n·ln2 + r`, |r| ≤ ln2/2, n by adding 1.5·2²³ (round to nearest), r by
 * Cody–Waite (ln2 split in a 9-bit head, exact in f32, and a tail), `e^r` by a polynomial of
 * degree 5 fitted the same way (relative error 7.5e-8 on |r| ≤ ln2/2), 2ⁿ by writing n + 127
 * into the exponent field. Lanes with a < −87 (2ⁿ would be subnormal) give 0.
 */

/** P(s), erf(z) = z·P(z²) on |z| ≤ 1: coefficients of s⁰ … s⁵ (f32 values). */
export const ERF_SMALL = [
  1.1283788681030273, -0.3761194050312042, 0.11278071999549866, -0.026663972064852715,
  0.004870852921158075, -0.0005463441484607756,
];

/** Q(v), erfc(u) = Q(v)·e^(−u²) on 1 ≤ u ≤ 4 with v = 2/(2 + u) − 1/2: coefficients of v⁰ … v⁴. */
export const ERFC_TAIL = [
  0.25539612770080566, 0.854373574256897, 0.9658951163291931, 0.646135151386261, -0.03876114264130592,
];

/** Where the two pieces of erf meet (|z| ≤ this uses P). */
export const ERF_SPLIT = 1;
/** Where the tail's argument is clamped: erfc(4) ≈ 1.5e-8 already rounds away against 1. */
export const ERFC_CLAMP = 4;

/** The f32 text of `v` (nine significant digits identify an f32 exactly). */
function f32(v: number): string {
  return Math.fround(v).toPrecision(9);
}

/** A v128 constant with `v` in all four f32 lanes. */
export function splat(v: number): string {
  const t = f32(v);
  return `(v128.const f32x4 ${t} ${t} ${t} ${t})`;
}

/** How a vector multiply-add `a·b + c` is spelled: fused (relaxed SIMD) or a multiply and an add. */
export type Madd = (a: string, b: string, c: string) => string;

/** `a·b + c`, fused when `fma` (relaxed SIMD must then be enabled in the assembler). */
export function madder(fma: boolean): Madd {
  return (a, b, c) => (fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`);
}

/** Horner's scheme for Σ c[k]·tᵏ, `t` a v128 expression without side effects. */
export function horner(madd: Madd, coefficients: number[], t: string): string {
  let acc = splat(coefficients[coefficients.length - 1]!);
  for (let k = coefficients.length - 2; k >= 0; k--) acc = madd(acc, t, splat(coefficients[k]!));
  return acc;
}

/** v128 locals the fragments below use; declare once per function. */
export const ERF_LOCALS = ['$az', '$s', '$small', '$v', '$a', '$ej', '$en', '$er', '$e', '$erfc', '$m', '$h']
  .map((l) => `(local ${l} v128)`)
  .join(' ');

const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375; // 355/512: n·LN2_HI is exact for |n| < 2^15
const LN2_LO = Math.LN2 - LN2_HI;
const ROUND_MAGIC = 1.5 * 2 ** 23; // adding it leaves round(y) in the low mantissa bits
/** e^r on |r| ≤ ln2/2: coefficients of r⁰ … r⁵. */
const EXP_POLY = [1.0000001192092896, 0.9999997019767761, 0.49998894333839417, 0.16667574644088745, 0.04191538318991661, 0.008297652006149292];
/** Below this e^a is subnormal: the fragment gives 0. */
const EXP_MIN_ARG = -87;

/** Statements setting `$e` = e^a for the v128 local `$a` (a ≤ 0; NaN gives 0). */
export function expStatements(madd: Madd): string {
  const get = (l: string): string => `(local.get ${l})`;
  return [
    `(local.set $ej ${madd(get('$a'), splat(LOG2E), splat(ROUND_MAGIC))})`,
    `(local.set $en (f32x4.sub ${get('$ej')} ${splat(ROUND_MAGIC)}))`,
    `(local.set $er ${madd(get('$en'), splat(-LN2_HI), get('$a'))})`,
    `(local.set $er ${madd(get('$en'), splat(-LN2_LO), get('$er'))})`,
    // 2ⁿ: the low bits of $j hold n (two's complement); shifted into the exponent field plus the bias
    `(local.set $e (f32x4.mul ${horner(madd, EXP_POLY, get('$er'))} (i32x4.add (i32x4.shl ${get('$ej')} (i32.const 23)) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))`,
    `(local.set $e (v128.and ${get('$e')} (f32x4.ge ${get('$a')} ${splat(EXP_MIN_ARG)})))`,
  ].join('\n      ');
}

/**
 * Statements that, for the v128 expression `z` (evaluated twice: keep it a `local.get`), set
 * `$s` = z², `$small` = z·P(z²), `$e` = e^(−z²), `$erfc` = erfc|z| (for |z| > 1) and `$m` = the
 * lane mask of |z| ≤ 1 (where `$small` is erf(z)).
 */
export function erfPieces(madd: Madd, z: string): string {
  const get = (l: string): string => `(local.get ${l})`;
  return [
    `(local.set $s (f32x4.mul ${z} ${z}))`,
    `(local.set $az (f32x4.abs ${z}))`,
    `(local.set $small (f32x4.mul ${z} ${horner(madd, ERF_SMALL, get('$s'))}))`,
    // pmin(az, 4) = 4 < az ? 4 : az keeps a NaN
    `(local.set $v (f32x4.sub (f32x4.div ${splat(2)} (f32x4.add ${splat(2)} (f32x4.pmin ${get('$az')} ${splat(ERFC_CLAMP)}))) ${splat(0.5)}))`,
    `(local.set $a (f32x4.neg ${get('$s')}))`,
    expStatements(madd),
    `(local.set $erfc (f32x4.mul ${horner(madd, ERFC_TAIL, get('$v'))} ${get('$e')}))`,
    `(local.set $m (f32x4.le ${get('$az')} ${splat(ERF_SPLIT)}))`,
  ].join('\n      ');
}

/** erf(z) from the pieces: `z·P` where |z| ≤ 1, `±(1 − erfc)` with z's sign elsewhere. */
export function erfFromPieces(z: string): string {
  const sign = '(v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)';
  const tail = `(v128.or (f32x4.sub ${splat(1)} (local.get $erfc)) (v128.and ${z} ${sign}))`;
  return `(v128.bitselect (local.get $small) ${tail} (local.get $m))`;
}

/**
 * Statements setting `$h` = Φ(x) from the pieces of z = x/√2: `½ + ½·z·P` where |z| ≤ 1; `½·erfc` for x < 0 and
 * `1 − ½·erfc` for x > 0 elsewhere.
 */
export function phiStatements(madd: Madd, x: string): string {
  return [
    `(local.set $h (f32x4.mul ${splat(0.5)} (local.get $erfc)))`,
    `(local.set $h (v128.bitselect (local.get $h) (f32x4.sub ${splat(1)} (local.get $h)) (f32x4.lt ${x} ${splat(0)})))`,
    `(local.set $h (v128.bitselect ${madd('(local.get $small)', splat(0.5), splat(0.5))} (local.get $h) (local.get $m)))`,
  ].join('\n      ');
}
