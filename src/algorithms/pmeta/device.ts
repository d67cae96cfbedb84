/**
 * The on-device form of adaptation (§4). Per inner step: a forward pass that saves, from the
 * first updated op j_min on, only what each backward needs (the K_fw input channels of an
 * updated layer, a 1-bit ReLU mask, a 2-bit max-pool argmax, the input of a batch-statistics
 * BN); then a backward pass from the head down to l_min that computes backward-data with the
 * **pre-update** weights, the weight-gradient block g(W)[K_bw, K_fw] only, and updates the
 * writable weight copy in place, freeing each saved tensor as soon as it is used. Every tensor
 * and buffer goes through the saved-tensor registry, whose peaks are the engine's dynamic memory.
 * With `microBatch` the forward runs one example at a time (a first pass pools the attention
 * inputs, so K_fw is known before anything is saved).
 */
import { noGrad } from '../../autograd/grad.js';
import type { Params } from '../../tree.js';
import type { Dataset } from '../../data/dataset.js';
import { fromTyped } from '../../tensor/create.js';
import { add, mul } from '../../tensor/ops/elementwise.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { conv2d } from '../../tensor/ops/conv.js';
import { concat, gather, reshape, slice, transpose } from '../../tensor/ops/movement.js';
import { mean } from '../../tensor/ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Adaptation } from './adapt.js';
import { layerChannels } from './arch.js';
import { attend, attendPooled } from './attention.js';
import type { AttentionParams } from './attention.js';
import {
  backwardData, blockGradient, bnBatchBackward, bnFrozenBackward, lossGradient, maxPoolBackward, maxPoolWithArgmax, reluBackward,
  reluWithMask, writableCopy,
} from './device-ops.js';
import { alphaValue, bnBatch, bnFrozen, checkLoss, taskLoss } from './inner.js';
import type { Selection } from './inner.js';
import type { LearnerConfig, MetaState } from './learner.js';
import { keptOf } from './learner.js';
import { createRegistry, hold, release, save } from './registry.js';
import type { Registry } from './registry.js';

type Att = { gamma: Float64Array; index: Int32Array };
/** What op j saved for backward: per chunk (the whole batch, or one example). */
type Saved = { tensors: Tensor[]; bits: Uint8Array[] };

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const bytesOf = (t: Tensor): number => t.size * (t.dtype === 'float64' ? 8 : 4);

interface StepCtx {
  cfg: LearnerConfig;
  meta: MetaState;
  theta: Params[];
  upd: boolean[];
  jMin: number;
  reg: Registry;
  fw: (Att | undefined)[];
}

function toAtt(a: { gamma: Tensor; index: Int32Array }): Att {
  return { gamma: Float64Array.from(a.gamma.toTyped() as ArrayLike<number>), index: a.index };
}

/** Runs op j on h (one chunk), registering its output buffer and what it saves. */
function runOp(c: StepCtx, j: number, h: Tensor, tag: string, saved: Saved[], collect: boolean): Tensor {
  const { cfg, theta, reg } = c;
  const o = cfg.net.ops[j]!;
  const p = theta[j] as Record<string, Tensor>;
  const keep = collect && j >= c.jMin;
  let out: Tensor;
  let save1: Tensor | Uint8Array | undefined, channels = h.shape[1]!;
  switch (o.kind) {
    case 'linear': case 'conv': {
      out = o.kind === 'linear' ? add(matmul(h, transpose(p.weight!)), p.bias!) : conv2d(h, p.weight!, { padding: o.padding, bias: p.bias });
      const l = cfg.net.layers.indexOf(j);
      if (keep && c.upd[l]) {
        const idx = c.fw[l]!.index;
        save1 = idx.length === channels ? h : gather(h, fromTyped(idx, [idx.length]), { axis: 1 });
        channels = idx.length;
      }
      break;
    }
    case 'bn':
      out = cfg.bn === 'batch' ? bnBatch(h, p.weight!, p.bias!, o.eps) : bnFrozen(h, p.weight!, p.bias!, c.meta.bnStats[j]!, o.eps);
      if (keep && cfg.bn === 'batch') save1 = h;
      break;
    case 'relu': { const [y, bits] = reluWithMask(h); out = y; if (keep) save1 = bits; break; }
    case 'maxpool': { const [y, codes] = maxPoolWithArgmax(h); out = y; if (keep) save1 = codes; break; }
    case 'flatten': out = reshape(h, [h.shape[0]!, -1]); break;
  }
  hold(reg, `a${j + 1}${tag}`, bytesOf(out));
  release(reg, `a${j}${tag}`);
  if (save1 !== undefined) {
    const s = saved[j]!;
    if (save1 instanceof Uint8Array) s.bits.push(save1);
    else s.tensors.push(save1);
    save(reg, `s${j}${tag}`, j, save1 instanceof Uint8Array ? save1.length : bytesOf(save1), channels);
  }
  return out;
}

