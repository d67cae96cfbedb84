// Tree-shaking hygiene of the built package (the zod lesson): importing nothing costs nothing,
// and importing one function does not drag in unrelated modules.
//
// Minification renames functions and classes, so "is module X in the bundle" is asked through
// what it cannot rename: string literals (op names in error messages, reserved keys) and numeric
// constants. Each marker is first shown to be present in a bundle that does use its module, so
// every "absent" assertion below is one that can fail.
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

async function bundle(code: string): Promise<string> {
  const r = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true, write: false, format: 'esm', minify: true, treeShaking: true, platform: 'neutral',
    mainFields: ['module', 'main'], conditions: ['import'], logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

/** A trace of one module that survives minification, and a bundle that must contain it. */
interface Marker { readonly trace: RegExp; readonly usedBy: string }

const MARKERS = {
  // Threefry's key-schedule parity constant 0x1BD11BDA (printed in decimal or hex).
  threefry: { trace: /\b(?:466688986|0x1bd11bda)\b/i, usedBy: "import { key, split } from 'edgegrad'; console.log(split(key(1)));" },
  // The Tensor class (its item() message).
  tensor: { trace: /tensor must have exactly one element/, usedBy: "import { zeros } from 'edgegrad'; console.log(zeros([2]));" },
  matmul: { trace: /["'`]matmul["'`]/, usedBy: "import { matmul, zeros } from 'edgegrad'; console.log(matmul(zeros([2, 2]), zeros([2, 2])));" },
  // SWAR popcount's first mask 0x55555555.
  popcount: { trace: /\b(?:1431655765|0x55555555)\b/i, usedBy: "import { bitpack } from 'edgegrad'; console.log(bitpack.popcount32(3));" },
  xnorGemm: { trace: /["'`]xnorGemm["'`]/, usedBy: "import { bitpack } from 'edgegrad'; console.log(bitpack.xnorGemm);" },
  adam: { trace: /["'`]scaleByAdam["'`]/, usedBy: "import { adam } from 'edgegrad'; console.log(adam(0.1));" },
  gradcheck: { trace: /["'`]gradcheck["'`]/, usedBy: "import { gradcheck } from 'edgegrad'; console.log(gradcheck);" },
  // safetensors' reserved metadata key for the tree description.
  saveTree: { trace: /edgegrad\.tree/, usedBy: "import { saveTree } from 'edgegrad'; console.log(saveTree);" },
  sequential: { trace: /nn\.sequential/, usedBy: "import { nn } from 'edgegrad'; console.log(nn.sequential);" },
  mnist: { trace: /["'`]mnistFromDigits["'`]/, usedBy: "import { mnistFromDigits } from 'edgegrad'; console.log(mnistFromDigits);" },
} satisfies Record<string, Marker>;
type Name = keyof typeof MARKERS;

/** The markers found in a bundle. */
function found(out: string, names: readonly Name[]): Name[] {
  return names.filter((n) => MARKERS[n].trace.test(out));
}

describe('tree-shaking of dist', () => {
  it('every marker is present in a bundle that uses its module (so its absence means something)', async () => {
    for (const [name, m] of Object.entries(MARKERS) as [Name, Marker][]) {
      expect(found(await bundle(m.usedBy), [name]), name).toEqual([name]);
    }
  });

  it('a bare import leaves no code behind (no top-level side effects)', async () => {
    const out = await bundle("import 'edgegrad'; import 'edgegrad/testing';");
    expect(out.trim().length).toBeLessThan(50);
  });

  it('importing only tree utilities pulls in neither tensors nor random', async () => {
    const out = await bundle("import { tree } from 'edgegrad'; console.log(tree.paths({ a: 1 }));");
    expect(found(out, ['threefry', 'tensor', 'matmul', 'saveTree'])).toEqual([]);
    expect(out.length).toBeLessThan(6000);
  });

  it('importing tensor creation does not pull in random sampling, gradcheck, layers or optimizers', async () => {
    const out = await bundle("import { zeros } from 'edgegrad'; console.log(zeros([2]));");
    expect(found(out, ['tensor'])).toEqual(['tensor']);
    expect(found(out, ['threefry', 'gradcheck', 'sequential', 'saveTree', 'adam', 'mnist', 'popcount', 'xnorGemm'])).toEqual([]);
    // The tensor core with its ops, measured at 31 kB minified; the whole package is several times that.
    expect(out.length).toBeLessThan(40_000);
  });

  it('a sparse matrix-vector product bundles without tensors, optimizers or bit kernels', async () => {
    const out = await bundle("import { csrMatvecInto } from 'edgegrad'; console.log(csrMatvecInto);");
    expect(found(out, ['xnorGemm', 'popcount', 'adam', 'threefry', 'tensor', 'matmul'])).toEqual([]);
    expect(out.length).toBeLessThan(6000);
  });
});
