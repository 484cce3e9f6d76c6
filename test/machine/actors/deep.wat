;; Sends to itself until a counter reaches zero, to test the call-depth limit.
;; Parameters (raw): remaining u32 | recursion u32 | address length u32 | own address bytes.
;; At each level it first recurses `recursion` frames deep in WASM (to use native stack), then
;; sends the same parameters with `remaining - 1`. A send that fails aborts with exit code
;; 1000 + the error number; a callee's non-zero exit code is passed on as is.
(module
  (import "ipld" "block_read" (func $block_read (param i32 i32 i32 i32 i32) (result i32)))
  (import "ipld" "block_create" (func $block_create (param i32 i64 i32 i32) (result i32)))
  (import "send" "send" (func $send (param i32 i32 i32 i64 i32 i64 i64 i64 i64) (result i32)))
  (import "vm" "exit" (func $exit (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; Recurses n frames, then sends (so the send happens with the frames still on the stack).
  (func $descend (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (call $forward))
      (else (call $descend (i32.sub (local.get $n) (i32.const 1))))))

  (func $forward (result i32)
    (local $err i32)
    ;; params at 100: remaining, recursion, addr len, addr
    (i32.store (i32.const 100) (i32.sub (i32.load (i32.const 100)) (i32.const 1)))
    (local.set $err (call $block_create (i32.const 16) (i64.const 0x55) (i32.const 100)
      (i32.add (i32.const 12) (i32.load (i32.const 108)))))
    (if (local.get $err) (then (drop (call $exit (i32.add (i32.const 1000) (local.get $err)) (i32.const 0) (i32.const 0) (i32.const 0)))))
    (local.set $err (call $send (i32.const 32) (i32.const 112) (i32.load (i32.const 108)) (i64.const 2)
      (i32.load (i32.const 16)) (i64.const 0) (i64.const 0) (i64.const -1) (i64.const 0)))
    (if (local.get $err) (then (drop (call $exit (i32.add (i32.const 1000) (local.get $err)) (i32.const 0) (i32.const 0) (i32.const 0)))))
    (if (i32.load (i32.const 32)) (then (drop (call $exit (i32.load (i32.const 32)) (i32.const 0) (i32.const 0) (i32.const 0)))))
    (i32.const 0))

  (func (export "invoke") (param $p i32) (result i32)
    (drop (call $block_read (i32.const 0) (local.get $p) (i32.const 0) (i32.const 100) (i32.const 200)))
    (if (i32.eqz (i32.load (i32.const 100))) (then (return (i32.const 0))))
    (drop (call $descend (i32.load (i32.const 104))))
    (i32.const 0)))
