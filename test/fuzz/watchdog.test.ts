import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('fuzz watchdog', () => {
  it('kills a process stuck in a synchronous call within its bound and names the call', () => {
    const child = fileURLToPath(new URL('./watchdog-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, '400'], { encoding: 'utf8', timeout: 60_000 });
    // SIGKILL is the watchdog's; spawnSync's own timeout would end the child with SIGTERM.
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toContain('fuzz watchdog: stuck(forever) has not returned after');
    expect(r.stderr).toContain('replay: FUZZ_SEED=1');
    expect(r.stderr).not.toContain('quick');
  });
});
