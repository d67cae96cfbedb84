// Child process of checkpoint.test.ts: trains, checkpointing after every `every` steps to one
// path, each checkpoint padded with a large ballast tensor so that its write spans many chunks.
// On checkpoint number `killAt` it prints "half" once half the bytes are out and waits to be
// killed (the parent sends SIGKILL). Arguments: <path> <every> <killAt> <ballast elements>.
import { writeSync } from 'node:fs';
import { zeros } from '../../src/index.js';
import { saveCheckpoint } from '../../src/node/checkpoint.js';
import { TOTAL_STEPS, advance, initial } from './train-run.js';

const [path, everyS, killAtS, ballastS] = process.argv.slice(2);
const every = Number(everyS), killAt = Number(killAtS);
const ballast = zeros([Number(ballastS)]);
let st = initial();
for (let n = 1; st.step < TOTAL_STEPS; n++) {
  st = advance(st, every);
  let told = false;
  saveCheckpoint(path!, { state: st as never, ballast }, {
    metadata: { step: String(st.step) },
    onProgress: (written, total) => {
      if (n !== killAt || told || written < total / 2) return;
      told = true;
      writeSync(1, `half ${st.step}\n`);
      // Block (not spin) until the parent's SIGKILL arrives; 20 s is a safety stop only. This
      // child only ever runs on Node, where SharedArrayBuffer exists.
      // eslint-disable-next-line no-restricted-syntax
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20_000);
    },
  });
  writeSync(1, `saved ${st.step}\n`);
}
