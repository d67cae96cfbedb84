/**
 * Crash-safe checkpoints: a checkpoint is written to a temporary file in the same folder, flushed
 * to disk, then renamed over the target, so a process killed at any instant leaves either the
 * previous checkpoint or the new one, never a mix. A CRC-32 of the whole file, taken with the
 * checksum's own 8 hex digits read as `00000000`, is kept in the safetensors metadata and verified
 * on the raw bytes before anything is decoded, so a file that was truncated or damaged some other
 * way (a copy cut short, a disk error) is rejected with `FORMAT` instead of being loaded as valid.
 * The tree is encoded once on save and the bytes are never re-encoded on load.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NumError, loadTree, saveTree } from '../index.js';
import { describe } from '../errors.js';
import type { LoadedTree, SavedLeaf, Tree } from '../index.js';
import { crc32 } from '../io/checksum.js';

/** Metadata key of the checkpoint checksum (CRC-32, 8 hex digits). */
export const CHECKSUM_KEY = 'edgegrad.crc32';

const OP_SAVE = 'saveCheckpoint';
const OP_LOAD = 'loadCheckpoint';
const CHUNK = 1 << 20;
let serial = 0;

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** String metadata stored with the tree. */
  metadata?: Readonly<Record<string, string>> | undefined;
  /** Called after each written chunk with the bytes written so far and the total. */
  onProgress?: ((written: number, total: number) => void) | undefined;
}

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const PLACEHOLDER = '00000000';
// The checksum entry as saveTree's JSON header spells it; its 8 digits follow this prefix.
const ENTRY = new TextEncoder().encode(`${JSON.stringify(CHECKSUM_KEY)}:"`);
const ZEROS = new TextEncoder().encode(PLACEHOLDER);

/** Offset of the checksum's 8 hex digits in the JSON header of `bytes`, or -1. */
function digitsAt(bytes: Uint8Array): number {
  if (bytes.length < 8) return -1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = Math.min(bytes.length, 8 + dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32);
  outer: for (let i = 8; i + ENTRY.length + 8 <= end; i++) {
    for (let j = 0; j < ENTRY.length; j++) if (bytes[i + j] !== ENTRY[j]) continue outer;
    return i + ENTRY.length;
  }
  return -1;
}

/** CRC-32 of `bytes` with the 8 bytes at `at` read as the placeholder digits. */
function fileCrc(bytes: Uint8Array, at: number): number {
  return crc32(bytes, at + 8, bytes.length, crc32(ZEROS, 0, 8, crc32(bytes, 0, at)));
}

function checkMetadata(op: string, m: unknown): Record<string, string> {
  if (m === undefined) return {};
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new NumError('INVALID_ARGUMENT', op, 'metadata must be a record of strings', 'Record<string, string>', describe(m));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new NumError('INVALID_ARGUMENT', op, `metadata[${JSON.stringify(k)}] must be a string`, 'string', describe(v));
    if (k === CHECKSUM_KEY) throw new NumError('INVALID_ARGUMENT', op, `metadata key ${CHECKSUM_KEY} is reserved`, 'another key', k);
    out[k] = v;
  }
  return out;
}

/**
 * Writes `tree` to `path` atomically (temporary file, fsync, rename, folder fsync) with a CRC-32
 * in its metadata, and returns the byte count. A crash during the write leaves the previous file
 * at `path` untouched; the temporary file (`.<name>.<pid>.<n>.tmp`) is never read as a checkpoint.
 *
 * @throws {NumError} `INVALID_ARGUMENT` for a bad path, metadata or options; errors of `saveTree`
 *   for a tree it cannot store. File-system errors (disk full, permissions) pass through.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(mkdtempSync(join(tmpdir(), 'eg-')), 'last.safetensors');
 * saveCheckpoint(path, { state: { w: ones([2]) } }, { metadata: { epoch: '3' } });
 * const { tree, metadata } = loadCheckpoint(path);
 * metadata.epoch; // '3'
 * ```
 */
