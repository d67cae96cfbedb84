;; Float32 add / sub / mul / div over n elements: o[i] = a[i] ∘ b[i], or o[i] = a[i] ∘ b[0] when
;; $bs = 0 (a scalar operand). Codes are the JS kernel's (src/tensor/kernels/elementwise.ts):
;; 0 add, 1 sub, 2 mul, 4 div. Four lanes per step, then a scalar tail. f32 arithmetic is IEEE
;; round-to-nearest, the same result JS gets by rounding its float64 operation to float32 (one
;; operation on float32 inputs: the float64 result rounds to the correctly rounded float32), so
;; the values are bit-identical to the JS kernel's. $o may equal $a (in place).
(func $ew (export "ew_f32") (param $code i32) (param $n i32) (param $a i32) (param $b i32) (param $bs i32) (param $o i32)
  (local $i i32) (local $end4 i32) (local $e i32) (local $bv v128) (local $x f32) (local $y f32)
  (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
  (local.set $e (i32.shl (local.get $n) (i32.const 2)))
  (local.set $bv (v128.load32_splat (local.get $b)))
  ;; One loop per (code, scalar or vector b), so each body is a single vector op.
  (block $tail
    (block $div (block $mul (block $sub (block $add
      (br_table $add $sub $mul $tail $div $tail (local.get $code)))
      ;; add
      (if (local.get $bs)
        (then (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))))
        (else (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i))) (local.get $bv)))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l))))))
      (br $tail))
      ;; sub
      (if (local.get $bs)
        (then (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))))
        (else (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $i))) (local.get $bv)))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l))))))
      (br $tail))
      ;; mul
      (if (local.get $bs)
        (then (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))))
        (else (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
          (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (local.get $bv)))
          (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l))))))
      (br $tail))
    ;; div
    (if (local.get $bs)
      (then (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
        (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.div (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))))
      (else (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
        (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.div (v128.load (i32.add (local.get $a) (local.get $i))) (local.get $bv)))
        (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l)))))))
  ;; Scalar tail (fewer than four elements), every code.
  (loop $t (if (i32.lt_u (local.get $i) (local.get $e)) (then
    (local.set $x (f32.load (i32.add (local.get $a) (local.get $i))))
    (local.set $y (if (result f32) (local.get $bs) (then (f32.load (i32.add (local.get $b) (local.get $i)))) (else (f32.load (local.get $b)))))
    (f32.store (i32.add (local.get $o) (local.get $i))
      (if (result f32) (i32.eq (local.get $code) (i32.const 0)) (then (f32.add (local.get $x) (local.get $y)))
      (else (if (result f32) (i32.eq (local.get $code) (i32.const 1)) (then (f32.sub (local.get $x) (local.get $y)))
      (else (if (result f32) (i32.eq (local.get $code) (i32.const 2)) (then (f32.mul (local.get $x) (local.get $y)))
      (else (f32.div (local.get $x) (local.get $y)))))))))
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $t))))
)

;; relu over n float32 values: o[i] = x[i] > 0 ? x[i] : 0, as `pmax(0, x)` (0 < x ? x : 0), which
;; gives +0 for NaN, -0 and negatives exactly like the JS kernel's `v > 0 ? v : 0`.
(func (export "relu_f32") (param $n i32) (param $a i32) (param $o i32)
  (local $i i32) (local $end4 i32) (local $e i32) (local $x f32)
  (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
  (local.set $e (i32.shl (local.get $n) (i32.const 2)))
  (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
    (v128.store (i32.add (local.get $o) (local.get $i)) (f32x4.pmax (v128.const f32x4 0 0 0 0) (v128.load (i32.add (local.get $a) (local.get $i)))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l))))
  (loop $t (if (i32.lt_u (local.get $i) (local.get $e)) (then
    (local.set $x (f32.load (i32.add (local.get $a) (local.get $i))))
    (f32.store (i32.add (local.get $o) (local.get $i)) (select (local.get $x) (f32.const 0) (f32.gt (local.get $x) (f32.const 0))))
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $t))))
)

;; Row broadcast: o[r·n + j] = a[r·n + j] ∘ b[j] for r < rows, j < n (a bias added to every row of a
;; batch), one `ew_f32` pass per row over the same b.
(func (export "ew_rows_f32") (param $code i32) (param $rows i32) (param $n i32) (param $a i32) (param $b i32) (param $o i32)
  (local $r i32) (local $rb i32)
  (local.set $rb (i32.shl (local.get $n) (i32.const 2)))
  (loop $l (if (i32.lt_u (local.get $r) (local.get $rows)) (then
    (call $ew (local.get $code) (local.get $n) (local.get $a) (local.get $b) (i32.const 1) (local.get $o))
    (local.set $a (i32.add (local.get $a) (local.get $rb)))
    (local.set $o (i32.add (local.get $o) (local.get $rb)))
    (local.set $r (i32.add (local.get $r) (i32.const 1))) (br $l))))
)

;; relu's VJP: o[i] = x[i] > 0 ? ct[i] : 0, as ct AND the lane mask of x > 0 (all ones or zero), so
;; ct's bits pass unchanged where x > 0 and +0 comes out elsewhere (NaN x included), as in JS.
(func (export "relu_grad_f32") (param $n i32) (param $x i32) (param $ct i32) (param $o i32)
  (local $i i32) (local $end4 i32) (local $e i32)
  (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
  (local.set $e (i32.shl (local.get $n) (i32.const 2)))
  (loop $l (if (i32.lt_u (local.get $i) (local.get $end4)) (then
    (v128.store (i32.add (local.get $o) (local.get $i))
      (v128.and (v128.load (i32.add (local.get $ct) (local.get $i)))
        (f32x4.gt (v128.load (i32.add (local.get $x) (local.get $i))) (v128.const f32x4 0 0 0 0))))
    (local.set $i (i32.add (local.get $i) (i32.const 16))) (br $l))))
  (loop $t (if (i32.lt_u (local.get $i) (local.get $e)) (then
    (f32.store (i32.add (local.get $o) (local.get $i))
      (select (f32.load (i32.add (local.get $ct) (local.get $i))) (f32.const 0)
        (f32.gt (f32.load (i32.add (local.get $x) (local.get $i))) (f32.const 0))))
    (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $t))))
)
