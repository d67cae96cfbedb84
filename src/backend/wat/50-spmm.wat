;; Sparse × dense: out[i, :] = Σ_p v[p] · B[idx[p], :] for every sparse row i of A (m rows), with
;; B k×nb and out m×nb row-major float32, nb a multiple of 16 (src/backend/spmm.ts pads).
;; Rows are CSR (ptr ≠ 0: row i is [ptr[i], ptr[i+1]) of int32 row pointers) or row-balanced
;; (ptr = 0: row i is [i·stride, i·stride + rowNnz)), which serves DRESS's packed subnets (a prefix of
;; every row). Column indices are int32 (the wrapper widens Uint16 on the copy) in any order.
;; Each 16-column block of a row keeps four f32x4 accumulators in registers while it walks the
;; row's non-zeros once: per non-zero two scalar loads, a splat, and four vector loads + mul + add.
;; No packing of B: one non-zero reads 64 contiguous bytes of a B row, and a 16-column strip of B
;; (k · 64 bytes) stays in L1/L2 while every sparse row walks it (strips outer, rows inner).
(func (export "spmm_f32") (param $m i32) (param $nb i32) (param $ptr i32) (param $rowNnz i32) (param $stride i32)
  (param $idx i32) (param $v i32) (param $b i32) (param $out i32)
  (local $i i32) (local $j i32) (local $p i32) (local $s i32) (local $e i32) (local $rb i32) (local $row i32) (local $o i32)
  (local $w v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
  (local.set $rb (i32.shl (local.get $nb) (i32.const 2)))
  (block $cdone (loop $cols
    (br_if $cdone (i32.ge_u (local.get $j) (local.get $rb)))
    (local.set $o (i32.add (local.get $out) (local.get $j)))
    (local.set $i (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
      (if (local.get $ptr)
        (then
          (local.set $s (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $e (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2))))))
        (else
          (local.set $s (i32.mul (local.get $i) (local.get $stride)))
          (local.set $e (i32.add (local.get $s) (local.get $rowNnz)))))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $s))
      (block $nzdone (loop $nz
        (br_if $nzdone (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $w (v128.load32_splat (i32.add (local.get $v) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $row (i32.add (i32.add (local.get $b) (local.get $j))
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $p) (i32.const 2)))) (local.get $rb))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load (local.get $row)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $row)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $row)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $row)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $nz)))
      (v128.store (local.get $o) (local.get $a0))
      (v128.store offset=16 (local.get $o) (local.get $a1))
      (v128.store offset=32 (local.get $o) (local.get $a2))
      (v128.store offset=48 (local.get $o) (local.get $a3))
      (local.set $o (i32.add (local.get $o) (local.get $rb)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
    (local.set $j (i32.add (local.get $j) (i32.const 64)))
    (br $cols)))
)
