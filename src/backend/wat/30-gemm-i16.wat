;; int16 GEMM with exact int32 accumulation: C (=|+=) scale·(A·B), A m×k and B k×n int16 (any
;; strides), C m×n float64, pointers in bytes, strides in elements. Same layering as the f32 GEMM (10-gemm-f32.wat) with
;; K blocks of 512 and k taken in pairs: a packed B panel holds, per k pair p and column j, the
;; int16 pair (B(2p, j), B(2p+1, j)); a packed A panel holds per p and row i the pair
;; (A(i, 2p), A(i, 2p+1)) as one 32-bit lane, broadcast with v128.load32_splat, so one
;; i32x4.dot_i16x8_s does 8 multiply-adds into 4 columns. Each K block's int32 tile is converted
;; to float64 in the tile's epilogue and stored (first block) or added (later blocks) as
;; c + scale·partial: exact, like every partial, under the caller's bound (intGemmIsExact).
;; An odd K block is padded with a zero row/column. Both packers have fast paths for the two
;; layouts the RCT executor passes: unit column stride (row-major) and unit row stride (a
;; transposed operand read through swapped strides).

(func $pack_b_i16 (param $dst i32) (param $kc i32) (param $nc i32) (param $src i32) (param $rs i32) (param $cs i32)
  (local $jr i32) (local $p i32) (local $j i32) (local $col i32) (local $q i32)
  (block $done (loop $panels
    (br_if $done (i32.ge_s (local.get $jr) (local.get $nc)))
    (local.set $p (i32.const 0))
    (block $ep (loop $lp
      (br_if $ep (i32.ge_s (local.get $p) (local.get $kc)))
      ;; Transposed fast path (unit row stride, whole panel, pair present): B(p, j), B(p+1, j)
      ;; are adjacent, so each column's pair is one 32-bit load.
      (if (i32.and (i32.and (i32.eq (local.get $rs) (i32.const 1))
              (i32.le_s (i32.add (local.get $jr) (i32.const 8)) (local.get $nc)))
            (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (local.get $p)
            (i32.mul (local.get $jr) (local.get $cs))) (i32.const 1))))
          (local.set $j (i32.const 0))
          (block $et (loop $lt
            (br_if $et (i32.ge_s (local.get $j) (i32.const 8)))
            (i32.store (local.get $dst) (i32.load (local.get $q)))
            (local.set $q (i32.add (local.get $q) (i32.shl (local.get $cs) (i32.const 1))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $lt)))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (br $lp)))
      ;; Fast path (contiguous rows, whole panel, both rows of the pair present): interleave two
      ;; rows of 8 int16 into the (B(2p, j), B(2p+1, j)) pairs with two shuffles.
      (if (i32.and (i32.and (i32.eq (local.get $cs) (i32.const 1))
              (i32.le_s (i32.add (local.get $jr) (i32.const 8)) (local.get $nc)))
            (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $rs))
            (local.get $jr)) (i32.const 1))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23
            (v128.load (local.get $q)) (v128.load (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))))
          (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31
            (v128.load (local.get $q)) (v128.load (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (br $lp)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_s (local.get $j) (i32.const 8)))
        (local.set $col (i32.add (local.get $jr) (local.get $j)))
        (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $rs))
          (i32.mul (local.get $col) (local.get $cs))) (i32.const 1))))
        (i32.store16 (local.get $dst)
          (if (result i32) (i32.lt_s (local.get $col) (local.get $nc))
            (then (i32.load16_s (local.get $q))) (else (i32.const 0))))
        (i32.store16 offset=2 (local.get $dst)
          (if (result i32) (i32.and (i32.lt_s (local.get $col) (local.get $nc))
                (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
            (then (i32.load16_s (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))) (else (i32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br $lp)))
    (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
    (br $panels))))

(func $pack_a_i16 (param $dst i32) (param $kc i32) (param $mc i32) (param $src i32) (param $rs i32) (param $cs i32)
  (local $ir i32) (local $p i32) (local $i i32) (local $row i32) (local $q i32)
  (block $done (loop $panels
    (br_if $done (i32.ge_s (local.get $ir) (local.get $mc)))
    (local.set $p (i32.const 0))
    (block $ep (loop $lp
      (br_if $ep (i32.ge_s (local.get $p) (local.get $kc)))
      ;; Transposed fast path (unit row stride): rows i..i+3 of columns p and p+1 are two runs of
      ;; 4 int16; one shuffle interleaves them into the 4 pairs.
      (if (i32.and (i32.and (i32.eq (local.get $rs) (i32.const 1))
              (i32.le_s (i32.add (local.get $ir) (i32.const 4)) (local.get $mc)))
            (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (local.get $ir)
            (i32.mul (local.get $p) (local.get $cs))) (i32.const 1))))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23
            (v128.load64_splat (local.get $q))
            (v128.load64_splat (i32.add (local.get $q) (i32.shl (local.get $cs) (i32.const 1))))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (br $lp)))
      ;; Fast path (contiguous rows, 4 rows present, both k of the pair present): one 32-bit
      ;; load per row carries the pair (A(i, 2p), A(i, 2p+1)).
      (if (i32.and (i32.and (i32.eq (local.get $cs) (i32.const 1))
              (i32.le_s (i32.add (local.get $ir) (i32.const 4)) (local.get $mc)))
            (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
        (then
          (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $rs))
            (local.get $p)) (i32.const 1))))
          (i32.store (local.get $dst) (i32.load (local.get $q)))
          (local.set $q (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))
          (i32.store offset=4 (local.get $dst) (i32.load (local.get $q)))
          (local.set $q (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))
          (i32.store offset=8 (local.get $dst) (i32.load (local.get $q)))
          (local.set $q (i32.add (local.get $q) (i32.shl (local.get $rs) (i32.const 1))))
          (i32.store offset=12 (local.get $dst) (i32.load (local.get $q)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (br $lp)))
      (local.set $i (i32.const 0))
      (block $ei (loop $li
        (br_if $ei (i32.ge_s (local.get $i) (i32.const 4)))
        (local.set $row (i32.add (local.get $ir) (local.get $i)))
        (local.set $q (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $row) (local.get $rs))
          (i32.mul (local.get $p) (local.get $cs))) (i32.const 1))))
        (i32.store16 (local.get $dst)
          (if (result i32) (i32.lt_s (local.get $row) (local.get $mc))
            (then (i32.load16_s (local.get $q))) (else (i32.const 0))))
        (i32.store16 offset=2 (local.get $dst)
          (if (result i32) (i32.and (i32.lt_s (local.get $row) (local.get $mc))
                (i32.lt_s (i32.add (local.get $p) (i32.const 1)) (local.get $kc)))
            (then (i32.load16_s (i32.add (local.get $q) (i32.shl (local.get $cs) (i32.const 1))))) (else (i32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br $lp)))
    (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
    (br $panels))))

