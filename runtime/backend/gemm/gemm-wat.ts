/**
 * WebAssembly text of ablate's f32 matrix product (GEMM), generated here so that the
 * unrolled micro-kernels stay readable as the loops that write them.
 *
 * Why our own GEMM: tfjs-wasm's products (XNNPACK) multiply and add in separate SIMD
 * instructions and run at 26–30 GFLOP/s on one core here; relaxed SIMD's fused
 * multiply-add (`f32x4.relaxed_madd`, one `vfmadd` on x86 with FMA) lets a 4×8 register
 * tile reach ~47 GFLOP/s on the same core. It also takes either operand transposed,
 * which XNNPACK's path in tfjs cannot (a transposed operand there falls to a scalar loop).
 *
 * Layout (all row-major, byte addresses into the imported memory, which is tfjs-wasm's heap):
 * - `op(A)` is `[M, K]`: A is stored `[M, K]`, or `[K, M]` when `transA`.
 * - `op(B)` is `[K, N]`: B is stored `[K, N]`, or `[N, K]` when `transB`.
 * - `C = op(A) · op(B) (+ bias[N])`, stored `[M, N]`.
 *
 * Blocking (GotoBLAS order): K in blocks of `KC`, M in blocks of `MC` rows. Per K block, B
 * is packed into panels of 8 columns (`[N/8][kc][8]`, zero-padded); per M block, A into
 * tiles of 4 rows (`[mc/4][kc][4]`, rows past the end repeat the last, whose results are not
 * stored). The kernel holds a 4×8 tile of C in 8 registers while it walks k: per k one
 * broadcast load per row of A and two vector loads of B. Transposed operands only change
 * the packing (4×4 SIMD transposes), not the kernel. MC = 16 and KC = 256 measured best
 * among 16/64/128 × 128/256 on the paper's shapes.
 */

/** Rows of the register tile. */
export const MR = 4;
/** Columns of the register tile (two f32x4 vectors). */
export const NR = 8;
/** Depth of a K block. */
export const KC = 256;
/** Rows of an M block. */
export const MC = 16;

/** Scratch bytes `gemm` needs for given N: the packed B block, the packed A block and one tile. */
export function gemmScratchBytes(n: number): number {
  return KC * Math.ceil(n / NR) * NR * 4 + MC * KC * 4 + MR * NR * 4;
}

/**
 * @param fma use `f32x4.relaxed_madd` (needs relaxed SIMD); otherwise a multiply and an add,
 *   for engines without it.
 */
