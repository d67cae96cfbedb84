;; Multi-bit weights × float activations (ALQ's weight-only inference), on the weights decoded
;; once into pair lists (src/bitpack/multibit-rows.ts): the output rows are taken two at a time
;; (rows[2q], rows[2q+1]; the second may be a scratch row), and pair q holds, for every column of
;; the union of the two rows' non-empty groups, the entry (k, w0, w1) in [ptr[q], ptr[q+1]):
;;   out[rows[2q],   j] = Σ_p w0[p] · B[k[p], j]     out[rows[2q+1], j] = Σ_p w1[p] · B[k[p], j]
;; (float32 products and sums, in list order; a row's weight is 0 at a column only the other row
;; uses). B is the activations transposed, K rows of nb floats at row stride bRs bytes (the im2col
;; patch matrix where the im2col kernel wrote it); out rows are oRs bytes apart.
;; Why pairs and 16-column strips: every weight row has its own pruned groups, so 4-row tiles as
;; in the dense GEMM would run over the union of 4 rows' columns (most of them at 50 % pruning),
;; while one row per tile pays a B load per multiply-add and measured 0.6× the dense GEMM's
;; rate. A 2×16 tile is 8 accumulators and 4 B loads + 2 splats per 8 multiply-adds, the dense
;; 4×8 tile's ratio; the decoder sorts rows by their pattern of empty groups so paired rows
;; mostly share it. Each 16-column strip of B is first copied into a contiguous K×16 panel at
;; `work` (K·64 bytes), so a pair's walk is not strided by bRs (new cache lines and pages per k).
;; Strips of 16 columns, then of 4, then single columns; every output is summed in list order
;; whatever its strip, so the JS twin (multiBitRowsGemmRef) reproduces every bit. With `acc`, the
;; sums are added to what out holds (out + sum, one rounding): the dense inference conv runs one
;; call per 256-term K block this way, which is the f32 GEMM's order (10-gemm-f32.wat).
(func (export "mb_rows_f32") (param $pairs i32) (param $nb i32) (param $K i32) (param $ptr i32) (param $rows i32)
    (param $idx i32) (param $val i32) (param $b i32) (param $bRs i32) (param $out i32) (param $oRs i32) (param $work i32) (param $acc i32)
  (local $jb i32) (local $end16 i32) (local $end4 i32) (local $endb i32) (local $r i32) (local $p i32) (local $e i32)
  (local $q i32) (local $k i32) (local $src i32) (local $dst i32) (local $o0 i32) (local $o1 i32)
  (local $w0 v128) (local $w1 v128) (local $x v128) (local $s0 f32) (local $s1 f32) (local $xs f32)
  (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
  (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
  (local.set $endb (i32.shl (local.get $nb) (i32.const 2)))
  (local.set $end16 (i32.and (local.get $endb) (i32.const -64)))
  (local.set $end4 (i32.and (local.get $endb) (i32.const -16)))
  ;; 16-column strips through a packed panel.
  (block $sdone (loop $strips
    (br_if $sdone (i32.ge_u (local.get $jb) (local.get $end16)))
    (local.set $k (i32.const 0))
    (local.set $src (i32.add (local.get $b) (local.get $jb)))
    (local.set $dst (local.get $work))
    (block $pdone (loop $pack
      (br_if $pdone (i32.ge_u (local.get $k) (local.get $K)))
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
      (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
      (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
      (local.set $src (i32.add (local.get $src) (local.get $bRs)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $pack)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $prs
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $pairs)))
      (local.set $p (i32.shl (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $e (i32.shl (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $c0 (v128.const i32x4 0 0 0 0))
      (local.set $c1 (v128.const i32x4 0 0 0 0))
      (local.set $c2 (v128.const i32x4 0 0 0 0))
      (local.set $c3 (v128.const i32x4 0 0 0 0))
      (block $nzdone (loop $nz
        (br_if $nzdone (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $q (i32.add (local.get $work) (i32.shl (i32.load (i32.add (local.get $idx) (local.get $p))) (i32.const 6))))
        (local.set $w0 (v128.load32_splat (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))))
        (local.set $w1 (v128.load32_splat offset=4 (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))))
        (local.set $x (v128.load (local.get $q)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $x))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $w1) (local.get $x))))
        (local.set $x (v128.load offset=16 (local.get $q)))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $x))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $w1) (local.get $x))))
        (local.set $x (v128.load offset=32 (local.get $q)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $x))))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $w1) (local.get $x))))
        (local.set $x (v128.load offset=48 (local.get $q)))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (local.get $x))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $w1) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $nz)))
      (local.set $o0 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (local.set $o1 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (if (local.get $acc) (then
        (local.set $a0 (f32x4.add (v128.load (local.get $o0)) (local.get $a0)))
        (local.set $a1 (f32x4.add (v128.load offset=16 (local.get $o0)) (local.get $a1)))
        (local.set $a2 (f32x4.add (v128.load offset=32 (local.get $o0)) (local.get $a2)))
        (local.set $a3 (f32x4.add (v128.load offset=48 (local.get $o0)) (local.get $a3)))
        (local.set $c0 (f32x4.add (v128.load (local.get $o1)) (local.get $c0)))
        (local.set $c1 (f32x4.add (v128.load offset=16 (local.get $o1)) (local.get $c1)))
        (local.set $c2 (f32x4.add (v128.load offset=32 (local.get $o1)) (local.get $c2)))
        (local.set $c3 (f32x4.add (v128.load offset=48 (local.get $o1)) (local.get $c3)))))
      (v128.store (local.get $o0) (local.get $a0))
      (v128.store offset=16 (local.get $o0) (local.get $a1))
      (v128.store offset=32 (local.get $o0) (local.get $a2))
      (v128.store offset=48 (local.get $o0) (local.get $a3))
      (v128.store (local.get $o1) (local.get $c0))
      (v128.store offset=16 (local.get $o1) (local.get $c1))
      (v128.store offset=32 (local.get $o1) (local.get $c2))
      (v128.store offset=48 (local.get $o1) (local.get $c3))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $prs)))
    (local.set $jb (i32.add (local.get $jb) (i32.const 64)))
    (br $strips)))
  ;; 4-column strips, B read in place.
  (block $s4done (loop $strips4
    (br_if $s4done (i32.ge_u (local.get $jb) (local.get $end4)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $prs
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $pairs)))
      (local.set $p (i32.shl (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $e (i32.shl (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $c0 (v128.const i32x4 0 0 0 0))
      (block $nzdone (loop $nz
        (br_if $nzdone (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $x (v128.load (i32.add (i32.add (local.get $b) (local.get $jb))
          (i32.mul (i32.load (i32.add (local.get $idx) (local.get $p))) (local.get $bRs)))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load32_splat (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))) (local.get $x))))
        (local.set $c0 (f32x4.add (local.get $c0)
          (f32x4.mul (v128.load32_splat offset=4 (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $nz)))
      (local.set $o0 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (local.set $o1 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (if (local.get $acc) (then
        (local.set $a0 (f32x4.add (v128.load (local.get $o0)) (local.get $a0)))
        (local.set $c0 (f32x4.add (v128.load (local.get $o1)) (local.get $c0)))))
      (v128.store (local.get $o0) (local.get $a0))
      (v128.store (local.get $o1) (local.get $c0))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $prs)))
    (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
    (br $strips4)))
  ;; Single columns.
  (block $s1done (loop $strips1
    (br_if $s1done (i32.ge_u (local.get $jb) (local.get $endb)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $prs
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $pairs)))
      (local.set $p (i32.shl (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $e (i32.shl (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $s0 (f32.const 0))
      (local.set $s1 (f32.const 0))
      (block $nzdone (loop $nz
        (br_if $nzdone (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $xs (f32.load (i32.add (i32.add (local.get $b) (local.get $jb))
          (i32.mul (i32.load (i32.add (local.get $idx) (local.get $p))) (local.get $bRs)))))
        (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))) (local.get $xs))))
        (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load offset=4 (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))) (local.get $xs))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $nz)))
      (local.set $o0 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (local.set $o1 (i32.add (i32.add (local.get $out) (local.get $jb))
        (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $oRs))))
      (if (local.get $acc) (then
        (local.set $s0 (f32.add (f32.load (local.get $o0)) (local.get $s0)))
        (local.set $s1 (f32.add (f32.load (local.get $o1)) (local.get $s1)))))
      (f32.store (local.get $o0) (local.get $s0))
      (f32.store (local.get $o1) (local.get $s1))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $prs)))
    (local.set $jb (i32.add (local.get $jb) (i32.const 4)))
    (br $strips1)))
)