function forwardAttention(c: StepCtx, l: number, x: Tensor | undefined, z: Tensor | undefined): void {
  const { cfg } = c;
  if (!c.upd[l]) return;
  if (cfg.attention[l]) {
    const w = (c.meta.omega[l] as { fw: AttentionParams }).fw;
    c.fw[l] = toAtt(x !== undefined ? attend(w, x, cfg.rho.fw) : attendPooled(w, z!, cfg.rho.fw));
  } else {
    const { cin } = layerChannels(cfg.net, l);
    c.fw[l] = { gamma: new Float64Array(cin).fill(1), index: Int32Array.from({ length: cin }, (_, i) => i) };
  }
}

function forwardBatched(c: StepCtx, x: Tensor, saved: Saved[]): Tensor {
  hold(c.reg, 'a0', bytesOf(x));
  let h = x;
  c.cfg.net.ops.forEach((o, j) => {
    if (o.kind === 'linear' || o.kind === 'conv') forwardAttention(c, c.cfg.net.layers.indexOf(j), h, undefined);
    h = runOp(c, j, h, '', saved, true);
  });
  release(c.reg, `a${c.cfg.net.ops.length}`);
  return h;
}

function forwardMicro(c: StepCtx, x: Tensor, saved: Saved[]): Tensor {
  const { net } = c.cfg;
  const B = x.shape[0]!;
  const one = (b: number): Tensor => slice(x, [b, ...x.shape.slice(1).map(() => 0)], [b + 1, ...x.shape.slice(1)]);
  // Pass 1: pool every updated layer's input over the batch (C numbers per layer), saving nothing.
  const sums: (Tensor | undefined)[] = [];
  const pool = net.layers.some((_, l) => c.upd[l] && c.cfg.attention[l]);
  for (let b = 0; pool && b < B; b++) {
    let h = one(b);
    hold(c.reg, `a0.p`, bytesOf(h));
    net.ops.forEach((o, j) => {
      if (o.kind === 'linear' || o.kind === 'conv') {
        const l = net.layers.indexOf(j);
        if (c.upd[l] && c.cfg.attention[l]) {
          const z = mean(h, { axis: h.shape.map((_, i) => i).filter((i) => i !== 1) });
          sums[l] = sums[l] === undefined ? z : add(sums[l]!, z);
        }
      }
      h = runOp(c, j, h, '.p', saved, false);
    });
    release(c.reg, `a${net.ops.length}.p`);
  }
  net.layers.forEach((_, l) => forwardAttention(c, l, undefined, sums[l] === undefined ? undefined : mul(sums[l]!, 1 / B)));
  // Pass 2: one example at a time, saving; the outputs of earlier examples stay live.
  const outs: Tensor[] = [];
  for (let b = 0; b < B; b++) {
    let h = one(b);
    hold(c.reg, `a0.${b}`, bytesOf(h));
    net.ops.forEach((_, j) => { h = runOp(c, j, h, `.${b}`, saved, true); });
    outs.push(h);
  }
  for (let b = 0; b < B; b++) release(c.reg, `a${net.ops.length}.${b}`);
  return concat(outs, 0);
}

function cat(ts: Tensor[]): Tensor {
  return ts.length === 1 ? ts[0]! : concat(ts, 0);
}

function catBits(chunks: Uint8Array[], perChunk: number, bitsPer: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(Math.ceil((chunks.length * perChunk * bitsPer) / 8));
  chunks.forEach((ch, b) => {
    for (let i = 0; i < perChunk * bitsPer; i++) {
      const bit = (ch[i >> 3]! >> (i & 7)) & 1;
      const o = b * perChunk * bitsPer + i;
      out[o >> 3]! |= bit << (o & 7);
    }
  });
  return out;
}

/** Backward from the loss gradient `g` down to j_min, updating the writable copies in place. */
function backward(c: StepCtx, g0: Tensor, saved: Saved[], alphas: readonly number[], sel: Selection[], B: number): void {
  const { cfg, theta, reg } = c;
  const { net } = cfg;
  let g = g0;
  for (let j = net.ops.length - 1; j >= c.jMin; j--) {
    const o = net.ops[j]!;
    const p = theta[j] as Record<string, Tensor>;
    const inShape = [B, ...net.inShapes[j]!];
    if (j > c.jMin) hold(reg, `g${j}`, numel(inShape) * (g.dtype === 'float64' ? 8 : 4));
    let gIn: Tensor | undefined;
    const s = saved[j]!;
    switch (o.kind) {
      case 'linear': case 'conv': {
        const l = net.layers.indexOf(j);
        const pad = o.kind === 'conv' ? o.padding : 0;
        if (j > c.jMin) gIn = backwardData(g, p.weight!, inShape, pad); // pre-update weights
        if (c.upd[l]) {
          const fw = c.fw[l]!;
          const bw: Att = cfg.attention[l]
            ? toAtt(attend((c.meta.omega[l] as { bw: AttentionParams }).bw, g, cfg.rho.bw, cfg.backwardPool))
            : { gamma: new Float64Array(g.shape[1]!).fill(1), index: Int32Array.from({ length: g.shape[1]! }, (_, i) => i) };
          sel[l] = { fw: fw.index, bw: bw.index };
          const [gw, gb] = blockGradient(g, cat(s.tensors), bw.index, o.kind === 'conv' ? o.kernel : 1, pad);
          applyBlock(p.weight!, p.bias!, gw, gb, fw, bw, alphas[l]!);
        }
        break;
      }
      case 'bn':
        gIn = cfg.bn === 'batch' ? bnBatchBackward(g, cat(s.tensors), p, o.eps) : bnFrozenBackward(g, p, c.meta.bnStats[j]!, o.eps);
        break;
      case 'relu': gIn = reluBackward(g, catBits(s.bits, numel(net.inShapes[j]!), 1)); break;
      case 'maxpool': gIn = maxPoolBackward(g, catBits(s.bits, numel(net.outShapes[j]!), 2), inShape); break;
      case 'flatten': gIn = reshape(g, inShape); break;
    }
    for (const k of [...reg.live.keys()]) if (k === `s${j}` || k.startsWith(`s${j}.`)) release(reg, k);
    saved[j] = { tensors: [], bits: [] };
    release(reg, `g${j + 1}`);
    if (gIn !== undefined) g = gIn;
  }
  release(reg, `g${c.jMin}`);
}

