// The workload every runtime runs (test/runtimes/runtimes.test.ts): train a tiny MLP for a few
// Adam steps from a fixed key, then run a bit-packed (XNOR-popcount) inference with the trained
// first layer. Only + − × ÷ and sqrt are involved (ReLU, MSE, Adam; `uniform` is Threefry on
// integers), all of which IEEE 754 rounds identically everywhere, so every engine must print
// the same bits as Node. The result is digests of the raw bytes, plus a few values to read.
//
// Plain JavaScript (no TypeScript): it is bundled with esbuild for each engine as-is.
import * as eg from 'edgegrad';

/** FNV-1a over the bytes of a typed array, as 8 hex digits. */
export function digest(a) {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Training data: 32 examples of 8 features, targets a fixed linear map of them. */
export function makeData() {
  const x = eg.uniform(eg.key(1), [32, 8], { minval: -1, maxval: 1 });
  const w = eg.uniform(eg.key(2), [8, 4], { minval: -1, maxval: 1 });
  // float64 GEMM always runs on the JS kernels, so the data do not depend on the current backend.
  const y = eg.matmul(x.astype('float64'), w.astype('float64')).astype('float32');
  return { x: x.toTyped({ copy: true }), y: y.toTyped({ copy: true }) };
}

/**
 * Runs the workload on `backend` ('js' | 'wasm'). `data` is what makeData returns (a worker gets
 * it as transferred buffers). Returns `{ backend, digests, sample, loss, outputs }`, where
 * `outputs` are typed arrays a worker can transfer back.
 */
export function run(backend, data) {
  eg.backend.set(backend);
  const d = data ?? makeData();
  const x = eg.fromTyped(d.x, [32, 8]), y = eg.fromTyped(d.y, [32, 4]);
  const model = eg.nn.sequential(eg.nn.linear(16), eg.nn.relu(), eg.nn.linear(4));
  const init = model.init(eg.key(0), [8]);
  const opt = eg.adam(0.01);
  const loss = (params) => eg.mseLoss(model.apply(params, x, { training: true, state: [] }), y);
  let params = init.params, optState = opt.init(params);
  const losses = [];
  for (let step = 0; step < 5; step++) {
    const [l, g] = eg.valueAndGrad(loss)(params);
    losses.push(l.item());
    const [updates, next] = opt.update(g, optState, params);
    params = eg.applyUpdates(params, updates);
    optState = next;
  }
  const state = { params };
  const leaves = eg.tree.leaves(state.params).map((t) => t.toTyped({ copy: true }));
  // Bit-packed inference: signs of the inputs and of the trained first-layer weights, XNOR GEMM
  // scaled by the layer's mean |w| per output.
  const w0 = state.params[0].weight;                       // [16, 8]
  const scale = Array.from(eg.mean(eg.abs(w0), { axis: 1 }).toTyped());
  const xb = eg.packBits(x.toTyped({ copy: true }), 32, 8);
  const wb = eg.packBits(w0.toTyped({ copy: true }), 16, 8);
  const packed = eg.xnorGemm(xb, wb, { scale });
  const outputs = { packed, loss: Float64Array.from(losses), params: Float32Array.from(leaves.flatMap((l) => Array.from(l))) };
  return {
    backend: eg.backend.get(),
    digests: { params: digest(outputs.params), loss: digest(outputs.loss), packed: digest(packed) },
    sample: { loss: losses.map((l) => l.toPrecision(17)), packed: Array.from(packed.subarray(0, 4), (v) => v.toPrecision(9)) },
    outputs,
  };
}

/** What a runtime prints: the run without the typed arrays, for both backends it has. */
export function report() {
  const out = { wasmAvailable: eg.backend.available(), runs: {} };
  for (const b of out.wasmAvailable ? ['js', 'wasm'] : ['js']) {
    const r = run(b);
    out.runs[b] = { backend: r.backend, digests: r.digests, sample: r.sample };
  }
  return JSON.stringify(out);
}
