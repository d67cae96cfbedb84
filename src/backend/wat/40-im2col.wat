;; im2col / col2im for float32 NCHW images, the same loops and layout as the JS kernels in
;; src/tensor/kernels/conv.ts: cols[((c·kh + i)·kw + j), n·Ho·Wo + oy·Wo + ox] =
;; x[n, c, oy·sh − pt + i·dh, ox·sw − pl + j·dw] (or `pad` outside the image). Pointers are bytes.
;; Copies are exact; col2im adds in the JS kernel's order (ci, i, j, n, oy, ox), so both kernels
;; are bit-identical to their JS twins. Stride-1 rows move 4 floats per v128 load/store.

;; dst[0..cnt) = src[0..cnt) (float32), or dst += src when $add.
(func $row_f32 (param $dst i32) (param $src i32) (param $cnt i32) (param $add i32)
  (local $end i32)
  (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $cnt) (i32.const 2))))
  (if (local.get $add)
    (then
      (block $e4 (loop $l4
        (br_if $e4 (i32.gt_s (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $l4)))
      (block $e1 (loop $l1
        (br_if $e1 (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $l1))))
    (else
      (block $e4 (loop $l4
        (br_if $e4 (i32.gt_s (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $l4)))
      (block $e1 (loop $l1
        (br_if $e1 (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.load (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (br $l1))))))

(func $fill_f32 (param $dst i32) (param $cnt i32) (param $v f32)
  (local $end i32)
  (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $cnt) (i32.const 2))))
  (block $e (loop $l
    (br_if $e (i32.ge_u (local.get $dst) (local.get $end)))
    (f32.store (local.get $dst) (local.get $v))
    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
    (br $l))))

;; Both directions in one walk. $mode 0: cols ← x (with $pad outside); 1: x += cols (x zeroed first).
;; Geometry in $g (bytes): n c h w kh kw sh sw pt pl dh dw ho wo as 14 consecutive i32.
(func $walk (param $x i32) (param $cols i32) (param $g i32) (param $pad f32) (param $mode i32)
  (local $n i32) (local $c i32) (local $h i32) (local $w i32) (local $kh i32) (local $kw i32)
  (local $sh i32) (local $sw i32) (local $pt i32) (local $pl i32) (local $dh i32) (local $dw i32)
  (local $ho i32) (local $wo i32)
  (local $ci i32) (local $i i32) (local $j i32) (local $b i32) (local $oy i32) (local $ox i32)
  (local $off i32) (local $lo i32) (local $hi i32) (local $o i32) (local $iy i32) (local $xrow i32)
  (local $l i32) (local $p i32) (local $q i32)
  (local.set $n (i32.load (local.get $g)))
  (local.set $c (i32.load offset=4 (local.get $g)))
  (local.set $h (i32.load offset=8 (local.get $g)))
  (local.set $w (i32.load offset=12 (local.get $g)))
  (local.set $kh (i32.load offset=16 (local.get $g)))
  (local.set $kw (i32.load offset=20 (local.get $g)))
  (local.set $sh (i32.load offset=24 (local.get $g)))
  (local.set $sw (i32.load offset=28 (local.get $g)))
  (local.set $pt (i32.load offset=32 (local.get $g)))
  (local.set $pl (i32.load offset=36 (local.get $g)))
  (local.set $dh (i32.load offset=40 (local.get $g)))
  (local.set $dw (i32.load offset=44 (local.get $g)))
  (local.set $ho (i32.load offset=48 (local.get $g)))
  (local.set $wo (i32.load offset=52 (local.get $g)))
  (local.set $l (i32.mul (local.get $ho) (local.get $wo)))
  (if (local.get $mode)
    (then (memory.fill (local.get $x) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (local.get $n) (local.get $c)) (i32.mul (local.get $h) (local.get $w))) (i32.const 2)))))
  (local.set $o (local.get $cols)) ;; cols are walked in order: row (ci, i, j), then n, oy, ox
  (block $eci (loop $lci
    (br_if $eci (i32.ge_s (local.get $ci) (local.get $c)))
    (local.set $i (i32.const 0))
    (block $ei (loop $li
      (br_if $ei (i32.ge_s (local.get $i) (local.get $kh)))
      (local.set $j (i32.const 0))
      (block $ej (loop $lj
        (br_if $ej (i32.ge_s (local.get $j) (local.get $kw)))
        (local.set $off (i32.sub (i32.mul (local.get $j) (local.get $dw)) (local.get $pl)))
        ;; [lo, hi): output columns whose input column ox·sw + off lies inside the image.
        (local.set $lo (i32.const 0))
        (block $elo (loop $llo
          (br_if $elo (i32.ge_s (local.get $lo) (local.get $wo)))
          (br_if $elo (i32.ge_s (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off)) (i32.const 0)))
          (local.set $lo (i32.add (local.get $lo) (i32.const 1)))
          (br $llo)))
        (local.set $hi (local.get $lo))
        (block $ehi (loop $lhi
          (br_if $ehi (i32.ge_s (local.get $hi) (local.get $wo)))
          (br_if $ehi (i32.ge_s (i32.add (i32.mul (local.get $hi) (local.get $sw)) (local.get $off)) (local.get $w)))
          (local.set $hi (i32.add (local.get $hi) (i32.const 1)))
          (br $lhi)))
        (local.set $b (i32.const 0))
        (block $eb (loop $lb
          (br_if $eb (i32.ge_s (local.get $b) (local.get $n)))
          (local.set $oy (i32.const 0))
          (block $eoy (loop $loy
            (br_if $eoy (i32.ge_s (local.get $oy) (local.get $ho)))
            (local.set $iy (i32.add (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $pt))
              (i32.mul (local.get $i) (local.get $dh))))
            (if (i32.or (i32.lt_s (local.get $iy) (i32.const 0)) (i32.ge_s (local.get $iy) (local.get $h)))
              (then (if (i32.eqz (local.get $mode)) (then (call $fill_f32 (local.get $o) (local.get $wo) (local.get $pad)))))
              (else
                ;; element index of x[b, ci, iy, off] (may be out of the row; only [lo, hi) is read)
                (local.set $xrow (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $c)) (local.get $ci))
                  (local.get $h)) (local.get $iy)) (local.get $w)) (local.get $off)))
                (if (i32.eqz (local.get $mode))
                  (then (call $fill_f32 (local.get $o) (local.get $lo) (local.get $pad))))
                (if (i32.eq (local.get $sw) (i32.const 1))
                  (then
                    (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (local.get $xrow) (local.get $lo)) (i32.const 2))))
                    (local.set $q (i32.add (local.get $o) (i32.shl (local.get $lo) (i32.const 2))))
                    (if (local.get $mode)
                      (then (call $row_f32 (local.get $p) (local.get $q) (i32.sub (local.get $hi) (local.get $lo)) (i32.const 1)))
                      (else (call $row_f32 (local.get $q) (local.get $p) (i32.sub (local.get $hi) (local.get $lo)) (i32.const 0)))))
                  (else
                    (local.set $ox (local.get $lo))
                    (block $eox (loop $lox
                      (br_if $eox (i32.ge_s (local.get $ox) (local.get $hi)))
                      (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (local.get $xrow) (i32.mul (local.get $ox) (local.get $sw))) (i32.const 2))))
                      (local.set $q (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2))))
                      (if (local.get $mode)
                        (then (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (f32.load (local.get $q)))))
                        (else (f32.store (local.get $q) (f32.load (local.get $p)))))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $lox)))))
                (if (i32.eqz (local.get $mode))
                  (then (call $fill_f32 (i32.add (local.get $o) (i32.shl (local.get $hi) (i32.const 2)))
                    (i32.sub (local.get $wo) (local.get $hi)) (local.get $pad))))))
            (local.set $o (i32.add (local.get $o) (i32.shl (local.get $wo) (i32.const 2))))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $loy)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $lb)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li)))
    (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
    (br $lci))))

