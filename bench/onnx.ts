/**
 * A minimal ONNX (protobuf) encoder for the benchmark graphs: just the ModelProto / GraphProto /
 * NodeProto / AttributeProto / ValueInfoProto / TensorProto fields that MatMul, Conv, MaxPool,
 * Relu, Flatten and Gemm graphs need (field numbers from onnx.proto3), so no dependency is
 * needed to build them in code.
 */
type Bytes = number[];

function varint(out: Bytes, v: number): void {
  // Non-negative values only (dims, enums, lengths); up to 2^53.
  while (v >= 128) { out.push((v % 128) | 128); v = Math.floor(v / 128); }
  out.push(v);
}
function key(out: Bytes, field: number, wire: number): void { varint(out, field * 8 + wire); }
function int(out: Bytes, field: number, v: number): void { key(out, field, 0); varint(out, v); }
function bytes(out: Bytes, field: number, b: ArrayLike<number>): void {
  key(out, field, 2); varint(out, b.length);
  for (let i = 0; i < b.length; i++) out.push(b[i]!);
}
function str(out: Bytes, field: number, s: string): void { bytes(out, field, new TextEncoder().encode(s)); }
function msg(out: Bytes, field: number, body: (b: Bytes) => void): void { const b: Bytes = []; body(b); bytes(out, field, b); }

/** A graph node: op type, inputs, outputs, int / ints attributes. */
export interface OnnxNode { op: string; inputs: string[]; outputs: string[]; ints?: Record<string, number[]>; int?: Record<string, number> }

/** A float32 tensor value: name, shape, data. */
export interface OnnxTensor { name: string; shape: number[]; data?: Float32Array }

function valueInfo(out: Bytes, field: number, t: OnnxTensor): void {
  msg(out, field, (v) => {
    str(v, 1, t.name);
    msg(v, 2, (ty) => msg(ty, 1, (tt) => {
      int(tt, 1, 1); // FLOAT
      msg(tt, 2, (sh) => { for (const d of t.shape) msg(sh, 1, (dim) => int(dim, 1, d)); });
    }));
  });
}

/**
 * Encodes a model (opset 13) with the given graph inputs, weights (initializers), nodes and outputs.
 *
 * @example
 * ```ts
 * encodeModel([{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }], [A, B], [], [C]);
 * ```
 */
export function encodeModel(nodes: OnnxNode[], inputs: OnnxTensor[], weights: OnnxTensor[], outputs: OnnxTensor[]): Uint8Array {
  const m: Bytes = [];
  int(m, 1, 8); // ir_version
  msg(m, 7, (g) => {
    nodes.forEach((n, i) => msg(g, 1, (nb) => {
      for (const s of n.inputs) str(nb, 1, s);
      for (const s of n.outputs) str(nb, 2, s);
      str(nb, 3, `n${i}`);
      str(nb, 4, n.op);
      for (const [name, vs] of Object.entries(n.ints ?? {})) msg(nb, 5, (a) => { str(a, 1, name); int(a, 20, 7); for (const v of vs) int(a, 8, v); });
      for (const [name, v] of Object.entries(n.int ?? {})) msg(nb, 5, (a) => { str(a, 1, name); int(a, 20, 2); int(a, 3, v); });
    }));
    str(g, 2, 'bench');
    for (const w of weights) {
      msg(g, 5, (t) => {
        for (const d of w.shape) int(t, 1, d);
        int(t, 2, 1);
        str(t, 8, w.name);
        bytes(t, 9, new Uint8Array(w.data!.buffer, w.data!.byteOffset, w.data!.byteLength));
      });
    }
    for (const t of inputs) valueInfo(g, 11, t);
    for (const t of outputs) valueInfo(g, 12, t);
  });
  msg(m, 8, (o) => { str(o, 1, ''); int(o, 2, 13); });
  return Uint8Array.from(m);
}
