/**
 * WebAssembly text of ablate's fused elementwise kernels: exact GELU and its derivative, erf,
 * and layer normalisation over the last axis (with and without γ, β) and their gradients.
 * Each is one pass (GELU) or one pass per row with the row in L1 (layer norm) where tfjs-wasm
 * needs 4–8 kernels, each a full pass over the map. Generated here so that the SIMD bodies
 * read as the formulas they compute.
 *
 * Conventions: every pointer is a byte address into the imported memory (tfjs-wasm's heap),
 * every tensor f32 and dense. Elementwise kernels take a count `n` of values (any n: the last
 * n mod 4 run one at a time through the same vector code). Row kernels take `rows` and the
 * row length `C` (any C ≥ 1: the vector loops cover C rounded down to a multiple of 4, a
 * scalar loop the rest) and work on `[rows, C]` row-major, with one statistic per row.
 *
 * Exports (see `FusedModule` in `fused-module.ts` for their TypeScript signatures):
 * - `erf(x, y, n)`: y = erf(x).
 * - `gelu(x, y, n)`: y = x·Φ(x).
 * - `gelu_grad(dy, x, dx, n)`: dx = dy·(Φ(x) + x·φ(x)).
 * - `standardize(x, xhat, rstd, rows, C, eps)`: x̂ = (x − μ)·rstd, rstd = 1/√(σ² + eps) (σ² biased).
 * - `standardize_grad(dy, xhat, rstd, dx, rows, C)`: dx = rstd·(dy − mean(dy) − x̂·mean(dy·x̂)).
 * - `layer_norm(x, gamma, beta, y, mean, rstd, rows, C, eps)`: y = x̂·γ + β, with μ and rstd per row.
 * - `layer_norm_grad(dy, x, mean, rstd, gamma, dx, dgamma, dbeta, rows, C)`: with g = dy·γ,
 *   dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ_rows dy·x̂, dβ = Σ_rows dy (overwritten).
 */
import { ERF_LOCALS, erfFromPieces, erfPieces, madder, phiStatements, splat, type Madd } from './erf-wat.ts';

/** A `local.get`. */
function get(local: string): string {
  return `(local.get ${local})`;
}

/** `i32.add` of a pointer and a byte offset, both locals. */
function at(pointer: string, offset: string): string {
  return `(i32.add ${get(pointer)} ${get(offset)})`;
}

/**
 * An elementwise function over `n` values: `inputs` and `output` are pointer parameters;
 * `body(values)` gets one v128 expression per input and returns statements and the result.
 */
function elementwise(
  name: string,
  inputs: string[],
  output: string,
  body: (values: string[]) => { statements: string; result: string },
): string {
  const pointers = [...inputs, output];
  const values = inputs.map((p) => `${p}_v`);
  const advance = (bytes: number): string =>
    pointers.map((p) => `(local.set ${p} (i32.add ${get(p)} (i32.const ${bytes})))`).join(' ');
  const { statements, result } = body(values.map(get));
  return `
  (func (export "${name}") ${pointers.map((p) => `(param ${p} i32)`).join(' ')} (param $n i32)
    (local $end i32) (local $z v128) ${values.map((v) => `(local ${v} v128)`).join(' ')} ${ERF_LOCALS}
    (local.set $end (i32.add ${get(output)} (i32.shl (i32.and ${get('$n')} (i32.const -4)) (i32.const 2))))
    (block $vd (loop $vl
      (br_if $vd (i32.ge_u ${get(output)} ${get('$end')}))
      ${inputs.map((p, i) => `(local.set ${values[i]} (v128.load ${get(p)}))`).join(' ')}
      ${statements}
      (v128.store ${get(output)} ${result})
      ${advance(16)}
      (br $vl)))
    ;; the last n mod 4 values, one at a time in lane 0
    (local.set $n (i32.and ${get('$n')} (i32.const 3)))
    (block $td (loop $tl
      (br_if $td (i32.eqz ${get('$n')}))
      ${inputs.map((p, i) => `(local.set ${values[i]} (v128.load32_splat ${get(p)}))`).join(' ')}
      ${statements}
      (f32.store ${get(output)} (f32x4.extract_lane 0 ${result}))
      ${advance(4)}
      (local.set $n (i32.sub ${get('$n')} (i32.const 1)))
      (br $tl))))`;
}

function erfKernel(madd: Madd): string {
  return elementwise('erf', ['$x'], '$y', ([x]) => ({ statements: erfPieces(madd, x!), result: erfFromPieces(x!) }));
}