export function gemmWat(fma: boolean): string {
  const madd = (x: string, b: string, acc: string): string =>
    fma ? `(f32x4.relaxed_madd ${x} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${x} ${b}))`;
  const minU = (a: string, b: string): string => `(select ${a} ${b} (i32.lt_u ${a} ${b}))`;
  const rows = [0, 1, 2, 3];
  const acc = (r: number, h: number): string => `$c${r}${h}`;
  const accLocals = rows.map((r) => `(local ${acc(r, 0)} v128) (local ${acc(r, 1)} v128)`).join(' ');
  const storeTile = rows
    .map((r) => `(v128.store offset=${32 * r} (local.get $t) (local.get ${acc(r, 0)})) (v128.store offset=${32 * r + 16} (local.get $t) (local.get ${acc(r, 1)}))`)
    .join('\n    ');

  /** One k step: B's two vectors, A's row r value from `aLoad(r)`, 8 multiply-adds. */
  const step = (aLoad: (r: number) => string): string => {
    const lines = [
      `(local.set $b0 (v128.load (local.get $bp)))`,
      `(local.set $b1 (v128.load offset=16 (local.get $bp)))`,
    ];
    for (const r of rows) {
      lines.push(`(local.set $x ${aLoad(r)})`);
      lines.push(`(local.set ${acc(r, 0)} ${madd('(local.get $x)', '(local.get $b0)', `(local.get ${acc(r, 0)})`)})`);
      lines.push(`(local.set ${acc(r, 1)} ${madd('(local.get $x)', '(local.get $b1)', `(local.get ${acc(r, 1)})`)})`);
    }
    return lines.join('\n      ');
  };

  // A packed as [kc][4] per tile: the tile's 4 values of one k are adjacent. A whole tile
  // (4 rows, 8 columns) goes straight to C; an edge tile through the tile buffer and $emit.
  const toC = (r: number, h: number, value: string): string => `(v128.store offset=${16 * h} (local.get $c) ${value})`;
  const addTo = (addr: string, h: number, r: number): string => `(f32x4.add (v128.load offset=${16 * h} ${addr}) (local.get ${acc(r, h)}))`;
  const rowsToC = (value: (r: number, h: number) => string): string =>
    rows.map((r) => `${toC(r, 0, value(r, 0))} ${toC(r, 1, value(r, 1))} (local.set $c (i32.add (local.get $c) (local.get $ldc)))`).join('\n          ');
  const kernel = `
  (func $kernel (param $a i32) (param $bp i32) (param $kc i32) (param $t i32)
      (param $c i32) (param $ldc i32) (param $mv i32) (param $nv i32) (param $mode i32) (param $bias i32)
    (local $x v128) (local $b0 v128) (local $b1 v128) ${accLocals}
    (block $done (loop $k1
      (br_if $done (i32.eqz (local.get $kc)))
      ${step((r) => `(v128.load32_splat offset=${4 * r} (local.get $a))`)}
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
      (br $k1)))
    (if (i32.and (i32.eq (local.get $mv) (i32.const 4)) (i32.eq (local.get $nv) (i32.const 8)))
      (then
        (if (local.get $mode)
          (then
          ${rowsToC((r, h) => addTo('(local.get $c)', h, r))})
          (else (if (local.get $bias)
            (then
          ${rowsToC((r, h) => addTo('(local.get $bias)', h, r))})
            (else
          ${rowsToC((r, h) => `(local.get ${acc(r, h)})`)})))))
      (else
        ${storeTile}
        (call $emit (local.get $t) (local.get $c) (local.get $ldc) (local.get $mv) (local.get $nv) (local.get $mode) (local.get $bias)))))`;

  // Edge tile buffer → C, value by value. mode 0 writes (adding bias when $bias ≠ 0), mode 1 accumulates.
  const emit = `
  (func $emit (param $t i32) (param $c i32) (param $ldc i32) (param $mv i32) (param $nv i32) (param $mode i32) (param $bias i32)
    (local $r i32) (local $j i32) (local $v f32) (local $p i32)
    (local.set $r (i32.const 0))
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $p (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $v (f32.load (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 2)))))
        (if (local.get $mode)
          (then (local.set $v (f32.add (local.get $v) (f32.load (local.get $p)))))
          (else (if (local.get $bias)
            (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))))
        (f32.store (local.get $p) (local.get $v))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $nv))))
      (local.set $c (i32.add (local.get $c) (local.get $ldc)))
      (local.set $t (i32.add (local.get $t) (i32.const 32)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $r) (local.get $mv)))))`;

  // B block (kc rows of op(B) from $b, element (k, j) at $b + k·$ks + j·$js) → panels [N/8][kc][8].
  const packB = `
  (func $pack_b (param $b i32) (param $ks i32) (param $js i32) (param $kc i32) (param $n i32) (param $dst i32)
    (local $j0 i32) (local $jj i32) (local $k i32) (local $src i32) (local $d i32) (local $panel i32)
    ${TRANSPOSE_LOCALS} ${[0, 1, 2, 3, 4, 5, 6, 7].map((q) => `(local $q${q} i32)`).join(' ')}
    (local.set $j0 (i32.const 0))
    (block $panels_done (loop $panels
      (br_if $panels_done (i32.ge_u (local.get $j0) (local.get $n)))
      (local.set $panel (i32.add (local.get $dst) (i32.mul (i32.shr_u (local.get $j0) (i32.const 3)) (i32.shl (local.get $kc) (i32.const 5)))))
      (local.set $d (local.get $panel))
      (local.set $k (i32.const 0))
      (if (i32.and (i32.eq (local.get $js) (i32.const 4)) (i32.le_u (i32.add (local.get $j0) (i32.const 8)) (local.get $n)))
        (then
          ;; 8 adjacent columns: two vector copies per k
          (local.set $src (i32.add (local.get $b) (i32.shl (local.get $j0) (i32.const 2))))
          (block $kd (loop $kl
            (br_if $kd (i32.ge_u (local.get $k) (local.get $kc)))
            (v128.store (local.get $d) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $ks)))
            (local.set $d (i32.add (local.get $d) (i32.const 32)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl)))
          (local.set $k (local.get $kc))))
      (if (i32.and (i32.eq (local.get $ks) (i32.const 4)) (i32.le_u (i32.add (local.get $j0) (i32.const 8)) (local.get $n)))
        (then
          ;; 8 columns, each contiguous along k (B transposed): 4×4 transposes, 4 k at a time
          ${[0, 1, 2, 3, 4, 5, 6, 7].map((q) => `(local.set $q${q} (i32.add (local.get $b) (i32.mul (i32.add (local.get $j0) (i32.const ${q})) (local.get $js))))`).join('\n          ')}
          (block $kd (loop $kl
            (br_if $kd (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            ${transpose4(['$q0', '$q1', '$q2', '$q3'], (i) => `(v128.store offset=${32 * i} (local.get $d)`)}
            ${transpose4(['$q4', '$q5', '$q6', '$q7'], (i) => `(v128.store offset=${32 * i + 16} (local.get $d)`)}
            ${[0, 1, 2, 3, 4, 5, 6, 7].map((q) => `(local.set $q${q} (i32.add (local.get $q${q}) (i32.const 16)))`).join(' ')}
            (local.set $d (i32.add (local.get $d) (i32.const 128)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $kl)))))
      ;; whatever is left (the last k < 4, a partial panel): value by value, zero past N
      (if (i32.lt_u (local.get $k) (local.get $kc))
        (then
          (local.set $jj (i32.const 0))
          (loop $cols
            (local.set $d (i32.add (i32.add (local.get $panel) (i32.shl (local.get $k) (i32.const 5))) (i32.shl (local.get $jj) (i32.const 2))))
            (local.set $src (i32.add (i32.add (local.get $b) (i32.mul (i32.add (local.get $j0) (local.get $jj)) (local.get $js))) (i32.mul (local.get $k) (local.get $ks))))
            (local.set $q0 (local.get $k))
            (block $kd (loop $kl
              (br_if $kd (i32.ge_u (local.get $q0) (local.get $kc)))
              (f32.store (local.get $d)
                (if (result f32) (i32.lt_u (i32.add (local.get $j0) (local.get $jj)) (local.get $n))
                  (then (f32.load (local.get $src))) (else (f32.const 0))))
              (local.set $src (i32.add (local.get $src) (local.get $ks)))
              (local.set $d (i32.add (local.get $d) (i32.const 32)))
              (local.set $q0 (i32.add (local.get $q0) (i32.const 1)))
              (br $kl)))
            (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
            (br_if $cols (i32.lt_u (local.get $jj) (i32.const 8))))))
      (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
      (br $panels)))
  )`;

  // A block (rows $i0 .. $i0+$mc of op(A), k from $a: element (i, k) at $a + i·$rs + k·$ks) → tiles
  // [mc/4][kc][4]. Rows past the last ($mLast) repeat it: their results are computed and not stored.
  const packA = `
  (func $pack_a (param $a i32) (param $rs i32) (param $ks i32) (param $i0 i32) (param $mc i32) (param $mLast i32) (param $kc i32) (param $dst i32)
    (local $i i32) (local $k i32) (local $d i32) (local $r i32)
    ${TRANSPOSE_LOCALS} (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local.set $i (local.get $i0))
    (block $tiles_done (loop $tiles
      (br_if $tiles_done (i32.ge_u (local.get $i) (i32.add (local.get $i0) (local.get $mc))))
      ${[0, 1, 2, 3].map((r) => `(local.set $q${r} (i32.add (local.get $a) (i32.mul ${minU(`(i32.add (local.get $i) (i32.const ${r}))`, '(local.get $mLast)')} (local.get $rs))))`).join('\n      ')}
      (local.set $k (i32.const 0))
      (if (i32.eq (local.get $ks) (i32.const 4))
        (then
          ;; rows contiguous along k: 4×4 transposes
          (block $kd (loop $kl
            (br_if $kd (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            ${transpose4(['$q0', '$q1', '$q2', '$q3'], (i) => `(v128.store offset=${16 * i} (local.get $dst)`)}
            ${[0, 1, 2, 3].map((q) => `(local.set $q${q} (i32.add (local.get $q${q}) (i32.const 16)))`).join(' ')}
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $kl)))))
      (if (i32.and (i32.eq (local.get $rs) (i32.const 4)) (i32.le_u (i32.add (local.get $i) (i32.const 3)) (local.get $mLast)))
        (then
          ;; A transposed, 4 whole rows: one vector per k
          (block $kd (loop $kl
            (br_if $kd (i32.ge_u (local.get $k) (local.get $kc)))
            (v128.store (local.get $dst) (v128.load (local.get $q0)))
            (local.set $q0 (i32.add (local.get $q0) (local.get $ks)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl)))))
      ;; the rest, value by value
      (block $kd (loop $kl
        (br_if $kd (i32.ge_u (local.get $k) (local.get $kc)))
        ${[0, 1, 2, 3].map((r) => `(f32.store offset=${4 * r} (local.get $dst) (f32.load (local.get $q${r}))) (local.set $q${r} (i32.add (local.get $q${r}) (local.get $ks)))`).join('\n        ')}
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $tiles)))
  )`;

  const gemm = `
  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $bias i32)
      (param $m i32) (param $k i32) (param $n i32) (param $transA i32) (param $transB i32) (param $scratch i32)
    (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32) (local $j0 i32) (local $ir i32)
    (local $nv i32) (local $mode i32) (local $biasP i32) (local $t i32) (local $bp i32) (local $ap i32) (local $apk i32)
    (local $ldc i32) (local $mLast i32) (local $panelBytes i32)
    (local.set $ldc (i32.shl (local.get $n) (i32.const 2)))
    (local.set $mLast (i32.sub (local.get $m) (i32.const 1)))
    (local.set $ap (i32.add (local.get $scratch) (i32.mul (i32.const ${KC * 32}) (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))))
    (local.set $t (i32.add (local.get $ap) (i32.const ${MC * KC * 4})))
    (local.set $pc (i32.const 0))
    (block $kDone (loop $kBlocks
      (br_if $kDone (i32.ge_u (local.get $pc) (local.get $k)))
      (local.set $kc ${minU(`(i32.const ${KC})`, '(i32.sub (local.get $k) (local.get $pc))')})
      (local.set $panelBytes (i32.shl (local.get $kc) (i32.const 5)))
      (if (local.get $transB)
        (then (call $pack_b (i32.add (local.get $b) (i32.shl (local.get $pc) (i32.const 2))) (i32.const 4)
                (i32.shl (local.get $k) (i32.const 2)) (local.get $kc) (local.get $n) (local.get $scratch)))
        (else (call $pack_b (i32.add (local.get $b) (i32.mul (local.get $pc) (local.get $ldc))) (local.get $ldc)
                (i32.const 4) (local.get $kc) (local.get $n) (local.get $scratch))))
      (local.set $mode (i32.ne (local.get $pc) (i32.const 0)))
      (local.set $ic (i32.const 0))
      (block $mDone (loop $mBlocks
        (br_if $mDone (i32.ge_u (local.get $ic) (local.get $m)))
        (local.set $mc ${minU(`(i32.const ${MC})`, '(i32.sub (local.get $m) (local.get $ic))')})
        (if (local.get $transA)
          (then (call $pack_a (i32.add (local.get $a) (i32.shl (i32.mul (local.get $pc) (local.get $m)) (i32.const 2)))
                  (i32.const 4) (i32.shl (local.get $m) (i32.const 2)) (local.get $ic) (local.get $mc) (local.get $mLast) (local.get $kc) (local.get $ap)))
          (else (call $pack_a (i32.add (local.get $a) (i32.shl (local.get $pc) (i32.const 2)))
                  (i32.shl (local.get $k) (i32.const 2)) (i32.const 4) (local.get $ic) (local.get $mc) (local.get $mLast) (local.get $kc) (local.get $ap))))
        (local.set $j0 (i32.const 0))
        (local.set $bp (local.get $scratch))
        (block $nDone (loop $panels
          (br_if $nDone (i32.ge_u (local.get $j0) (local.get $n)))
          (local.set $nv ${minU('(i32.const 8)', '(i32.sub (local.get $n) (local.get $j0))')})
          (local.set $biasP (select (i32.const 0) (select (i32.add (local.get $bias) (i32.shl (local.get $j0) (i32.const 2))) (i32.const 0) (local.get $bias)) (local.get $mode)))
          (local.set $ir (i32.const 0))
          (local.set $apk (local.get $ap))
          (block $tDone (loop $tiles
            (br_if $tDone (i32.ge_u (local.get $ir) (local.get $mc)))
            (call $kernel (local.get $apk) (local.get $bp) (local.get $kc) (local.get $t)
              (i32.add (local.get $c) (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc)) (i32.shl (local.get $j0) (i32.const 2))))
              (local.get $ldc) ${minU('(i32.const 4)', '(i32.sub (local.get $mc) (local.get $ir))')} (local.get $nv) (local.get $mode) (local.get $biasP))
            (local.set $apk (i32.add (local.get $apk) (i32.shl (local.get $kc) (i32.const 4))))
            (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
            (br $tiles)))
          (local.set $bp (i32.add (local.get $bp) (local.get $panelBytes)))
          (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
          (br $panels)))
        (local.set $ic (i32.add (local.get $ic) (local.get $mc)))
        (br $mBlocks)))
      (local.set $pc (i32.add (local.get $pc) (local.get $kc)))
      (br $kBlocks)))
  )`;

  return `(module
  (import "env" "memory" (memory 1))
  ${kernel}
  ${emit}
  ${packB}
  ${packA}
  ${gemm})`;
}

const TRANSPOSE_LOCALS = '(local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $u0 v128) (local $u1 v128) (local $u2 v128) (local $u3 v128)';

/** `i8x16.shuffle` choosing 32-bit lanes (0–3 from the first operand, 4–7 from the second). */
function lanes(l: number[]): string {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]).join(' ');
}

/**
 * Loads a vector from each of 4 pointers (4 rows × 4 values) and stores the 4×4 transpose:
 * output row i (value i of each input row) goes to `store(i) <vector>)`.
 */
function transpose4(src: string[], store: (i: number) => string): string {
  const loads = src.map((p, i) => `(local.set $r${i} (v128.load (local.get ${p})))`);
  const shuf = (l: number[], x: string, y: string): string => `(i8x16.shuffle ${lanes(l)} (local.get ${x}) (local.get ${y}))`;
  return [
    ...loads,
    `(local.set $u0 ${shuf([0, 4, 1, 5], '$r0', '$r1')})`,
    `(local.set $u1 ${shuf([2, 6, 3, 7], '$r0', '$r1')})`,
    `(local.set $u2 ${shuf([0, 4, 1, 5], '$r2', '$r3')})`,
    `(local.set $u3 ${shuf([2, 6, 3, 7], '$r2', '$r3')})`,
    `${store(0)} ${shuf([0, 1, 4, 5], '$u0', '$u2')})`,
    `${store(1)} ${shuf([2, 3, 6, 7], '$u0', '$u2')})`,
    `${store(2)} ${shuf([0, 1, 4, 5], '$u1', '$u3')})`,
    `${store(3)} ${shuf([2, 3, 6, 7], '$u1', '$u3')})`,
  ].join('\n');
}
