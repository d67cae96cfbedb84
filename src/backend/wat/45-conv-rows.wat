;; Direct conv for multi-bit weights (ALQ's packed inference), the pair-list twin of
;; 45-conv-direct.wat: same offset-table indexing and zero-padded images (pad_f32 there), so
;; nothing like the im2col patch matrix is written.

;; A multi-bit weight's pair lists (60-multibit.wat's format, ALQ's packed inference) on the
;; images in place: pair q's entries [ptr[q], ptr[q+1]) carry a byte offset into the image
;; (`offl`, the list's column k turned into off[k]) and both rows' weights (`val`). Pixels are in
;; the lanes, so the convs served have stride 1 along W, Wo a multiple of 8 and Ho even: the tile
;; is 2 weight rows × (2 output rows × 8 pixels) = 8 accumulators, per entry one offset load, 2
;; splats, 4 input vectors (`rs` bytes apart between the two output rows) and 8 multiply-adds —
;; the ratio of mb_rows_f32, without the patch matrix and its 16-column panels. Each output is
;; summed from 0 in list order, as mb_rows_f32 does, so the bits are the same.
(func (export "conv_rows_f32") (param $x i32) (param $xImg i32) (param $nb i32) (param $ho i32) (param $wo i32) (param $rs i32)
    (param $pairs i32) (param $ptr i32) (param $rows i32) (param $offl i32) (param $val i32)
    (param $out i32) (param $outImg i32) (param $chRs i32)
  (local $b i32) (local $oy i32) (local $ox i32) (local $xi i32) (local $oi i32) (local $base i32) (local $r i32)
  (local $p i32) (local $e i32) (local $a i32) (local $d0 i32) (local $d1 i32) (local $lo i32) (local $wob i32)
  (local $w0 v128) (local $w1 v128) (local $xv v128)
  (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
  (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
  (local.set $wob (i32.shl (local.get $wo) (i32.const 2)))
  (block $bd (loop $bl
    (br_if $bd (i32.ge_u (local.get $b) (local.get $nb)))
    (local.set $xi (i32.add (local.get $x) (i32.mul (local.get $b) (local.get $xImg))))
    (local.set $oi (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $outImg))))
    (local.set $oy (i32.const 0))
    (block $yd (loop $yl
      (br_if $yd (i32.ge_u (local.get $oy) (local.get $ho)))
      (local.set $ox (i32.const 0))
      (block $xd (loop $xl
        (br_if $xd (i32.ge_u (local.get $ox) (local.get $wo)))
        (local.set $base (i32.add (i32.add (local.get $xi) (i32.mul (local.get $oy) (local.get $rs))) (i32.shl (local.get $ox) (i32.const 2))))
        (local.set $lo (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $wo)) (local.get $ox)) (i32.const 2)))
        (local.set $r (i32.const 0))
        (block $rd (loop $rl
          (br_if $rd (i32.ge_u (local.get $r) (local.get $pairs)))
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
          (block $nd (loop $nl
            (br_if $nd (i32.ge_u (local.get $p) (local.get $e)))
            (local.set $a (i32.add (local.get $base) (i32.load (i32.add (local.get $offl) (local.get $p)))))
            (local.set $w0 (v128.load32_splat (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))))
            (local.set $w1 (v128.load32_splat offset=4 (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 1)))))
            (local.set $xv (v128.load (local.get $a)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w0) (local.get $xv))))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $w1) (local.get $xv))))
            (local.set $xv (v128.load offset=16 (local.get $a)))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w0) (local.get $xv))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $w1) (local.get $xv))))
            (local.set $a (i32.add (local.get $a) (local.get $rs)))
            (local.set $xv (v128.load (local.get $a)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w0) (local.get $xv))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $w1) (local.get $xv))))
            (local.set $xv (v128.load offset=16 (local.get $a)))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w0) (local.get $xv))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $w1) (local.get $xv))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $nl)))
          (local.set $d0 (i32.add (i32.add (local.get $oi) (local.get $lo))
            (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $chRs))))
          (local.set $d1 (i32.add (i32.add (local.get $oi) (local.get $lo))
            (i32.mul (i32.load offset=4 (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 3)))) (local.get $chRs))))
          (v128.store (local.get $d0) (local.get $a0))
          (v128.store offset=16 (local.get $d0) (local.get $a1))
          (v128.store (i32.add (local.get $d0) (local.get $wob)) (local.get $a2))
          (v128.store offset=16 (i32.add (local.get $d0) (local.get $wob)) (local.get $a3))
          (v128.store (local.get $d1) (local.get $c0))
          (v128.store offset=16 (local.get $d1) (local.get $c1))
          (v128.store (i32.add (local.get $d1) (local.get $wob)) (local.get $c2))
          (v128.store offset=16 (i32.add (local.get $d1) (local.get $wob)) (local.get $c3))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))
        (local.set $ox (i32.add (local.get $ox) (i32.const 8)))
        (br $xl)))
      (local.set $oy (i32.add (local.get $oy) (i32.const 2)))
      (br $yl)))
    (local.set $b (i32.add (local.get $b) (i32.const 1)))
    (br $bl))))