(func (export "im2col_f32") (param $x i32) (param $cols i32) (param $g i32) (param $pad f32)
  (call $walk (local.get $x) (local.get $cols) (local.get $g) (local.get $pad) (i32.const 0)))

(func (export "col2im_f32") (param $cols i32) (param $x i32) (param $g i32)
  (call $walk (local.get $x) (local.get $cols) (local.get $g) (f32.const 0) (i32.const 1)))

;; Epilogue of the one-pass inference conv when a max pool follows (src/backend/conv-fused.ts):
;; from the GEMM's [O, nb·L] product at y (row stride yRs bytes; column b·L + oy·wo + ox), writes
;; the pooled NCHW block [nb, O, hp, wp] at out, each conv value first rounded as y + bias[o]
;; (hasBias), then mode 1 applies relu after the pool and mode 2 before it (relu(v) = v > 0 ? v : 0,
;; as the relu kernel). The window (kh×kw, strides sh, sw, no padding) is visited row by row and
;; the running maximum replaced only by a strictly larger value or a NaN, after which it stays:
;; maxPoolInto's rule, so the bits equal conv → maxPool → relu run one after the other.
(func (export "bias_pool_f32") (param $O i32) (param $nb i32) (param $L i32) (param $wo i32) (param $y i32) (param $yRs i32)
    (param $bias i32) (param $hasBias i32) (param $mode i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $hp i32) (param $wp i32) (param $out i32)
  (local $b i32) (local $o i32) (local $py i32) (local $px i32) (local $i i32) (local $j i32)
  (local $row i32) (local $src i32) (local $bv f32) (local $m f32) (local $v f32) (local $first i32)
  (local $fast i32) (local $bvv v128) (local $x0 v128) (local $x1 v128) (local $mv v128) (local $vv v128) (local $zero v128)
  ;; 2×2 windows, stride 2: four outputs at a time from two rows of 8 values, the window entries
  ;; in the same order and with the same replacement rule, lane-wise with bitselect.
  (local.set $fast (i32.and (i32.and (i32.eq (local.get $kh) (i32.const 2)) (i32.eq (local.get $kw) (i32.const 2)))
    (i32.and (i32.eq (local.get $sh) (i32.const 2)) (i32.eq (local.get $sw) (i32.const 2)))))
  (block $eb (loop $lb
    (br_if $eb (i32.ge_s (local.get $b) (local.get $nb)))
    (local.set $o (i32.const 0))
    (block $eo (loop $lo
      (br_if $eo (i32.ge_s (local.get $o) (local.get $O)))
      (local.set $bv (if (result f32) (local.get $hasBias)
        (then (f32.load (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 2))))) (else (f32.const 0))))
      (local.set $bvv (f32x4.splat (local.get $bv)))
      ;; this (image, channel) plane of the conv output: row o of y, columns b·L …
      (local.set $row (i32.add (i32.add (local.get $y) (i32.mul (local.get $o) (local.get $yRs)))
        (i32.shl (i32.mul (local.get $b) (local.get $L)) (i32.const 2))))
      (local.set $py (i32.const 0))
      (block $ey (loop $ly
        (br_if $ey (i32.ge_s (local.get $py) (local.get $hp)))
        (local.set $px (i32.const 0))
        (block $ex (loop $lx
          (br_if $ex (i32.ge_s (local.get $px) (local.get $wp)))
          (if (i32.and (local.get $fast) (i32.le_s (i32.add (local.get $px) (i32.const 4)) (local.get $wp)))
            (then
              (local.set $src (i32.add (local.get $row) (i32.shl (i32.add
                (i32.mul (i32.shl (local.get $py) (i32.const 1)) (local.get $wo)) (i32.shl (local.get $px) (i32.const 1))) (i32.const 2))))
              ;; row 2·py: entries (0,0) and (0,1) of four windows
              (local.set $x0 (v128.load (local.get $src)))
              (local.set $x1 (v128.load offset=16 (local.get $src)))
              (local.set $mv (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x0) (local.get $x1)))
              (local.set $vv (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x0) (local.get $x1)))
              (if (local.get $hasBias) (then
                (local.set $mv (f32x4.add (local.get $mv) (local.get $bvv)))
                (local.set $vv (f32x4.add (local.get $vv) (local.get $bvv)))))
              (if (i32.eq (local.get $mode) (i32.const 2)) (then
                (local.set $mv (v128.bitselect (local.get $mv) (local.get $zero) (f32x4.gt (local.get $mv) (local.get $zero))))
                (local.set $vv (v128.bitselect (local.get $vv) (local.get $zero) (f32x4.gt (local.get $vv) (local.get $zero))))))
              (local.set $mv (v128.bitselect (local.get $vv) (local.get $mv) (v128.and (f32x4.eq (local.get $mv) (local.get $mv))
                (v128.or (f32x4.gt (local.get $vv) (local.get $mv)) (f32x4.ne (local.get $vv) (local.get $vv))))))
              ;; row 2·py + 1: entries (1,0) and (1,1)
              (local.set $src (i32.add (local.get $src) (i32.shl (local.get $wo) (i32.const 2))))
              (local.set $x0 (v128.load (local.get $src)))
              (local.set $x1 (v128.load offset=16 (local.get $src)))
              (local.set $vv (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $x0) (local.get $x1)))
              (local.set $x1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $x0) (local.get $x1)))
              (if (local.get $hasBias) (then
                (local.set $vv (f32x4.add (local.get $vv) (local.get $bvv)))
                (local.set $x1 (f32x4.add (local.get $x1) (local.get $bvv)))))
              (if (i32.eq (local.get $mode) (i32.const 2)) (then
                (local.set $vv (v128.bitselect (local.get $vv) (local.get $zero) (f32x4.gt (local.get $vv) (local.get $zero))))
                (local.set $x1 (v128.bitselect (local.get $x1) (local.get $zero) (f32x4.gt (local.get $x1) (local.get $zero))))))
              (local.set $mv (v128.bitselect (local.get $vv) (local.get $mv) (v128.and (f32x4.eq (local.get $mv) (local.get $mv))
                (v128.or (f32x4.gt (local.get $vv) (local.get $mv)) (f32x4.ne (local.get $vv) (local.get $vv))))))
              (local.set $mv (v128.bitselect (local.get $x1) (local.get $mv) (v128.and (f32x4.eq (local.get $mv) (local.get $mv))
                (v128.or (f32x4.gt (local.get $x1) (local.get $mv)) (f32x4.ne (local.get $x1) (local.get $x1))))))
              (if (i32.eq (local.get $mode) (i32.const 1)) (then
                (local.set $mv (v128.bitselect (local.get $mv) (local.get $zero) (f32x4.gt (local.get $mv) (local.get $zero))))))
              (v128.store (local.get $out) (local.get $mv))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $px (i32.add (local.get $px) (i32.const 4)))
              (br $lx)))
          (local.set $first (i32.const 1))
          (local.set $m (f32.const 0))
          (local.set $i (i32.const 0))
          (block $ei (loop $li
            (br_if $ei (i32.ge_s (local.get $i) (local.get $kh)))
            (local.set $src (i32.add (local.get $row) (i32.shl (i32.add
              (i32.mul (i32.add (i32.mul (local.get $py) (local.get $sh)) (local.get $i)) (local.get $wo))
              (i32.mul (local.get $px) (local.get $sw))) (i32.const 2))))
            (local.set $j (i32.const 0))
            (block $ej (loop $lj
              (br_if $ej (i32.ge_s (local.get $j) (local.get $kw)))
              (local.set $v (f32.load (local.get $src)))
              (if (local.get $hasBias) (then (local.set $v (f32.add (local.get $v) (local.get $bv)))))
              (if (i32.eq (local.get $mode) (i32.const 2))
                (then (local.set $v (select (local.get $v) (f32.const 0) (f32.gt (local.get $v) (f32.const 0))))))
              (if (local.get $first)
                (then (local.set $m (local.get $v)) (local.set $first (i32.const 0)))
                (else (if (i32.and (f32.eq (local.get $m) (local.get $m))
                        (i32.or (f32.gt (local.get $v) (local.get $m)) (f32.ne (local.get $v) (local.get $v))))
                  (then (local.set $m (local.get $v))))))
              (local.set $src (i32.add (local.get $src) (i32.const 4)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $lj)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $li)))
          (if (i32.eq (local.get $mode) (i32.const 1))
            (then (local.set $m (select (local.get $m) (f32.const 0) (f32.gt (local.get $m) (f32.const 0))))))
          (f32.store (local.get $out) (local.get $m))
          (local.set $out (i32.add (local.get $out) (i32.const 4)))
          (local.set $px (i32.add (local.get $px) (i32.const 1)))
          (br $lx)))
        (local.set $py (i32.add (local.get $py) (i32.const 1)))
        (br $ly)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $lo)))
    (local.set $b (i32.add (local.get $b) (i32.const 1)))
    (br $lb))))