/** The pieces of erf(x/√2) and Φ(x) (in `$h`), x in the local `x`. */
function phi(madd: Madd, x: string): string {
  return [`(local.set $z (f32x4.mul ${x} ${splat(Math.SQRT1_2)}))`, erfPieces(madd, get('$z')), phiStatements(madd, x)].join('\n      ');
}

function geluKernel(madd: Madd): string {
  return elementwise('gelu', ['$x'], '$y', ([x]) => ({ statements: phi(madd, x!), result: `(f32x4.mul ${x} ${get('$h')})` }));
}

function geluGradKernel(madd: Madd): string {
  // φ(x) = e^(−x²/2)/√(2π), and $e already holds e^(−z²) = e^(−x²/2)
  const derivative = (x: string): string => madd(x, `(f32x4.mul ${get('$e')} ${splat(1 / Math.sqrt(2 * Math.PI))})`, get('$h'));
  return elementwise('gelu_grad', ['$dy', '$x'], '$dx', ([dy, x]) => ({
    statements: phi(madd, x!),
    result: `(f32x4.mul ${dy} ${derivative(x!)})`,
  }));
}

/** Sum of a v128's four lanes. */
function lanesSum(v: string): string {
  const lane = (i: number): string => `(f32x4.extract_lane ${i} ${v})`;
  return `(f32.add (f32.add ${lane(0)} ${lane(1)}) (f32.add ${lane(2)} ${lane(3)}))`;
}

/**
 * A loop over one row: `vector` for each 4 values (byte offset `$j` from 0 to `$cvb`), then
 * `scalar` for each remaining value (to `$cb`).
 */
function overRow(label: string, vector: string, scalar: string): string {
  return `
      (local.set $j (i32.const 0))
      (block $${label}_vd (loop $${label}_v
        (br_if $${label}_vd (i32.ge_u ${get('$j')} ${get('$cvb')}))
        ${vector}
        (local.set $j (i32.add ${get('$j')} (i32.const 16)))
        (br $${label}_v)))
      (block $${label}_sd (loop $${label}_s
        (br_if $${label}_sd (i32.ge_u ${get('$j')} ${get('$cb')}))
        ${scalar}
        (local.set $j (i32.add ${get('$j')} (i32.const 4)))
        (br $${label}_s)))`;
}

/** Locals and set-up shared by the row kernels: `$cb` = C·4 bytes, `$cvb` its multiple of 16. */
const ROW_LOCALS = '(local $j i32) (local $r i32) (local $cb i32) (local $cvb i32) (local $cf f32) (local $acc v128) (local $acc2 v128) (local $sum f32) (local $sum2 f32) (local $mean f32) (local $rstd f32) (local $d f32) (local $mv v128) (local $rv v128) (local $t f32) (local $tv v128)';
const ROW_SETUP = `
    (local.set $cb (i32.shl ${get('$c')} (i32.const 2)))
    (local.set $cvb (i32.and ${get('$cb')} (i32.const -16)))
    (local.set $cf (f32.convert_i32_u ${get('$c')}))
    (local.set $r (i32.const 0))`;

/**
 * Per row of x (advanced by the caller's loop): `$mean`, `$rstd` and their splats `$mv`, `$rv`.
 * Two passes (mean, then the mean of squared deviations), as the composite computes them.
 */
function rowMoments(madd: Madd): string {
  const x = at('$x', '$j');
  return `
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $t (f32.const 0))
      ${overRow('mean', `(local.set $acc (f32x4.add ${get('$acc')} (v128.load ${x})))`, `(local.set $t (f32.add ${get('$t')} (f32.load ${x})))`)}
      (local.set $mean (f32.div (f32.add ${lanesSum(get('$acc'))} ${get('$t')}) ${get('$cf')}))
      (local.set $mv (f32x4.splat ${get('$mean')}))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $t (f32.const 0))
      ${overRow(
        'var',
        `(local.set $tv (f32x4.sub (v128.load ${x}) ${get('$mv')})) (local.set $acc ${madd(get('$tv'), get('$tv'), get('$acc'))})`,
        `(local.set $d (f32.sub (f32.load ${x}) ${get('$mean')})) (local.set $t (f32.add ${get('$t')} (f32.mul ${get('$d')} ${get('$d')})))`,
      )}
      (local.set $rstd (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (f32.add ${lanesSum(get('$acc'))} ${get('$t')}) ${get('$cf')}) ${get('$eps')}))))
      (local.set $rv (f32x4.splat ${get('$rstd')}))`;
}

