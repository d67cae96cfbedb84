// A binarized MLP on the MNIST split: binary weights and binary activations trained with
// straight-through estimators, exported bit-packed, and run with the XNOR-popcount GEMM.
// Run: npx tsx examples/bnn-mnist.ts [--epochs N] [--hidden N]
import {
  adam, applyUpdates, batches, bitpack, clip, cost, crossEntropy, evaluate, foldIn, key, nn, predict, quant,
  saveTree, loadTree, tree, valueAndGrad, type Dataset, type Params, type Tensor,
} from '../src/index.js';
import { loadMnist } from '../src/node/mnist.js';

export interface BnnResult {
  testAccuracy: number;
  /** Predictions of the float-simulated model (latent weights through the sign view, float ops). */
  simulated: Int32Array;
  /** Predictions of the packed model through xnorGemm. */
  packed: Int32Array;
  /** Same, after a saveTree/loadTree round trip of the packed model. */
  reloaded: Int32Array;
  packedBytes: number;
  summaryBytes: number;
  fileBytes: number;
  seconds: number;
}

/** Signs (0 → +1) of a float batch, packed row by row: the input of the next binary layer. */
function packSigns(x: Float32Array, rows: number, cols: number): bitpack.BitMatrix {
  return bitpack.packBits(x, rows, cols);
}

/** Trains the BNN and compares the float-simulated and packed predictions on the test set. */
export function runBnn(opts: { epochs?: number; hidden?: number; log?: (l: string) => void } = {}): BnnResult {
  const log = opts.log ?? console.log;
  const H = opts.hidden ?? 256;
  const t0 = performance.now();
  const { train, test } = loadMnist();
  const sgn = quant.steSign();
  // flatten → sign(x) → [binary dense → BN → sign] × 2 → binary dense → BN (the logits)
  const model = nn.sequential(
    nn.flatten(), nn.quantizeActivations(sgn),
    nn.linear(H, { bias: false }), nn.batchNorm1d(), nn.quantizeActivations(sgn),
    nn.linear(H, { bias: false }), nn.batchNorm1d(), nn.quantizeActivations(sgn),
    nn.linear(10, { bias: false }), nn.batchNorm1d(),
  );
  const init = model.init(key(0), [1, 28, 28]);
  const view = quant.quantizedView(sgn);
  const opt = adam(3e-3);
  let params: Params = init.params, state = init.state, os = opt.init(params);
  for (let e = 0; e < (opts.epochs ?? 3); e++) {
    for (const b of batches(train, 100, { key: foldIn(key(1), e) })) {
      const ctx: nn.Ctx = { training: true, state };
      const [, g] = valueAndGrad((p: Params) => crossEntropy(model.apply(view.apply(p, {}) as Params[], b.x, ctx), b.y))(params);
      const [u, s2] = opt.update(g, os, params);
      os = s2;
      // Latent binary weights are clipped to [-1, 1] (BinaryConnect), where the STE passes gradients.
      params = tree.map((t: Tensor) => (t.ndim >= 2 ? clip(t, -1, 1) : t), applyUpdates(params, u));
      state = ctx.newState ?? state;
    }
    const ev = evaluate(model, view.apply(params, {}), state, batches(test, 500));
    log(`epoch ${e + 1}: test accuracy ${(100 * ev.accuracy).toFixed(2)}% (float-simulated binary model)`);
  }
  const simulated = predict(model, view.apply(params, {}), state, batches(test, 500));

  // Deploy: binary weights bit-packed, batch norms folded into xnorGemm's output transform.
  const packed = quant.exportPacked(params, sgn);
  const run = (pk: quant.PackedModel, st: Params, ds: Dataset): Int32Array => {
    const layers = pk as unknown as Record<string, unknown>[];
    const bn = st as unknown as { runningMean: Tensor; runningVar: Tensor }[];
    const n = ds.x.shape[0]!;
    let acts = packSigns(ds.x.toTyped() as Float32Array, n, 784);
    let out: Float32Array = new Float32Array(0);
    for (const [li, bi] of [[2, 3], [5, 6], [8, 9]] as const) {
      const w = quant.toBitMatrix(layers[li]!.weight as quant.PackedBinary);
      out = bitpack.xnorGemm(acts, w, quant.foldBatchNorm(layers[bi] as { weight: Tensor; bias: Tensor }, bn[bi]!));
      if (li !== 8) acts = packSigns(out, n, w.rows);
    }
    const preds = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (out[i * 10 + j]! > out[i * 10 + best]!) best = j;
      preds[i] = best;
    }
    return preds;
  };
  const packedPreds = run(packed, state, test);
  const file = saveTree({ packed, state } as never, { model: 'bnn-mlp' });
  const back = loadTree(file).tree as unknown as { packed: quant.PackedModel; state: Params };
  const reloaded = run(back.packed, back.state, test);
  const summary = cost.summary(params, quant.viewPrecision(sgn));
  const testAccuracy = packedPreds.reduce((s, p, i) => s + (p === test.y.toTyped()[i] ? 1 : 0), 0) / packedPreds.length;
  const r: BnnResult = {
    testAccuracy, simulated, packed: packedPreds, reloaded,
    packedBytes: quant.packedBytes(packed), summaryBytes: summary.totals.bytes, fileBytes: file.length,
    seconds: (performance.now() - t0) / 1000,
  };
  const same = simulated.every((v, i) => v === packedPreds[i]);
  log(`packed model: test accuracy ${(100 * testAccuracy).toFixed(2)}%, predictions ${same ? 'identical to' : 'DIFFERENT from'} the float-simulated model on all ${n(test)} test images`);
  log(`storage: ${r.packedBytes} B packed payload = ${r.summaryBytes} B in cost.summary (float32 model: ${summary.totals.float32Bytes} B, ${summary.totals.compression.toFixed(1)}x); .safetensors file ${r.fileBytes} B with header`);
  return r;
}

function n(ds: Dataset): number {
  return ds.y.shape[0]!;
}

const isMain = process.argv[1]?.endsWith('bnn-mnist.ts') ?? false;
if (isMain) {
  const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? Number(process.argv[i + 1]) : undefined; };
  runBnn({ epochs: arg('epochs') ?? 5, hidden: arg('hidden') ?? 256 });
}
