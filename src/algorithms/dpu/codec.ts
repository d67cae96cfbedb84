/**
 * The wire format of a DPU update (version 1). All integers little-endian, floats IEEE float32.
 *
 * ```
 * offset  size  field
 *      0     4  magic "EGDU"
 *      4     1  version = 1
 *      5     1  base: 0 = the deployed model, 1 = w_init regenerated from `seed` (re-init), 2 = zeros
 *      6     1  flags: bit 0 = full (every selectable weight is sent; no index stream); other bits 0
 *      7     1  Rice parameter b (0 … 30) of the index stream; 0 when the stream is empty
 *      8     4  round r (u32, at most 2³² − 2)
 *     12     4  seed of w_init (u32; 0 unless base = 1)
 *     16     8  fingerprint of the model the update applies to (the edge's current model and round)
 *     24     8  fingerprint of the resulting model (with round r)
 *     32     4  I, number of selectable weights
 *     36     4  S, number of (index, value) pairs, S ≤ I
 *     40     4  D, number of dense values (biases, batch norm, model state)
 *     44     4  L, bytes of the index stream
 *     48     L  index stream: gaps between sorted indices (first index, then idx_j − idx_{j−1} − 1),
 *               Rice-coded with divisor 2^b (quotient in unary as 1…10, then b remainder bits),
 *               most significant bit first, zero-padded to a byte
 *  48+L     4S  values (float32)
 *   …       4D  dense values (float32)
 *   …        4  CRC-32 (IEEE 802.3, as in zip/PNG) of every byte before it
 * ```
 *
 * Rice coding is Golomb coding with a power-of-two divisor; the encoder picks the `b` that
 * minimises the stream for the actual gaps, which is never worse than the `b*` of
 * `cost.golombParameter`. A message is valid only in this exact form: the decoder checks every
 * field, the total length, the stream's padding and the checksum, and rejects anything else
 * with a `FORMAT` error. The checksum guards against accidental corruption, not against an
 * attacker (who would also recompute it); the fingerprints then catch a message that is
 * well-formed but meant for another model or round.
 */
import { NumError, describe } from '../../errors.js';
import { crc32 } from '../../io/checksum.js';

/**
 * What an update is relative to: the edge's deployed model, the initial model `w_init`
 * regenerated from the seed (a re-initialisation round), or all-zero weights (the pruning
 * baseline, which ships a sparse model).
 *
 * @example
 * ```ts
 * const base: dpu.UpdateBase = 'init';
 * ```
 */
export type UpdateBase = 'deployed' | 'init' | 'zeros';

/**
 * A decoded update: the selectable weights that change (sorted flat indices and their new
 * values), the new dense part (biases, batch norm, model state), and what it applies to.
 *
 * @example
 * ```ts
 * const u: dpu.Update = dpu.decodeUpdate(bytes);
 * u.indices.length; // S
 * ```
 */
export interface Update {
  /** The round that produced this update. */
  round: number;
  /** What the indices and values are relative to. */
  base: UpdateBase;
  /** Seed of `w_init` (used when `base` is `'init'`; 0 otherwise). */
  seed: number;
  /** Fingerprint of the model the edge must hold (its current model and round). */
  baseFingerprint: string;
  /** Fingerprint of the model after applying the update (with `round`). */
  resultFingerprint: string;
  /** I: the number of selectable weights of the model. */
  size: number;
  /** Sorted, distinct flat indices in `[0, I)`. */
  indices: Int32Array;
  /** New values at `indices`. */
  values: Float32Array;
  /** New values of every non-selectable leaf and every model-state leaf, in layout order. */
  dense: Float32Array;
}

const MAGIC = [0x45, 0x47, 0x44, 0x55]; // "EGDU"
const VERSION = 1;
const HEADER = 48;
const BASES: readonly UpdateBase[] = ['deployed', 'init', 'zeros'];
const MAX_ROUND = 0xfffffffe;
const MAX_RICE = 30;
const HEX16 = /^[0-9a-f]{16}$/;

// ---- checks ----------------------------------------------------------------------------------

