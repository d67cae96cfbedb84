// The demo end to end (one epoch, to keep CI short; `npm run demo` runs four): real MNIST,
// LeNet5, checkpoint and reload with identical predictions, and the summary's byte count.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../src/node/demo.js';

describe('npm run demo', () => {
  it('trains LeNet5 on the MNIST split, reloads identically, reports storage', () => {
    const lines: string[] = [];
    const out = join(mkdtempSync(join(tmpdir(), 'edgegrad-')), 'ckpt.safetensors');
    const r = runDemo({ epochs: 1, out, log: (l) => lines.push(l) });
    expect(r.testAccuracy).toBeGreaterThan(0.95);
    expect(r.reloadIdentical).toBe(true);
    expect(r.summary.totals.count).toBe(431080);
    expect(r.summary.totals.bytes).toBe(431080 * 4);
    expect(lines.join('\n')).toMatch(/identical predictions on all 2000 test images/);
  }, 240_000);
});
