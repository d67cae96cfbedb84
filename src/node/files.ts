/** File helpers for Node: save and load trees as .safetensors files. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadTree, saveTree } from '../index.js';
import type { LoadedTree, SavedLeaf, Tree } from '../index.js';

/**
 * Writes `saveTree(tree, metadata)` to `path` (creating folders) and returns the byte count.
 * @example
 * ```ts
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const params = { w: ones([2]) }, optState = { count: 3 };
 * saveFile(join(tmpdir(), 'ckpt', 'lenet5.safetensors'), { params, optState }, { epochs: '3' }); // bytes written
 * ```
 */
export function saveFile(path: string, tree: Tree<SavedLeaf>, metadata?: Record<string, string>): number {
  const bytes = saveTree(tree, metadata);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes.length;
}

/**
 * Reads a .safetensors file written by {@link saveFile} or any other safetensors writer.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(mkdtempSync(join(tmpdir(), 'eg-')), 'model.safetensors');
 * saveFile(path, { w: ones([2]) }, { epochs: '3' });
 * const { tree, metadata } = loadFile(path);
 * metadata.epochs; // '3'
 * ```
 */
export function loadFile(path: string): LoadedTree {
  return loadTree(new Uint8Array(readFileSync(path)));
}
