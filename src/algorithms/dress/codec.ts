/**
 * Bytes of a packed DRESS model: a `saveTree` (safetensors) file whose tree holds every layer's
 * float32 values and its column indices as little-endian bytes (2 per index for Uint16, 4 for
 * Uint32), plus a CRC-32 checksum of the payload in the metadata. The decoder checks structure,
 * counts, index ranges and the checksum, and throws `FORMAT` on anything malformed.
 *
 * @module
 */
import { NumError, describe } from '../../errors.js';
import { MAX_ELEMENTS } from '../../validate.js';
import { loadTree, saveTree } from '../../io/safetensors.js';
import { crc32 } from '../../io/checksum.js';
import { fromTyped } from '../../tensor/create.js';
import { Tensor } from '../../tensor/tensor.js';
import { isPlainObject } from '../../tree.js';
import type { Params, Tree } from '../../tree.js';
import type { ColumnArray, PackedDress, PackedLayer } from './pack.js';
import { packedArg } from './check.js';

const FORMAT_NAME = 'edgegrad.dress.packed';
const VERSION = 1;
const CHECKSUM_KEY = 'edgegrad.dress.crc32';

function checksum(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}

function columnBytes(c: ColumnArray): Uint8Array {
  const w = c.BYTES_PER_ELEMENT;
  const out = new Uint8Array(c.length * w);
  for (let i = 0; i < c.length; i++) {
    const v = c[i]!;
    for (let b = 0; b < w; b++) out[i * w + b] = (v >>> (8 * b)) & 0xff;
  }
  return out;
}

function payload(p: PackedDress): unknown {
  return {
    format: FORMAT_NAME, version: VERSION, levels: p.levels,
    layers: p.layers.map((l) => ({
      path: l.path, shape: l.shape, rows: l.rows, cols: l.cols, counts: l.counts, layout: l.layout,
      indexBytes: l.columns.BYTES_PER_ELEMENT, values: fromTyped(l.values, [l.values.length]),
      columns: fromTyped(columnBytes(l.columns), [l.columns.length * l.columns.BYTES_PER_ELEMENT]),
    })),
    net: p.net, bn: p.bn, modelState: p.modelState,
  };
}

/**
 * Encodes a packed model to bytes (`saveTree` plus a checksum).
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const packed = dress.toSparse(dress.trainable(params, masks), masks);
 * const bytes = dress.encodePacked(packed); // write to a file, send to a device
 * const back = dress.decodePacked(bytes);
 * back.levels; // [0.5]
 * ```
 */
export function encodePacked(packed: PackedDress): Uint8Array {
  // Structure only: the bytes' contents are the decoder's to validate (it rejects bad columns).
  packedArg('dress.encodePacked', packed, false);
  const tree = payload(packed);
  return saveTree(tree, { [CHECKSUM_KEY]: checksum(saveTree(tree)) });
}

function bad(what: string, expected: string, got: unknown): never {
  throw new NumError('FORMAT', 'dress.decodePacked', what, expected, typeof got === 'string' ? got : describe(got));
}

