// The CI slice of the soak test (`npm run soak` is the full run): soak-run.ts in a child process
// (it needs --expose-gc) with 1,500 training steps and 15,000 small ops; sized by counts, not
// time, to stay well under 30 s on a loaded 2-core machine.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('soak slice', () => {
  it('memory stays within the bound, the arena does not grow, and a fresh process agrees', () => {
    const script = fileURLToPath(new URL('./soak-run.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--steps', '1500', '--ops', '15000'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    console.log(`soak slice: ${JSON.stringify(out)}`);
    expect(out['steps']).toBe(1500);
    expect(out['probe']).toBe(out['freshProbe']);
    expect(out['arenaGrowthBytes']).toBe(0);
    expect(out['heapGrowthMB']).toBeLessThanOrEqual(out['boundMB'] as number);
    expect(out['arrayBuffersGrowthMB']).toBeLessThanOrEqual(out['boundMB'] as number);
    expect(out['ok']).toBe(true);
    expect(r.status).toBe(0);
  }, 120_000);
});