function allFiniteOrThrow(op: string, a: Float32Array, b: Float32Array): void {
  if (!allFinite(a) || !allFinite(b)) throw new NumError('INVALID_ARGUMENT', op, 'values and dense values must be finite', 'finite float32', 'NaN or Infinity');
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** Validates an in-memory update (INVALID_ARGUMENT naming `op`). @internal */
export function checkUpdate(op: string, u: Update): void {
  const bad = (what: string, expected: string, got: string): NumError => new NumError('INVALID_ARGUMENT', op, what, expected, got);
  const u32 = (name: string, v: unknown, max = 0xffffffff, min = 0): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw bad(`${name} must be an integer in [${min}, ${max}]`, `integer in [${min}, ${max}]`, describe(v));
    return v;
  };
  if (u === null || typeof u !== 'object') throw bad('update must be an object', 'Update', describe(u));
  u32('round', u.round, MAX_ROUND);
  if (!BASES.includes(u.base)) throw bad('base must be deployed, init or zeros', "'deployed' | 'init' | 'zeros'", describe(u.base));
  u32('seed', u.seed);
  if (u.base !== 'init' && u.seed !== 0) throw bad("seed must be 0 unless base is 'init'", '0', String(u.seed));
  for (const name of ['baseFingerprint', 'resultFingerprint'] as const) {
    if (typeof u[name] !== 'string' || !HEX16.test(u[name])) throw bad(`${name} must be 16 lowercase hex digits`, '16 hex digits', describe(u[name]));
  }
  const size = u32('size', u.size, 0x7fffffff, 1);
  if (!(u.indices instanceof Int32Array) || !(u.values instanceof Float32Array) || !(u.dense instanceof Float32Array)) {
    throw bad('indices, values and dense must be Int32Array, Float32Array, Float32Array', 'typed arrays', `${describe(u.indices)}, ${describe(u.values)}, ${describe(u.dense)}`);
  }
  if (u.values.length !== u.indices.length) throw bad('values and indices differ in length', String(u.indices.length), String(u.values.length));
  let prev = -1;
  for (let j = 0; j < u.indices.length; j++) {
    const i = u.indices[j]!;
    if (!(i > prev && i < size)) throw bad(`indices must be sorted, distinct and below size (at ${j})`, `${prev} < index < ${size}`, String(i));
    prev = i;
  }
  allFiniteOrThrow(op, u.values, u.dense);
}

// ---- Rice coding of gaps ---------------------------------------------------------------------

function gapsOf(indices: Int32Array): Float64Array {
  const g = new Float64Array(indices.length);
  let prev = -1;
  for (let j = 0; j < indices.length; j++) { g[j] = indices[j]! - prev - 1; prev = indices[j]!; }
  return g;
}

/** The b with the shortest stream (ties: the smaller b) and the stream's length in bits. */
function bestRice(gaps: Float64Array): [number, number] {
  let best = 0;
  let bestBits = Infinity;
  for (let b = 0; b <= MAX_RICE; b++) {
    const div = 2 ** b;
    let bits = gaps.length * (1 + b);
    for (let j = 0; j < gaps.length; j++) bits += Math.floor(gaps[j]! / div);
    if (bits < bestBits) { bestBits = bits; best = b; }
  }
  return [best, bestBits];
}

function writeRice(out: Uint8Array, gaps: Float64Array, b: number): void {
  let pos = 0;
  const put = (bit: number): void => {
    if (bit) out[pos >>> 3]! |= 0x80 >>> (pos & 7);
    pos++;
  };
  const div = 2 ** b;
  for (let j = 0; j < gaps.length; j++) {
    const g = gaps[j]!;
    const q = Math.floor(g / div);
    const r = g - q * div;
    for (let i = 0; i < q; i++) put(1);
    put(0);
    for (let i = b - 1; i >= 0; i--) put((r >>> i) & 1);
  }
}

// ---- encode / decode -------------------------------------------------------------------------

function writeHex(dv: DataView, at: number, hex: string): void {
  dv.setUint32(at, parseInt(hex.slice(0, 8), 16), true);
  dv.setUint32(at + 4, parseInt(hex.slice(8), 16), true);
}

function readHex(dv: DataView, at: number): string {
  return dv.getUint32(at, true).toString(16).padStart(8, '0') + dv.getUint32(at + 4, true).toString(16).padStart(8, '0');
}

