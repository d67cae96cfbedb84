// Global test setup: registers the toBeAllClose matcher from edgegrad/testing, and selects the
// kernel backend from EDGEGRAD_BACKEND ('js' | 'wasm'; default: the library's own default).
import { expect } from 'vitest';
import { toBeAllClose } from '../src/testing/index.js';
import { backend } from '../src/backend/index.js';

expect.extend({ toBeAllClose });

const chosen = process.env['EDGEGRAD_BACKEND'];
if (chosen === 'js' || chosen === 'wasm') backend.set(chosen);
else if (chosen !== undefined && chosen !== '') throw new Error(`EDGEGRAD_BACKEND must be 'js' or 'wasm', got '${chosen}'`);