const isInt = (x: unknown, lo: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= lo;

function decodeLayer(o: unknown, k: number, i: number): PackedLayer {
  const w = `layers[${i}]`;
  if (!isPlainObject(o)) bad(`${w} is not a record`, 'a packed layer', o);
  const { path, shape, rows, cols, counts, layout, indexBytes, values, columns } = o;
  if (typeof path !== 'string') bad(`${w}.path`, 'a string', path);
  if (!Array.isArray(shape) || !shape.every((d) => isInt(d, 1))) bad(`${w}.shape`, 'positive integers', shape);
  if (!isInt(rows, 1) || !isInt(cols, 1) || rows * cols !== (shape as number[]).reduce((a, b) => a * b, 1) || rows !== shape[0]) {
    bad(`${w} rows · cols must equal the weight size`, 'rows = shape[0], rows · cols = size', `${String(rows)} · ${String(cols)}`);
  }
  if (!Array.isArray(counts) || counts.length !== k || !counts.every((n, j) => isInt(n, 1) && n <= cols && (j === 0 || n <= (counts[j - 1] as number)))) {
    bad(`${w}.counts must be ${k} non-increasing counts in 1..cols`, `1..${cols}`, counts);
  }
  if (layout !== 'row' && layout !== 'rank') bad(`${w}.layout`, "'row' | 'rank'", layout);
  const n1 = (counts as number[])[0]!;
  const size = rows * n1;
  const ib = cols <= 65536 ? 2 : 4;
  if (indexBytes !== ib) bad(`${w}.indexBytes`, String(ib), indexBytes);
  if (!(values instanceof Tensor) || values.dtype !== 'float32' || values.size !== size) bad(`${w}.values`, `float32 [${size}]`, values);
  if (!(columns instanceof Tensor) || columns.dtype !== 'uint8' || columns.size !== size * ib) bad(`${w}.columns`, `uint8 [${size * ib}]`, columns);
  const raw = columns.toTyped() as Uint8Array;
  const cols_ = ib === 2 ? new Uint16Array(size) : new Uint32Array(size);
  for (let q = 0; q < size; q++) {
    let v = 0;
    for (let b = ib - 1; b >= 0; b--) v = v * 256 + raw[q * ib + b]!;
    if (v >= cols) bad(`${w} has a column index out of range`, `< ${cols}`, String(v));
    cols_[q] = v;
  }
  if (rows * cols > MAX_ELEMENTS) bad(`${w} is larger than a tensor can be`, `rows · cols <= ${MAX_ELEMENTS}`, `${rows} · ${cols}`);
  // The repeat check must not allocate by the declared `cols` (a header could claim 2^30 columns
  // for a handful of values): a byte map while cols is within a small multiple of the payload.
  const seen = cols <= 8 * size + 1024 ? new Uint8Array(cols) : undefined;
  const seenSet = new Set<number>();
  for (let r = 0; r < rows; r++) {
    const at = (t: number): number => (layout === 'row' ? r * n1 + t : t * rows + r);
    for (let t = 0; t < n1; t++) {
      const c = cols_[at(t)]!;
      if (seen !== undefined ? seen[c] === 1 : seenSet.has(c)) bad(`${w} row ${r} repeats column ${c}`, 'distinct columns per row', String(c));
      if (seen !== undefined) seen[c] = 1;
      else seenSet.add(c);
    }
    if (seen !== undefined) for (let t = 0; t < n1; t++) seen[cols_[at(t)]!] = 0;
    else seenSet.clear();
  }
  return {
    path, shape: (shape as number[]).slice(), rows, cols, counts: (counts as number[]).slice(), layout,
    values: Float32Array.from(values.toTyped() as Float32Array), columns: cols_,
  };
}

/**
 * Decodes {@link encodePacked} bytes. Nothing is shared with the input buffer.
 *
 * @throws {NumError} `FORMAT` for truncated or corrupted bytes: a bad safetensors container, a
 *   checksum mismatch, a wrong format tag or version, or any layer whose counts, sizes, index
 *   width or columns (out of range, repeated within a row) are malformed.
 * @example
 * ```ts
 * const { params } = nn.mlp([8, 3]).init(key(0), [6]);
 * const masks = dress.nestedMasks(params, { levels: [0.5] });
 * const bytes = dress.encodePacked(dress.toSparse(dress.trainable(params, masks), masks));
 * const packed = dress.decodePacked(bytes);
 * packed.layers.length; // 2
 * ```
 */
export function decodePacked(bytes: Uint8Array): PackedDress {
  const { tree, metadata } = loadTree(bytes);
  if (metadata[CHECKSUM_KEY] === undefined || checksum(saveTree(tree)) !== metadata[CHECKSUM_KEY]) {
    bad('checksum mismatch: the bytes are corrupted', String(metadata[CHECKSUM_KEY]), 'a different payload');
  }
  if (!isPlainObject(tree) || tree['format'] !== FORMAT_NAME || tree['version'] !== VERSION) bad('not a packed DRESS model', `${FORMAT_NAME} v${VERSION}`, isPlainObject(tree) ? String(tree['format']) : tree);
  const { levels, layers, net, bn, modelState } = tree;
  if (!Array.isArray(levels) || levels.length === 0 || !levels.every((s, j) => typeof s === 'number' && s >= 0 && s < 1 && (j === 0 || s > (levels[j - 1] as number)))) {
    bad('levels must be strictly increasing sparsities in [0, 1)', 'number[]', levels);
  }
  const k = levels.length;
  if (!Array.isArray(layers) || layers.length === 0) bad('layers', 'a non-empty array', layers);
  if (!Array.isArray(bn) || (bn.length !== 0 && bn.length !== k) || !bn.every((s) => isPlainObject(s) && Object.values(s).every((t) => t instanceof Tensor))) {
    bad('bn must hold 0 or one record of tensors per level', `0 or ${k} sets`, bn);
  }
  if (!Array.isArray(modelState) || modelState.length !== k) bad('modelState must hold one state per level', `${k} states`, modelState);
  return {
    levels: (levels as number[]).slice(), layers: layers.map((l, i) => decodeLayer(l, k, i)), net: net as Tree<Tensor>,
    bn: bn as Record<string, Tensor>[], modelState: modelState as Params[],
  };
}