;; One tile row: 8 int32 sums (x0, x1) to float64, times scale (s, splat), stored or added at q.
(func $st_row_i16 (param $q i32) (param $x0 v128) (param $x1 v128) (param $s v128) (param $add i32)
  (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
  (local.set $v0 (f64x2.mul (local.get $s) (f64x2.convert_low_i32x4_s (local.get $x0))))
  (local.set $v1 (f64x2.mul (local.get $s) (f64x2.convert_low_i32x4_s
    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x0) (local.get $x0)))))
  (local.set $v2 (f64x2.mul (local.get $s) (f64x2.convert_low_i32x4_s (local.get $x1))))
  (local.set $v3 (f64x2.mul (local.get $s) (f64x2.convert_low_i32x4_s
    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x1) (local.get $x1)))))
  (if (local.get $add)
    (then
      (local.set $v0 (f64x2.add (v128.load (local.get $q)) (local.get $v0)))
      (local.set $v1 (f64x2.add (v128.load offset=16 (local.get $q)) (local.get $v1)))
      (local.set $v2 (f64x2.add (v128.load offset=32 (local.get $q)) (local.get $v2)))
      (local.set $v3 (f64x2.add (v128.load offset=48 (local.get $q)) (local.get $v3)))))
  (v128.store (local.get $q) (local.get $v0))
  (v128.store offset=16 (local.get $q) (local.get $v1))
  (v128.store offset=32 (local.get $q) (local.get $v2))
  (v128.store offset=48 (local.get $q) (local.get $v3)))