export function saveCheckpoint(path: string, tree: Tree<SavedLeaf>, opts: SaveCheckpointOptions = {}): number {
  if (typeof path !== 'string' || path.length === 0) throw new NumError('INVALID_ARGUMENT', OP_SAVE, 'path must be a non-empty string', 'string', describe(path));
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', OP_SAVE, 'opts must be an options object', '{metadata?, onProgress?}', describe(opts));
  const progress = opts.onProgress;
  if (progress !== undefined && typeof progress !== 'function') throw new NumError('INVALID_ARGUMENT', OP_SAVE, 'onProgress must be a function', 'function', describe(progress));
  const meta = checkMetadata(OP_SAVE, opts.metadata);
  const bytes = saveTree(tree, { ...meta, [CHECKSUM_KEY]: PLACEHOLDER });
  const at = digitsAt(bytes);
  bytes.set(new TextEncoder().encode(hex(fileCrc(bytes, at))), at);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${serial++}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let at = 0; at < bytes.length;) {
      at += writeSync(fd, bytes, at, Math.min(CHUNK, bytes.length - at));
      progress?.(at, bytes.length);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    // Makes the rename itself durable; not supported on every platform (Windows), hence optional.
    const d = openSync(dir, 'r');
    try { fsyncSync(d); } finally { closeSync(d); }
  } catch { /* the data is already flushed; only the directory entry may lag */ }
  return bytes.length;
}

/**
 * Verifies and decodes the checksum of safetensors bytes written by {@link saveCheckpoint}.
 * @throws {NumError} `FORMAT` for a malformed file, a missing checksum or a checksum mismatch.
 * @example
 * ```ts
 * import { mkdtempSync, readFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(mkdtempSync(join(tmpdir(), 'eg-')), 'last.safetensors');
 * saveCheckpoint(path, { w: ones([2]) });
 * const { tree } = verifyCheckpoint(new Uint8Array(readFileSync(path))); // bytes from anywhere
 * ```
 */
export function verifyCheckpoint(bytes: Uint8Array): LoadedTree {
  if (!(bytes instanceof Uint8Array)) throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'bytes must be a Uint8Array', 'Uint8Array', describe(bytes));
  const at = digitsAt(bytes);
  if (at < 0) throw new NumError('FORMAT', OP_LOAD, 'no checksum: not written by saveCheckpoint (or written partially)', `metadata ${CHECKSUM_KEY}`, 'none');
  // Checked on the raw bytes first, so a damaged file never reaches the decoder.
  const want = new TextDecoder().decode(bytes.subarray(at, at + 8));
  const got = hex(fileCrc(bytes, at));
  if (got !== want) throw new NumError('FORMAT', OP_LOAD, 'checksum mismatch: the checkpoint is corrupted', want, got);
  const { tree, metadata } = loadTree(bytes);
  // The digits found must be the metadata entry itself, not a look-alike elsewhere in the header.
  if (metadata[CHECKSUM_KEY] !== want) throw new NumError('FORMAT', OP_LOAD, 'checksum entry is not in the metadata', `metadata ${CHECKSUM_KEY} = ${want}`, describe(metadata[CHECKSUM_KEY]));
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== CHECKSUM_KEY) rest[k] = v;
  return { tree, metadata: rest };
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint} and verifies its checksum.
 *
 * @throws {NumError} `FORMAT` for a truncated, corrupted or checksum-less file;
 *   `INVALID_ARGUMENT` for a bad path. A missing file's error passes through.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(mkdtempSync(join(tmpdir(), 'eg-')), 'last.safetensors');
 * saveCheckpoint(path, { w: ones([2]) }, { metadata: { epoch: '3' } });
 * const { tree, metadata } = loadCheckpoint(path);
 * metadata.epoch; // '3'
 * ```
 */
export function loadCheckpoint(path: string): LoadedTree {
  if (typeof path !== 'string' || path.length === 0) throw new NumError('INVALID_ARGUMENT', OP_LOAD, 'path must be a non-empty string', 'string', describe(path));
  return verifyCheckpoint(new Uint8Array(readFileSync(path)));
}
