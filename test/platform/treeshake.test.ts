// Tree-shaking hygiene of the built package (the zod lesson): importing nothing costs nothing,
// and importing one function does not drag in unrelated modules.
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

describe('tree-shaking of dist', () => {
  it('a bare import leaves no code behind (no top-level side effects)', async () => {
    const out = await bundle("import 'edgegrad'; import 'edgegrad/testing';");
    expect(out.trim().length).toBeLessThan(50);
  });

  it('importing only tree utilities pulls in neither tensors nor random', async () => {
    const out = await bundle("import { tree } from 'edgegrad'; console.log(tree.paths({ a: 1 }));");
    expect(out).not.toMatch(/threefry|Tensor\(|matmul/);
    expect(out.length).toBeLessThan(6000);
  });

  it('importing tensor creation does not pull in random sampling or gradcheck', async () => {
    const out = await bundle("import { zeros } from 'edgegrad'; console.log(zeros([2]));");
    expect(out).not.toMatch(/0x1bd11bda|466688986|central differences/i);
    expect(out).not.toMatch(/nn\.sequential|edgegrad\.tree|scaleByAdam|mnistFromDigits/);
  });

  it('a sparse matrix-vector product bundles without tensors, optimizers or bit kernels', async () => {
    const out = await bundle("import { csrMatvecInto } from 'edgegrad'; console.log(csrMatvecInto);");
    expect(out).not.toMatch(/xnorGemm|popcount|scaleByAdam|threefry|Tensor\(/);
    expect(out.length).toBeLessThan(6000);
  });
});