;; One 4×8 tile: acc = A-panel(pa) · B-panel(pb) over kc k-pairs (one i32x4.dot_i16x8_s per pair
;; and 4 columns), then c (=|+=) scale·acc into the float64 C at `c` (row stride cRs elements);
;; only the top-left mr×nr corner is written.
(func $tile_i16 (param $kc i32) (param $pa i32) (param $pb i32) (param $c i32) (param $cRs i32)
    (param $mr i32) (param $nr i32) (param $add i32) (param $tile i32) (param $s v128)
  (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
  (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
  (local $b0 v128) (local $b1 v128) (local $x v128) (local $end i32) (local $rb i32)
  (local $i i32) (local $j i32) (local $q i32) (local $t i32) (local $y f64)
  (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 5))))
  (block $done (loop $k
    (br_if $done (i32.ge_u (local.get $pb) (local.get $end)))
    (local.set $b0 (v128.load (local.get $pb)))
    (local.set $b1 (v128.load offset=16 (local.get $pb)))
    (local.set $x (v128.load32_splat (local.get $pa)))
    (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
    (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
    (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
    (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
    (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
    (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
    (local.set $c20 (i32x4.add (local.get $c20) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
    (local.set $c21 (i32x4.add (local.get $c21) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
    (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
    (local.set $c30 (i32x4.add (local.get $c30) (i32x4.dot_i16x8_s (local.get $x) (local.get $b0))))
    (local.set $c31 (i32x4.add (local.get $c31) (i32x4.dot_i16x8_s (local.get $x) (local.get $b1))))
    (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
    (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
    (br $k)))
  (local.set $rb (i32.shl (local.get $cRs) (i32.const 3)))
  (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 8)))
    (then
      (call $st_row_i16 (local.get $c) (local.get $c00) (local.get $c01) (local.get $s) (local.get $add))
      (local.set $q (i32.add (local.get $c) (local.get $rb)))
      (call $st_row_i16 (local.get $q) (local.get $c10) (local.get $c11) (local.get $s) (local.get $add))
      (local.set $q (i32.add (local.get $q) (local.get $rb)))
      (call $st_row_i16 (local.get $q) (local.get $c20) (local.get $c21) (local.get $s) (local.get $add))
      (local.set $q (i32.add (local.get $q) (local.get $rb)))
      (call $st_row_i16 (local.get $q) (local.get $c30) (local.get $c31) (local.get $s) (local.get $add))
      (return)))
  ;; Edge tile: spill the accumulators, convert the mr×nr corner one value at a time.
  (v128.store (local.get $tile) (local.get $c00))
  (v128.store offset=16 (local.get $tile) (local.get $c01))
  (v128.store offset=32 (local.get $tile) (local.get $c10))
  (v128.store offset=48 (local.get $tile) (local.get $c11))
  (v128.store offset=64 (local.get $tile) (local.get $c20))
  (v128.store offset=80 (local.get $tile) (local.get $c21))
  (v128.store offset=96 (local.get $tile) (local.get $c30))
  (v128.store offset=112 (local.get $tile) (local.get $c31))
  (block $ei (loop $li
    (br_if $ei (i32.ge_s (local.get $i) (local.get $mr)))
    (local.set $j (i32.const 0))
    (local.set $q (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $rb))))
    (local.set $t (i32.add (local.get $tile) (i32.shl (local.get $i) (i32.const 5))))
    (block $ej (loop $lj
      (br_if $ej (i32.ge_s (local.get $j) (local.get $nr)))
      (local.set $y (f64.mul (f64x2.extract_lane 0 (local.get $s)) (f64.convert_i32_s (i32.load (local.get $t)))))
      (f64.store (local.get $q)
        (if (result f64) (local.get $add)
          (then (f64.add (f64.load (local.get $q)) (local.get $y)))
          (else (local.get $y))))
      (local.set $q (i32.add (local.get $q) (i32.const 8)))
      (local.set $t (i32.add (local.get $t) (i32.const 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $li))))

(func (export "gemm_i16") (param $m i32) (param $n i32) (param $k i32)
    (param $a i32) (param $aRs i32) (param $aCs i32) (param $b i32) (param $bRs i32) (param $bCs i32)
    (param $c i32) (param $cRs i32) (param $acc i32) (param $work i32) (param $scale f64)
  (local $j0 i32) (local $nc i32) (local $p0 i32) (local $kc i32) (local $i0 i32) (local $mc i32)
  (local $jr i32) (local $ir i32) (local $pa i32) (local $tile i32) (local $add i32) (local $kp i32)
  (local $s v128)
  (local.set $s (f64x2.splat (local.get $scale)))
  (local.set $pa (i32.add (local.get $work) (i32.const 1048576))) ;; KC·NC·2 bytes of packed B (KC = 512 int16)
  (local.set $tile (i32.add (local.get $pa) (i32.const 131072))) ;; KC·MC·2 bytes of packed A
  (block $ej0 (loop $lj0
    (br_if $ej0 (i32.ge_s (local.get $j0) (local.get $n)))
    (local.set $nc (select (i32.sub (local.get $n) (local.get $j0)) (i32.const 1024)
      (i32.lt_s (i32.sub (local.get $n) (local.get $j0)) (i32.const 1024))))
    (local.set $p0 (i32.const 0))
    (block $ep0 (loop $lp0
      (br_if $ep0 (i32.ge_s (local.get $p0) (local.get $k)))
      (local.set $kc (select (i32.sub (local.get $k) (local.get $p0)) (i32.const 512)
        (i32.lt_s (i32.sub (local.get $k) (local.get $p0)) (i32.const 512))))
      (local.set $kp (i32.shr_u (i32.add (local.get $kc) (i32.const 1)) (i32.const 1)))
      (local.set $add (i32.or (local.get $acc) (i32.gt_s (local.get $p0) (i32.const 0))))
      (call $pack_b_i16 (local.get $work) (local.get $kc) (local.get $nc)
        (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $p0) (local.get $bRs))
          (i32.mul (local.get $j0) (local.get $bCs))) (i32.const 1)))
        (local.get $bRs) (local.get $bCs))
      (local.set $i0 (i32.const 0))
      (block $ei0 (loop $li0
        (br_if $ei0 (i32.ge_s (local.get $i0) (local.get $m)))
        (local.set $mc (select (i32.sub (local.get $m) (local.get $i0)) (i32.const 128)
          (i32.lt_s (i32.sub (local.get $m) (local.get $i0)) (i32.const 128))))
        (call $pack_a_i16 (local.get $pa) (local.get $kc) (local.get $mc)
          (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $aRs))
            (i32.mul (local.get $p0) (local.get $aCs))) (i32.const 1)))
          (local.get $aRs) (local.get $aCs))
        ;; Each A micro-panel stays in L1 while the B micro-panels of the block stream past it, so
        ;; consecutive tiles write consecutive stretches of C's rows (for small K the float64
        ;; stores dominate, and row order keeps them streaming).
        (local.set $ir (i32.const 0))
        (block $eir (loop $lir
          (br_if $eir (i32.ge_s (local.get $ir) (local.get $mc)))
          (local.set $jr (i32.const 0))
          (block $ejr (loop $ljr
            (br_if $ejr (i32.ge_s (local.get $jr) (local.get $nc)))
            (call $tile_i16 (local.get $kp)
              (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $ir) (local.get $kp)) (i32.const 2)))
              (i32.add (local.get $work) (i32.shl (i32.mul (local.get $jr) (local.get $kp)) (i32.const 2)))
              (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i0) (local.get $ir)) (local.get $cRs))
                (i32.add (local.get $j0) (local.get $jr))) (i32.const 3)))
              (local.get $cRs)
              (select (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)
                (i32.lt_s (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)))
              (select (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8)
                (i32.lt_s (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8)))
              (local.get $add) (local.get $tile) (local.get $s))
            (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
            (br $ljr)))
          (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
          (br $lir)))
        (local.set $i0 (i32.add (local.get $i0) (i32.const 128)))
        (br $li0)))
      (local.set $p0 (i32.add (local.get $p0) (i32.const 512)))
      (br $lp0)))
    (local.set $j0 (i32.add (local.get $j0) (i32.const 1024)))
    (br $lj0))))