/**
 * Encodes an update in the version-1 wire format (see the module documentation): header,
 * Rice-coded index gaps, float32 values, dense values and a CRC-32.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for an update that is not well-formed (unsorted or
 *   out-of-range indices, non-finite values, bad fingerprints, a seed without re-init, …).
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const edge = dpu.edgeModel(dpu.initialWeights(model, [4], 1));
 * const bytes = dpu.encodeUpdate(dpu.createUpdate({ round: 0, deployed: edge, next: dpu.initialWeights(model, [4], 2) }));
 * cost.payloadBits(bytes); // the bits this round sends
 * ```
 */
export function encodeUpdate(update: Update): Uint8Array {
  checkUpdate('dpu.encodeUpdate', update);
  const s = update.indices.length;
  const full = s === update.size;
  let b = 0;
  let streamBytes = 0;
  let gaps: Float64Array | undefined;
  if (!full && s > 0) {
    gaps = gapsOf(update.indices);
    const [bb, bits] = bestRice(gaps);
    b = bb;
    streamBytes = Math.ceil(bits / 8);
  }
  const d = update.dense.length;
  const total = HEADER + streamBytes + 4 * s + 4 * d + 4;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = BASES.indexOf(update.base);
  out[6] = full ? 1 : 0;
  out[7] = b;
  dv.setUint32(8, update.round, true);
  dv.setUint32(12, update.seed, true);
  writeHex(dv, 16, update.baseFingerprint);
  writeHex(dv, 24, update.resultFingerprint);
  dv.setUint32(32, update.size, true);
  dv.setUint32(36, s, true);
  dv.setUint32(40, d, true);
  dv.setUint32(44, streamBytes, true);
  if (gaps !== undefined) writeRice(out.subarray(HEADER, HEADER + streamBytes), gaps, b);
  let at = HEADER + streamBytes;
  for (let j = 0; j < s; j++, at += 4) dv.setFloat32(at, update.values[j]!, true);
  for (let j = 0; j < d; j++, at += 4) dv.setFloat32(at, update.dense[j]!, true);
  dv.setUint32(at, crc32(out, 0, at), true);
  return out;
}

function format(what: string, expected?: string, got?: string): NumError {
  return new NumError('FORMAT', 'dpu.decodeUpdate', what, expected, got);
}