/** A loop over rows around `body`, advancing each pointer in `rowPointers` by a row and each in `statPointers` by 4 bytes. */
function overRows(body: string, rowPointers: string[], statPointers: string[]): string {
  return `
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u ${get('$r')} ${get('$rows')}))
      ${body}
      ${rowPointers.map((p) => `(local.set ${p} (i32.add ${get(p)} ${get('$cb')}))`).join(' ')}
      ${statPointers.map((p) => `(local.set ${p} (i32.add ${get(p)} (i32.const 4)))`).join(' ')}
      (local.set $r (i32.add ${get('$r')} (i32.const 1)))
      (br $rows)))`;
}

function standardizeKernel(madd: Madd): string {
  const x = at('$x', '$j');
  return `
  (func (export "standardize") (param $x i32) (param $xhat i32) (param $rstdp i32) (param $rows i32) (param $c i32) (param $eps f32)
    ${ROW_LOCALS}
    ${ROW_SETUP}
    ${overRows(
      `${rowMoments(madd)}
      ${overRow(
        'out',
        `(v128.store ${at('$xhat', '$j')} (f32x4.mul (f32x4.sub (v128.load ${x}) ${get('$mv')}) ${get('$rv')}))`,
        `(f32.store ${at('$xhat', '$j')} (f32.mul (f32.sub (f32.load ${x}) ${get('$mean')}) ${get('$rstd')}))`,
      )}
      (f32.store ${get('$rstdp')} ${get('$rstd')})`,
      ['$x', '$xhat'],
      ['$rstdp'],
    )})`;
}

function layerNormKernel(madd: Madd): string {
  const x = at('$x', '$j');
  const xhatV = `(f32x4.mul (f32x4.sub (v128.load ${x}) ${get('$mv')}) ${get('$rv')})`;
  const xhatS = `(f32.mul (f32.sub (f32.load ${x}) ${get('$mean')}) ${get('$rstd')})`;
  return `
  (func (export "layer_norm") (param $x i32) (param $gamma i32) (param $beta i32) (param $y i32) (param $meanp i32) (param $rstdp i32) (param $rows i32) (param $c i32) (param $eps f32)
    ${ROW_LOCALS}
    ${ROW_SETUP}
    ${overRows(
      `${rowMoments(madd)}
      ${overRow(
        'out',
        `(v128.store ${at('$y', '$j')} ${madd(xhatV, `(v128.load ${at('$gamma', '$j')})`, `(v128.load ${at('$beta', '$j')})`)})`,
        `(f32.store ${at('$y', '$j')} (f32.add (f32.mul ${xhatS} (f32.load ${at('$gamma', '$j')})) (f32.load ${at('$beta', '$j')})))`,
      )}
      (f32.store ${get('$meanp')} ${get('$mean')})
      (f32.store ${get('$rstdp')} ${get('$rstd')})`,
      ['$x', '$y'],
      ['$meanp', '$rstdp'],
    )})`;
}

/**
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) for one row, given the vector and scalar expressions
 * of g and x̂ at offset `$j`; `extraVector`/`extraScalar` run in the first pass too.
 */
function rowGradient(
  madd: Madd,
  g: { vector: string; scalar: string },
  xhat: { vector: string; scalar: string },
  extra: { vector: string; scalar: string },
): string {
  return `
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $acc2 (v128.const i32x4 0 0 0 0))
      (local.set $t (f32.const 0))
      (local.set $d (f32.const 0))
      ${overRow(
        'sums',
        `(local.set $gv ${g.vector}) (local.set $xv ${xhat.vector})
        (local.set $acc (f32x4.add ${get('$acc')} ${get('$gv')}))
        (local.set $acc2 ${madd(get('$gv'), get('$xv'), get('$acc2'))})
        ${extra.vector}`,
        `(local.set $gs ${g.scalar}) (local.set $xs ${xhat.scalar})
        (local.set $t (f32.add ${get('$t')} ${get('$gs')}))
        (local.set $d (f32.add ${get('$d')} (f32.mul ${get('$gs')} ${get('$xs')})))
        ${extra.scalar}`,
      )}
      (local.set $sum (f32.div (f32.add ${lanesSum(get('$acc'))} ${get('$t')}) ${get('$cf')}))
      (local.set $sum2 (f32.div (f32.add ${lanesSum(get('$acc2'))} ${get('$d')}) ${get('$cf')}))
      (local.set $mv (f32x4.splat ${get('$sum')}))
      (local.set $tv (f32x4.splat ${get('$sum2')}))
      ${overRow(
        'dx',
        `(v128.store ${at('$dx', '$j')} (f32x4.mul ${get('$rv')} (f32x4.sub (f32x4.sub ${g.vector} ${get('$mv')}) (f32x4.mul ${xhat.vector} ${get('$tv')}))))`,
        `(f32.store ${at('$dx', '$j')} (f32.mul ${get('$rstd')} (f32.sub (f32.sub ${g.scalar} ${get('$sum')}) (f32.mul ${xhat.scalar} ${get('$sum2')}))))`,
      )}`;
}