/** W[K_bw, K_fw] −= α·γ_bw[o]·γ_fw[i]·block; b[K_bw] −= α·γ_bw[o]·gb, in the writable copy. */
function applyBlock(w: Tensor, b: Tensor, gw: Tensor, gb: Tensor, fw: Att, bw: Att, alpha: number): void {
  const wd = w.data, bd = b.data;
  const gwd = gw.toTyped(), gbd = gb.toTyped();
  const cin = w.shape[1]!;
  const k2 = w.ndim === 4 ? w.shape[2]! * w.shape[3]! : 1;
  const nf = fw.index.length;
  bw.index.forEach((o, ob) => {
    const go = alpha * bw.gamma[o]!;
    fw.index.forEach((i, ib) => {
      const s = go * fw.gamma[i]!;
      const dst = (o * cin + i) * k2, src = (ob * nf + ib) * k2;
      for (let t = 0; t < k2; t++) wd[dst + t]! -= s * gwd[src + t]!;
    });
    bd[o]! -= go * gbd[ob]!;
  });
}

/**
 * The §4 engine behind `adapt(…, { form: 'device' })`.
 * @internal
 */
export function adaptOnDevice(cfg: LearnerConfig, meta: MetaState, support: Dataset, steps: number): Adaptation {
  return noGrad(() => {
    const { net } = cfg;
    const L = net.layers.length;
    const B = support.x.shape[0]!;
    const alphaRows = Array.from({ length: steps }, (_, k) => net.layers.map((_, l) => alphaValue(cfg, meta.a, k, l)));
    const ever = net.layers.map((_, l) => alphaRows.some((r) => r[l] !== 0));
    const theta = meta.theta.slice();
    let weightBytes = 0, weightBytesFull = 0;
    const sf = support.x.dtype === 'float64' ? 8 : 4;
    net.layers.forEach((j, l) => {
      if (!ever[l]) return;
      const p = meta.theta[j] as { weight: Tensor; bias: Tensor };
      theta[j] = { weight: writableCopy(p.weight), bias: writableCopy(p.bias) };
      const [mf, mb] = keptOf(cfg, l);
      const { cout, cin, k } = layerChannels(net, l);
      weightBytes += sf * (mb * mf * k * k + mb);
      weightBytesFull += sf * (cout * cin * k * k + cout);
    });
    const reg = createRegistry();
    const selections: Selection[][] = [];
    const losses: number[] = [];
    for (let k = 0; k < steps; k++) {
      reg.step = k;
      reg.phase = 'forward';
      const alphas = alphaRows[k]!;
      const upd = alphas.map((a) => a !== 0);
      const sel: Selection[] = Array.from({ length: L }, () => null);
      selections.push(sel);
      const lMin = upd.indexOf(true);
      if (lMin < 0) { losses.push(Number.NaN); continue; }
      const c: StepCtx = { cfg, meta, theta, upd, jMin: net.layers[lMin]!, reg, fw: [] };
      const saved: Saved[] = net.ops.map(() => ({ tensors: [], bits: [] }));
      const out = cfg.microBatch ? forwardMicro(c, support.x, saved) : forwardBatched(c, support.x, saved);
      reg.phase = 'backward';
      const [lv, g] = lossGradient((o) => taskLoss(cfg, o, support.y), out);
      checkLoss('pmeta.adapt', lv, k);
      losses.push(lv);
      hold(reg, `g${net.ops.length}`, bytesOf(g));
      backward(c, g, saved, alphas, sel, B);
    }
    const dyn = Math.max(reg.forwardPeak, reg.backwardPeak);
    return {
      theta, selections, losses,
      memory: {
        forwardPeakBytes: reg.forwardPeak, backwardPeakBytes: reg.backwardPeak, savedAtBackwardPeak: reg.savedAtBackwardPeak,
        weightBytes, weightBytesFull, peakBytes: weightBytes + dyn, peakBytesFullCopy: weightBytesFull + dyn, saved: reg.log,
      },
    };
  });
}