;; Multi-bit weights × multi-bit activations (ALQ's packed layers with quantized activations), on
;; the bit-planes themselves: out[i·R + r] = Σ_s Σ_p α[r, ga_s, p] · Σ_q β[i, gb_s, q] ·
;; (n_s − 2·popcount(b_p[r] XOR a_q[i]) over segment s), in float64, with planes whose coefficient
;; is 0 skipped — the loop order, the skips and every rounding of the JS kernel (computeMultiBit in
;; src/bitpack/multibit-gemm.ts), so the two are bit-identical; the popcounts are exact integers.
;; A segment is a column range on which both groupings are constant: 7 i32 at seg + 28·s, its
;; first word, last word, first-word mask, last-word mask, length, weight group, activation group.
;; Weight plane p, row r starts at ww + 4·(p·R + r)·W; activation plane q, row i at xa + 4·(q·M + i)·W.
;; α is f32 [R, Gw, Pw] at wa, β f32 [M, Gx, Px] at xb; out is f64 [M, R].
(func (export "mb_bits") (param $M i32) (param $R i32) (param $W i32) (param $Pw i32) (param $Px i32)
    (param $Gw i32) (param $Gx i32) (param $nseg i32) (param $seg i32) (param $ww i32) (param $xw i32)
    (param $wa i32) (param $xb i32) (param $out i32)
  (local $i i32) (local $r i32) (local $s i32) (local $p i32) (local $q i32) (local $sp i32)
  (local $w0 i32) (local $w1 i32) (local $m0 i32) (local $m1 i32) (local $n i32)
  (local $aBase i32) (local $bBase i32) (local $wo i32) (local $xo i32) (local $k i32) (local $c i32)
  (local $alpha f32) (local $beta f32) (local $acc f64) (local $inner f64)
  (block $idone (loop $rowsI
    (br_if $idone (i32.ge_u (local.get $i) (local.get $M)))
    (local.set $r (i32.const 0))
    (block $rdone (loop $rowsR
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
      (local.set $acc (f64.const 0))
      (local.set $s (i32.const 0))
      (local.set $sp (local.get $seg))
      (block $sdone (loop $segs
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $nseg)))
        (local.set $w0 (i32.load (local.get $sp)))
        (local.set $w1 (i32.load offset=4 (local.get $sp)))
        (local.set $m0 (i32.load offset=8 (local.get $sp)))
        (local.set $m1 (i32.load offset=12 (local.get $sp)))
        (local.set $n (i32.load offset=16 (local.get $sp)))
        (local.set $aBase (i32.mul (i32.add (i32.mul (local.get $r) (local.get $Gw)) (i32.load offset=20 (local.get $sp))) (local.get $Pw)))
        (local.set $bBase (i32.mul (i32.add (i32.mul (local.get $i) (local.get $Gx)) (i32.load offset=24 (local.get $sp))) (local.get $Px)))
        (local.set $p (i32.const 0))
        (block $pdone (loop $planesW
          (br_if $pdone (i32.ge_u (local.get $p) (local.get $Pw)))
          (local.set $alpha (f32.load (i32.add (local.get $wa) (i32.shl (i32.add (local.get $aBase) (local.get $p)) (i32.const 2)))))
          (if (f32.ne (local.get $alpha) (f32.const 0)) (then
            (local.set $wo (i32.add (local.get $ww) (i32.shl (i32.mul (i32.add (i32.mul (local.get $p) (local.get $R)) (local.get $r)) (local.get $W)) (i32.const 2))))
            (local.set $inner (f64.const 0))
            (local.set $q (i32.const 0))
            (block $qdone (loop $planesX
              (br_if $qdone (i32.ge_u (local.get $q) (local.get $Px)))
              (local.set $beta (f32.load (i32.add (local.get $xb) (i32.shl (i32.add (local.get $bBase) (local.get $q)) (i32.const 2)))))
              (if (f32.ne (local.get $beta) (f32.const 0)) (then
                (local.set $xo (i32.add (local.get $xw) (i32.shl (i32.mul (i32.add (i32.mul (local.get $q) (local.get $M)) (local.get $i)) (local.get $W)) (i32.const 2))))
                (if (i32.eq (local.get $w0) (local.get $w1))
                  (then
                    (local.set $c (i32.popcnt (i32.and (i32.and
                      (i32.xor (i32.load (i32.add (local.get $wo) (i32.shl (local.get $w0) (i32.const 2))))
                               (i32.load (i32.add (local.get $xo) (i32.shl (local.get $w0) (i32.const 2)))))
                      (local.get $m0)) (local.get $m1)))))
                  (else
                    (local.set $c (i32.add
                      (i32.popcnt (i32.and
                        (i32.xor (i32.load (i32.add (local.get $wo) (i32.shl (local.get $w0) (i32.const 2))))
                                 (i32.load (i32.add (local.get $xo) (i32.shl (local.get $w0) (i32.const 2)))))
                        (local.get $m0)))
                      (i32.popcnt (i32.and
                        (i32.xor (i32.load (i32.add (local.get $wo) (i32.shl (local.get $w1) (i32.const 2))))
                                 (i32.load (i32.add (local.get $xo) (i32.shl (local.get $w1) (i32.const 2)))))
                        (local.get $m1)))))
                    (local.set $k (i32.add (local.get $w0) (i32.const 1)))
                    (block $kdone (loop $words
                      (br_if $kdone (i32.ge_u (local.get $k) (local.get $w1)))
                      (local.set $c (i32.add (local.get $c) (i32.popcnt
                        (i32.xor (i32.load (i32.add (local.get $wo) (i32.shl (local.get $k) (i32.const 2))))
                                 (i32.load (i32.add (local.get $xo) (i32.shl (local.get $k) (i32.const 2))))))))
                      (local.set $k (i32.add (local.get $k) (i32.const 1)))
                      (br $words)))))
                (local.set $inner (f64.add (local.get $inner) (f64.mul (f64.promote_f32 (local.get $beta))
                  (f64.convert_i32_s (i32.sub (local.get $n) (i32.shl (local.get $c) (i32.const 1)))))))))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br $planesX)))
            (local.set $acc (f64.add (local.get $acc) (f64.mul (f64.promote_f32 (local.get $alpha)) (local.get $inner))))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $planesW)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $sp (i32.add (local.get $sp) (i32.const 28)))
        (br $segs)))
      (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $R)) (local.get $r)) (i32.const 3))) (local.get $acc))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowsR)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $rowsI)))
)
