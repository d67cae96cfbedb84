// Child process of watchdog.test.ts: one quick call, then a call that never returns.
import { startWatchdog } from './watchdog.js';

const dog = startWatchdog(Number(process.argv[2] ?? 500), 'replay: FUZZ_SEED=1');
dog.enter('quick');
dog.leave();
dog.enter('stuck(forever)');
for (;;) { /* a synchronous hang */ }
