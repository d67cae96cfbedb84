// Global test setup: registers the toBeAllClose matcher from edgegrad/testing.
import { expect } from 'vitest';
import { toBeAllClose } from '../src/testing/index.js';

expect.extend({ toBeAllClose });
