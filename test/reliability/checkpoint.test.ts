// Crash-safe checkpoints (src/node/checkpoint.ts): atomic replace, a verified checksum, and a
// child process killed (SIGKILL) in the middle of writing a large checkpoint: the previous
// checkpoint still loads, the partial file never does, and training resumed from the last good
// checkpoint ends bit-identical to an uninterrupted run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isNumError, tensor, zeros } from '../../src/index.js';
import type { TrainState } from '../../src/index.js';
import { crc32 } from '../../src/io/checksum.js';
import { saveFile } from '../../src/node/files.js';
import { CHECKSUM_KEY, loadCheckpoint, saveCheckpoint, verifyCheckpoint } from '../../src/node/checkpoint.js';
import { TOTAL_STEPS, advance, bits, initial } from './train-run.js';

const dir = mkdtempSync(join(tmpdir(), 'edgegrad-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const code = (f: () => unknown): string | undefined => {
  try { f(); } catch (e) { expect(isNumError(e), String(e)).toBe(true); return (e as { code: string }).code; }
  return undefined;
};

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips a tree with its metadata, leaves no temporary file, and replaces atomically', () => {
    const p = join(dir, 'a', 'ck.safetensors');
    saveCheckpoint(p, { w: tensor([1, 2, 3]), n: 4 }, { metadata: { epoch: '1' } });
    saveCheckpoint(p, { w: tensor([5, 6]), n: 7 }, { metadata: { epoch: '2' } });
    const back = loadCheckpoint(p);
    expect(back.metadata).toEqual({ epoch: '2' });
    expect((back.tree as unknown as { w: { toArray(): unknown } }).w.toArray()).toEqual([5, 6]);
    expect(readdirSync(join(dir, 'a'))).toEqual(['ck.safetensors']);
  });

  it('rejects truncated, damaged and checksum-less files with FORMAT', () => {
    const p = join(dir, 'b.safetensors');
    saveCheckpoint(p, { w: zeros([64]) });
    const good = new Uint8Array(readFileSync(p));
    expect(JSON.stringify(verifyCheckpoint(good).metadata)).toBe('{}');
    for (let cut = 0; cut < good.length; cut += 37) expect(code(() => verifyCheckpoint(good.subarray(0, cut)))).toBe('FORMAT');
    const flipped = good.slice();
    flipped[flipped.length - 5]! ^= 0x10; // inside the data: still a valid safetensors file
    expect(code(() => verifyCheckpoint(flipped))).toBe('FORMAT');
    saveFile(p, { w: zeros([64]) });
    expect(code(() => loadCheckpoint(p))).toBe('FORMAT');
    expect(code(() => saveCheckpoint(p, {}, { metadata: { [CHECKSUM_KEY]: 'x' } }))).toBe('INVALID_ARGUMENT');
    expect(code(() => saveCheckpoint('', {}))).toBe('INVALID_ARGUMENT');
  });

  it('stores the CRC-32 of the file with its own digits read as 00000000; any changed byte is rejected', () => {
    const p = join(dir, 'c.safetensors');
    saveCheckpoint(p, { w: tensor([1, 2, 3, 4]), step: 9 }, { metadata: { note: 'x' } });
    const good = new Uint8Array(readFileSync(p));
    const text = new TextDecoder().decode(good);
    const at = text.indexOf(`"${CHECKSUM_KEY}":"`) + CHECKSUM_KEY.length + 4;
    const zeroed = good.slice();
    zeroed.set(new TextEncoder().encode('00000000'), at);
    expect(text.slice(at, at + 8)).toBe(crc32(zeroed).toString(16).padStart(8, '0'));
    fc.assert(fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = good.slice();
      bad[i]! ^= x;
      expect(code(() => verifyCheckpoint(bad))).toBe('FORMAT');
    }), { numRuns: 300 });
  });
});

describe('a process killed while writing a checkpoint', () => {
  it('keeps the previous checkpoint; the partial file never loads; resuming is bit-identical', async () => {
    const path = join(dir, 'run', 'last.safetensors');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./checkpoint-child.ts', import.meta.url)), path, '3', '3', String(4 << 20)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const killedAt = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /half (\d+)/.exec(out);
        if (m) { child.kill('SIGKILL'); resolve(Number(m[1])); }
      });
      child.on('exit', () => reject(new Error(`child exited before the kill: ${out}`)));
    });
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    expect(out).toContain('saved 6');
    expect(killedAt).toBe(9);
    // The partial write is left behind as a temporary file and is rejected.
    const tmp = readdirSync(join(dir, 'run')).filter((f) => f.endsWith('.tmp'));
    expect(tmp.length).toBe(1);
    const partial = new Uint8Array(readFileSync(join(dir, 'run', tmp[0]!)));
    const good = new Uint8Array(readFileSync(path));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(good.length);
    expect(code(() => verifyCheckpoint(partial))).toBe('FORMAT');
    // A non-atomic writer killed at the same point would have left this at the target path:
    writeFileSync(join(dir, 'run', 'torn.safetensors'), partial);
    expect(code(() => loadCheckpoint(join(dir, 'run', 'torn.safetensors')))).toBe('FORMAT');
    // The previous checkpoint (step 6) loads, and training resumed from it matches an uninterrupted run.
    const loaded = loadCheckpoint(path);
    expect(loaded.metadata['step']).toBe('6');
    const st = (loaded.tree as unknown as { state: TrainState<unknown> }).state;
    expect(st.step).toBe(6);
    const resumed = advance(st, TOTAL_STEPS - st.step);
    const straight = advance(initial(), TOTAL_STEPS);
    expect(resumed.step).toBe(TOTAL_STEPS);
    expect(bits(resumed.params)).toEqual(bits(straight.params));
    expect(bits(resumed.optState as never)).toEqual(bits(straight.optState as never));
  }, 120_000);
});