const GRADIENT_LOCALS = '(local $gv v128) (local $xv v128) (local $gs f32) (local $xs f32) (local $k i32)';

function standardizeGradKernel(madd: Madd): string {
  return `
  (func (export "standardize_grad") (param $dy i32) (param $xhat i32) (param $rstdp i32) (param $dx i32) (param $rows i32) (param $c i32)
    ${ROW_LOCALS} ${GRADIENT_LOCALS}
    ${ROW_SETUP}
    ${overRows(
      `(local.set $rstd (f32.load ${get('$rstdp')}))
      (local.set $rv (f32x4.splat ${get('$rstd')}))
      ${rowGradient(
        madd,
        { vector: `(v128.load ${at('$dy', '$j')})`, scalar: `(f32.load ${at('$dy', '$j')})` },
        { vector: `(v128.load ${at('$xhat', '$j')})`, scalar: `(f32.load ${at('$xhat', '$j')})` },
        { vector: '', scalar: '' },
      )}`,
      ['$dy', '$xhat', '$dx'],
      ['$rstdp'],
    )})`;
}

function layerNormGradKernel(madd: Madd): string {
  const dyV = `(v128.load ${at('$dy', '$j')})`;
  const dyS = `(f32.load ${at('$dy', '$j')})`;
  const xhatV = `(f32x4.mul (f32x4.sub (v128.load ${at('$x', '$j')}) ${get('$mu')}) ${get('$rv')})`;
  const xhatS = `(f32.mul (f32.sub (f32.load ${at('$x', '$j')}) ${get('$means')}) ${get('$rstd')})`;
  const dg = at('$dgamma', '$j');
  const db = at('$dbeta', '$j');
  return `
  (func (export "layer_norm_grad") (param $dy i32) (param $x i32) (param $meanp i32) (param $rstdp i32) (param $gamma i32)
      (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $rows i32) (param $c i32)
    ${ROW_LOCALS} ${GRADIENT_LOCALS} (local $mu v128) (local $means f32) (local $dyv v128) (local $dys f32)
    ${ROW_SETUP}
    ;; dγ and dβ accumulate over rows from zero
    (memory.fill ${get('$dgamma')} (i32.const 0) ${get('$cb')})
    (memory.fill ${get('$dbeta')} (i32.const 0) ${get('$cb')})
    ${overRows(
      `(local.set $means (f32.load ${get('$meanp')}))
      (local.set $mu (f32x4.splat ${get('$means')}))
      (local.set $rstd (f32.load ${get('$rstdp')}))
      (local.set $rv (f32x4.splat ${get('$rstd')}))
      ${rowGradient(
        madd,
        { vector: `(f32x4.mul ${dyV} (v128.load ${at('$gamma', '$j')}))`, scalar: `(f32.mul ${dyS} (f32.load ${at('$gamma', '$j')}))` },
        { vector: xhatV, scalar: xhatS },
        {
          vector: `(local.set $dyv ${dyV})
        (v128.store ${dg} ${madd(get('$dyv'), get('$xv'), `(v128.load ${dg})`)})
        (v128.store ${db} (f32x4.add (v128.load ${db}) ${get('$dyv')}))`,
          scalar: `(local.set $dys ${dyS})
        (f32.store ${dg} (f32.add (f32.load ${dg}) (f32.mul ${get('$dys')} ${get('$xs')})))
        (f32.store ${db} (f32.add (f32.load ${db}) ${get('$dys')}))`,
        },
      )}`,
      ['$dy', '$x', '$dx'],
      ['$meanp', '$rstdp'],
    )})`;
}

/**
 * The module's text.
 * @param fma use `f32x4.relaxed_madd` (needs relaxed SIMD); otherwise a multiply and an add.
 */
export function fusedWat(fma: boolean): string {
  const madd = madder(fma);
  return `(module
  (import "env" "memory" (memory 1))
  ${erfKernel(madd)}
  ${geluKernel(madd)}
  ${geluGradKernel(madd)}
  ${standardizeKernel(madd)}
  ${standardizeGradKernel(madd)}
  ${layerNormKernel(madd)}
  ${layerNormGradKernel(madd)})`;
}
