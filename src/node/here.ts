/**
 * The file URL of the running edgegrad/node build, for `createRequire`. The ESM build reads
 * `import.meta.url`; the CommonJS build (dist/node.cjs, where esbuild empties `import.meta`) has
 * `__filename`. A shim from the bundler would instead run at load time in the chunk shared with
 * the core, where QuickJS and Hermes have neither `__filename` nor `URL`.
 */
import { pathToFileURL } from 'node:url';

export function moduleUrl(): string {
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
}
