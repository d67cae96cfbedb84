import 'vitest';
import type { CloseOptions } from '../src/testing/index.js';

interface AllCloseMatchers<R = unknown> {
  toBeAllClose(expected: unknown, opts?: CloseOptions): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = unknown> extends AllCloseMatchers<T> {}
}
