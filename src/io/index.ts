/**
 * File I/O: trees of tensors (parameters and optimizer state) to and from safetensors bytes.
 * Runtime neutral: no Node modules, no TextEncoder/TextDecoder, no BigInt.
 * @packageDocumentation
 */
export { loadTree, saveTree } from './safetensors.js';
export type { LoadedTree, SavedLeaf } from './safetensors.js';
