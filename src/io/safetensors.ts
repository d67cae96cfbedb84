/**
 * Saving and loading trees of tensors (parameters, optimizer state) in the
 * [safetensors](https://github.com/huggingface/safetensors) layout:
 *
 * ```text
 * [u64 little-endian N] [N bytes of UTF-8 JSON header, space-padded] [data buffer]
 * ```
 *
 * The header maps tensor names to `{dtype, shape, data_offsets}` (offsets relative to the data
 * buffer) plus an optional `"__metadata__"` map of strings. edgegrad stores the exact tree (its
 * structure and its non-tensor leaves) as JSON under `__metadata__["edgegrad.tree"]`; files from
 * other writers are rebuilt from their dotted names. See docs/io.md.
 *
 * The writer is `save.ts`, the reader `load.ts`, what they share `format.ts`; this module only
 * re-exports.
 */
export type { LoadedTree, SavedLeaf } from './format.js';
export { loadTree } from './load.js';
export { saveTree } from './save.js';
