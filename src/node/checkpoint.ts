/**
 * Crash-safe checkpoints: a checkpoint is written to a temporary file in the same folder, flushed
 * to disk, then renamed over the target, so a process killed at any instant leaves either the
 * previous checkpoint or the new one, never a mix. A CRC-32 of the whole file (with the checksum
 * field itself absent) is kept in the safetensors metadata and verified on load, so a file that
 * was truncated or damaged some other way (a copy cut short, a disk error) is rejected with
 * `FORMAT` instead of being loaded as valid.
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
  // The checksum covers the file as it would be without the checksum entry; the loader rebuilds
  // exactly that file from what it decoded, so any change to header or data shows.
  const sum = crc32(saveTree(tree, meta), 0);
  const bytes = saveTree(tree, { ...meta, [CHECKSUM_KEY]: hex(sum) });
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
  const { tree, metadata } = loadTree(bytes);
  const want = metadata[CHECKSUM_KEY];
  if (want === undefined) throw new NumError('FORMAT', OP_LOAD, 'no checksum: not written by saveCheckpoint (or written partially)', `metadata ${CHECKSUM_KEY}`, 'none');
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k !== CHECKSUM_KEY) rest[k] = v;
  const got = hex(crc32(saveTree(tree, rest), 0));
  if (got !== want) throw new NumError('FORMAT', OP_LOAD, 'checksum mismatch: the checkpoint is corrupted', want, got);
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
