// Bundle-size budgets of the built package (issue 19). The table itself is printed by
// `npx tsx test/platform/bundle-size.ts` and recorded in docs/benchmarks.md. Assertions look at
// bytes and at string literals that survive minification (op names in error messages, the
// WebAssembly magic in base64), never at identifiers.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASES, bundleSize, table } from './bundle-size.js';
import { WASM_GEMM_F32, WASM_GEMM_I16, WASM_XNOR } from '../../src/backend/kernels-wasm.js';
import { SIMD_PROBE } from '../../src/backend/runtime.js';

const WASM_MAGIC = /["'`]AGFzbQ/; // base64 of "\0asm"
const TENSOR_CORE = /tensor must have exactly one element/; // Tensor.item()'s message
const caseOf = (i: number) => CASES[i]!;

describe('bundle sizes (esbuild, minified)', () => {
  it('prints the table', async () => {
    const t = await table();
    console.log(t);
    expect(t.split('\n')).toHaveLength(CASES.length + 2);
  });

  it('{ csrMatvec } stays at the kernel: no tensor core, no WebAssembly, ≤ 5 kB', async () => {
    const s = await bundleSize(caseOf(0).code);
    expect(s.text).toMatch(/["'`]csrMatvec["'`]/);
    expect(s.text).not.toMatch(TENSOR_CORE);
    expect(s.text).not.toMatch(/["'`]matmul["'`]|["'`]xnorGemm["'`]/);
    expect(s.total).toBeLessThanOrEqual(5000);
    expect((await bundleSize(caseOf(1).code)).total).toBeLessThanOrEqual(5000);
  });

  it('{ xnorGemm, packBits } carries the bit kernels and only the XNOR WebAssembly module, not the tensor core', async () => {
    const s = await bundleSize(caseOf(2).code);
    expect(s.text).toMatch(/["'`]xnorGemm["'`]/);
    expect(s.text).toMatch(WASM_MAGIC);
    expect(s.text).not.toMatch(TENSOR_CORE);
    // One module per kernel family: the XNOR module alone (under 1 kB of base64), plus the
    // 29-byte SIMD probe every WebAssembly path carries.
    expect(s.text).toContain(WASM_XNOR);
    expect(s.text).not.toContain(WASM_GEMM_F32);
    expect(s.wasm).toBe(WASM_XNOR.length + SIMD_PROBE.length);
    // The 5 kB target is still not met (5,959 B on 2026-12-07; docs/benchmarks.md says what
    // is left and why); this budget (that size plus 3 %) keeps it from growing.
    expect(s.total).toBeLessThanOrEqual(caseOf(2).budget);
  });

  it('{ grad, tensor, matmul } ≤ 60 kB with the WebAssembly GEMM included, not the integer families', async () => {
    const s = await bundleSize(caseOf(3).code);
    expect(s.text).toMatch(WASM_MAGIC);
    expect(s.text).toMatch(TENSOR_CORE);
    // The f32 GEMM family; im2col and SpMM come along (grad reaches the conv and sparse VJP
    // rules), the XNOR and int16 families do not.
    expect(s.text).toContain(WASM_GEMM_F32);
    expect(s.text).not.toContain(WASM_XNOR);
    expect(s.text).not.toContain(WASM_GEMM_I16);
    expect(s.total).toBeLessThanOrEqual(60000);
  });

  it("import 'edgegrad' leaves nothing even with the sideEffects field ignored", async () => {
    expect((await bundleSize("import 'edgegrad';", { ignoreSideEffects: true })).total).toBe(0);
    expect((await bundleSize("import 'edgegrad'; import 'edgegrad/testing';", { ignoreSideEffects: true })).text).not.toMatch(TENSOR_CORE);
  });

  it('the side-effect check can fail: an unannotated top-level call in a sideEffects:false package is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eg-se-'));
    const pkg = join(dir, 'node_modules', 'fixture');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'fixture', type: 'module', sideEffects: false, module: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), "import { make } from './make.js';\nexport const a = make('kept-marker');\nexport const b = /* @__PURE__ */ make('dropped-marker');\n");
    writeFileSync(join(pkg, 'make.js'), 'export function make(s) { return [s]; }\n');
    const honoured = await bundleSize("import 'fixture';", { resolveDir: dir });
    const ignored = await bundleSize("import 'fixture';", { resolveDir: dir, ignoreSideEffects: true });
    expect(honoured.total).toBe(0);
    expect(ignored.text).toContain('kept-marker');
    expect(ignored.text).not.toContain('dropped-marker');
  });
});
