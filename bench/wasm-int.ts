/** Integer and binary GEMM cases of bench/wasm.bench.ts. */
import type { Row } from './wasm.bench.js';

export async function intCases(): Promise<Row[]> {
  return [];
}
