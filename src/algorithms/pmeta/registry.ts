/**
 * The instrumented saved-tensor registry of the on-device engine: every tensor kept for the
 * backward pass and every live activation or gradient buffer is registered with its byte size
 * when it is created and removed when it is freed, so the registry's running total is the
 * engine's dynamic memory (weights are tracked apart). Peaks are taken per phase.
 */

/** One saved tensor, as logged. */
export interface SavedEntry {
  step: number;
  op: number;
  bytes: number;
  /** Channels kept (updated layers: ⌈ρ_fw C_{l−1}⌉; other ops: all channels of the tensor). */
  channels: number;
}

/** What the registry measured over an adaptation (bytes). */
export interface RegistryReport {
  /** F: forward-phase peak (saved + buffers). */
  forwardPeakBytes: number;
  /** G: backward-phase peak (saved + gradient buffers). */
  backwardPeakBytes: number;
  /** Bytes of saved tensors live at the moment of the backward peak. */
  savedAtBackwardPeak: number;
  /** M_w by the selected-block rule and for full copies. */
  weightBytes: number;
  weightBytesFull: number;
  peakBytes: number;
  peakBytesFullCopy: number;
  /** Every tensor saved for backward. */
  saved: SavedEntry[];
}

/** @internal */
export interface Registry {
  phase: 'forward' | 'backward';
  step: number;
  live: Map<string, { bytes: number; saved: boolean }>;
  total: number;
  savedTotal: number;
  forwardPeak: number;
  backwardPeak: number;
  savedAtBackwardPeak: number;
  log: SavedEntry[];
}

/** @internal */
export function createRegistry(): Registry {
  return { phase: 'forward', step: 0, live: new Map(), total: 0, savedTotal: 0, forwardPeak: 0, backwardPeak: 0, savedAtBackwardPeak: 0, log: [] };
}

function measure(r: Registry): void {
  if (r.phase === 'forward') r.forwardPeak = Math.max(r.forwardPeak, r.total);
  else if (r.total > r.backwardPeak) {
    r.backwardPeak = r.total;
    r.savedAtBackwardPeak = r.savedTotal;
  }
}

/** Registers a live buffer (activation or gradient). @internal */
export function hold(r: Registry, name: string, bytes: number): void {
  r.live.set(name, { bytes, saved: false });
  r.total += bytes;
  measure(r);
}

/** Registers a tensor saved for backward. @internal */
export function save(r: Registry, name: string, op: number, bytes: number, channels: number): void {
  r.live.set(name, { bytes, saved: true });
  r.total += bytes;
  r.savedTotal += bytes;
  r.log.push({ step: r.step, op, bytes, channels });
  measure(r);
}

/** Frees a registered tensor. @internal */
export function release(r: Registry, name: string): void {
  const e = r.live.get(name);
  if (e === undefined) return;
  r.live.delete(name);
  r.total -= e.bytes;
  if (e.saved) r.savedTotal -= e.bytes;
}