/** Decodes S Rice-coded gaps from exactly `stream`; FORMAT on any inconsistency. */
function readRice(stream: Uint8Array, s: number, b: number, size: number): Int32Array {
  const out = new Int32Array(s);
  const nbits = stream.length * 8;
  const div = 2 ** b;
  let pos = 0;
  let prev = -1;
  for (let j = 0; j < s; j++) {
    let q = 0;
    for (;;) {
      if (pos >= nbits) throw format('index stream ends early', `${s} indices`, `${j}`);
      const bit = (stream[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
      pos++;
      if (bit === 0) break;
      q++;
      if (prev + 1 + q * div >= size) throw format('index out of range', `index < ${size}`, `>= ${prev + 1 + q * div}`);
    }
    if (pos + b > nbits) throw format('index stream ends early', `${s} indices`, `${j}`);
    let r = 0;
    for (let i = 0; i < b; i++, pos++) r = r * 2 + ((stream[pos >>> 3]! >>> (7 - (pos & 7))) & 1);
    const idx = prev + 1 + q * div + r;
    if (idx >= size) throw format('index out of range', `index < ${size}`, String(idx));
    out[j] = idx;
    prev = idx;
  }
  if (Math.ceil(pos / 8) !== stream.length) throw format('index stream has trailing bytes', `${Math.ceil(pos / 8)} bytes`, `${stream.length} bytes`);
  if (pos & 7 && (stream[pos >>> 3]! & (0xff >>> (pos & 7))) !== 0) throw format('index stream padding is not zero');
  return out;
}

/**
 * Decodes and fully validates an update: magic, version, every header field, the exact total
 * length, the index stream (sorted, in range, no trailing bits) and the CRC-32. It does not
 * need the model; {@link applyUpdate} checks the update against the edge's model.
 *
 * @throws {NumError} `FORMAT` for truncated, corrupted or malformed bytes; `INVALID_ARGUMENT`
 *   when `bytes` is not a `Uint8Array`.
 * @example
 * ```ts
 * const model = nn.mlp([3]);
 * const edge = dpu.edgeModel(dpu.initialWeights(model, [4], 1));
 * const bytes = dpu.encodeUpdate(dpu.createUpdate({ round: 0, deployed: edge, next: dpu.initialWeights(model, [4], 2) }));
 * const u = dpu.decodeUpdate(bytes);
 * [u.round, u.indices.length, u.base]; // [0, 12, 'deployed']
 * ```
 */
export function decodeUpdate(bytes: Uint8Array): Update {
  if (!(bytes instanceof Uint8Array)) throw new NumError('INVALID_ARGUMENT', 'dpu.decodeUpdate', 'bytes must be a Uint8Array', 'Uint8Array', describe(bytes));
  const n = bytes.length;
  for (let i = 0; i < 4; i++) {
    if (i >= n) throw format('truncated before the magic number', `at least ${HEADER + 4} bytes`, `${n} bytes`);
    if (bytes[i] !== MAGIC[i]) throw format('not a DPU update (bad magic number)', '"EGDU"', `byte ${i} = ${bytes[i]}`);
  }
  if (n < 5) throw format('truncated header', `at least ${HEADER + 4} bytes`, `${n} bytes`);
  if (bytes[4] !== VERSION) throw format('unsupported version', String(VERSION), String(bytes[4]));
  if (n < HEADER + 4) throw format('truncated header', `at least ${HEADER + 4} bytes`, `${n} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n);
  const crc = dv.getUint32(n - 4, true);
  if (crc32(bytes, 0, n - 4) !== crc) throw format('checksum mismatch (corrupted or truncated)', 'matching CRC-32', 'a different CRC-32');
  const baseCode = bytes[5]!;
  const flags = bytes[6]!;
  const b = bytes[7]!;
  if (baseCode >= BASES.length) throw format('unknown base', '0, 1 or 2', String(baseCode));
  if ((flags & ~1) !== 0) throw format('unknown flags', 'bit 0 only', String(flags));
  if (b > MAX_RICE) throw format('Rice parameter out of range', `<= ${MAX_RICE}`, String(b));
  const round = dv.getUint32(8, true);
  const seed = dv.getUint32(12, true);
  const base = BASES[baseCode]!;
  const size = dv.getUint32(32, true);
  const s = dv.getUint32(36, true);
  const d = dv.getUint32(40, true);
  const streamBytes = dv.getUint32(44, true);
  const full = (flags & 1) === 1;
  if (round > MAX_ROUND) throw format('round out of range', `<= ${MAX_ROUND}`, String(round));
  if (base !== 'init' && seed !== 0) throw format("seed must be 0 unless the base is w_init", '0', String(seed));
  if (size < 1 || size > 0x7fffffff) throw format('bad number of selectable weights', 'I in [1, 2^31)', String(size));
  if (s > size) throw format('more pairs than selectable weights', `S <= ${size}`, String(s));
  if (full !== (s === size)) throw format('full flag does not match the number of pairs', full ? `S = ${size}` : `S < ${size}`, String(s));
  if ((full || s === 0) && (streamBytes !== 0 || b !== 0)) throw format('an empty index stream must have L = 0 and b = 0', 'L = 0, b = 0', `L = ${streamBytes}, b = ${b}`);
  if (!full && s > 0 && streamBytes === 0) throw format('missing index stream', 'L > 0', '0');
  const expected = HEADER + streamBytes + 4 * s + 4 * d + 4;
  if (expected !== n) throw format('length does not match the header', `${expected} bytes`, `${n} bytes`);
  let indices: Int32Array;
  if (full) {
    indices = new Int32Array(size);
    for (let i = 0; i < size; i++) indices[i] = i;
  } else indices = readRice(bytes.subarray(HEADER, HEADER + streamBytes), s, b, size);
  let at = HEADER + streamBytes;
  const values = new Float32Array(s);
  for (let j = 0; j < s; j++, at += 4) values[j] = dv.getFloat32(at, true);
  const dense = new Float32Array(d);
  for (let j = 0; j < d; j++, at += 4) dense[j] = dv.getFloat32(at, true);
  if (!allFinite(values) || !allFinite(dense)) throw format('values must be finite', 'finite float32', 'NaN or Infinity');
  return {
    round, base, seed,
    baseFingerprint: readHex(dv, 16),
    resultFingerprint: readHex(dv, 24),
    size, indices, values, dense,
  };
}
