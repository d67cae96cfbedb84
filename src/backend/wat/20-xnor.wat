;; Binary GEMM counts: out[i·n + j] = popcount(A[i] XOR Bᵀ[j]) over w 64-bit words, as int32.
;; A and Bᵀ arrive as interleaved row-pair panels (src/backend/bitpack.ts): for each pair of rows
;; and each 64-bit word q, [row0 word q, row1 word q] (16 bytes), w even, rows padded to pairs,
;; so a 2×2 tile reads 2 + 2 words per step through 2 pointers with constant offsets.
;; Scalar i64.xor + i64.popcnt rather than v128.xor + i8x16.popcnt: x64 has a popcnt instruction
;; for 64 bits, while i8x16.popcnt lowers to a nibble-table shuffle sequence of ~8 instructions
;; per 128 bits plus a horizontal add (see docs/wasm.md for the measurement).
;; One 16-byte step per iteration: the loop unrolled twice was 72 bytes larger and no faster
;; (Node 20, best and median of 21 alternating batches, shared machine).
(func $xnor_tile (param $pa i32) (param $pb i32) (param $bytes i32) (param $o i32) (param $n4 i32)
  (local $end i32) (local $c00 i64) (local $c01 i64) (local $c10 i64) (local $c11 i64)
  (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64)
  (local.set $end (i32.add (local.get $pa) (local.get $bytes)))
  (block $done (loop $k
    (br_if $done (i32.ge_u (local.get $pa) (local.get $end)))
    (local.set $x0 (i64.load (local.get $pa)))
    (local.set $x1 (i64.load offset=8 (local.get $pa)))
    (local.set $y0 (i64.load (local.get $pb)))
    (local.set $y1 (i64.load offset=8 (local.get $pb)))
    (local.set $c00 (i64.add (local.get $c00) (i64.popcnt (i64.xor (local.get $x0) (local.get $y0)))))
    (local.set $c01 (i64.add (local.get $c01) (i64.popcnt (i64.xor (local.get $x0) (local.get $y1)))))
    (local.set $c10 (i64.add (local.get $c10) (i64.popcnt (i64.xor (local.get $x1) (local.get $y0)))))
    (local.set $c11 (i64.add (local.get $c11) (i64.popcnt (i64.xor (local.get $x1) (local.get $y1)))))
    (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
    (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
    (br $k)))
  (i32.store (local.get $o) (i32.wrap_i64 (local.get $c00)))
  (i32.store offset=4 (local.get $o) (i32.wrap_i64 (local.get $c01)))
  (i32.store (i32.add (local.get $o) (local.get $n4)) (i32.wrap_i64 (local.get $c10)))
  (i32.store offset=4 (i32.add (local.get $o) (local.get $n4)) (i32.wrap_i64 (local.get $c11))))

;; m, n even (padded row counts); w even (64-bit words per row); out is m×n int32.
;; Bᵀ is walked in blocks of `nb` rows (an even number, chosen by the caller to fit L2) so that
;; a block stays cached while every A pair streams past it.
(func (export "xnor_counts") (param $m i32) (param $n i32) (param $w i32) (param $a i32) (param $b i32)
    (param $out i32) (param $nb i32)
  (local $i i32) (local $j i32) (local $j0 i32) (local $jEnd i32) (local $pairBytes i32) (local $n4 i32)
  (local.set $pairBytes (i32.shl (local.get $w) (i32.const 4)))
  (local.set $n4 (i32.shl (local.get $n) (i32.const 2)))
  (block $ej0 (loop $lj0
    (br_if $ej0 (i32.ge_s (local.get $j0) (local.get $n)))
    (local.set $jEnd (select (local.get $n) (i32.add (local.get $j0) (local.get $nb))
      (i32.lt_s (i32.sub (local.get $n) (local.get $j0)) (local.get $nb))))
    (local.set $i (i32.const 0))
    (block $ei (loop $li
      (br_if $ei (i32.ge_s (local.get $i) (local.get $m)))
      (local.set $j (local.get $j0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_s (local.get $j) (local.get $jEnd)))
        (call $xnor_tile
          (i32.add (local.get $a) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (local.get $pairBytes)))
          (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 1)) (local.get $pairBytes)))
          (local.get $pairBytes)
          (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $n4))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $li)))
    (local.set $j0 (i32.add (local.get $j0) (local.get $nb)))
    (br $lj0))))
