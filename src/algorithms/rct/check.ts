/**
 * Boundary checks of the `rct` drivers: a config from `rct.config` and a training state from
 * `rct.init` / `rct.loadState`, checked by shape so a wrong or missing argument is one NumError
 * naming the op instead of a TypeError from inside the integer engine.
 */
import { NumError, describe } from '../../errors.js';
import { isPlainObject } from '../../tree.js';
import type { RctNet } from './net.js';
import { checkQuantized } from './quantized.js';
import type { RctConfig, RctState } from './train.js';

/**
 * A network from `rct.network` / `rct.mlp` / `rct.lenet5`, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * netArg('rct.config', net);
 * ```
 */
export function netArg(op: string, net: unknown): RctNet {
  const n = net as Partial<RctNet> | null | undefined;
  if (!isPlainObject(n) || !Array.isArray(n.gemms) || !Array.isArray(n.inputShape) || !Array.isArray(n.layers) || typeof n.float?.init !== 'function') {
    throw new NumError('INVALID_ARGUMENT', op, 'net must come from rct.network / rct.mlp / rct.lenet5', 'RctNet', describe(net));
  }
  return n as RctNet;
}

/**
 * A config from `rct.config`, else INVALID_ARGUMENT.
 * @example
 * ```ts
 * const cfg = configArg('rct.trainStep', c);
 * ```
 */
export function configArg(op: string, cfg: unknown): RctConfig {
  const c = cfg as Partial<RctConfig> | null | undefined;
  if (!isPlainObject(c) || !isPlainObject(c.optimizer) || !isPlainObject(c.controller) || !isPlainObject(c.compute)) {
    throw new NumError('INVALID_ARGUMENT', op, 'cfg must come from rct.config', 'RctConfig', describe(cfg));
  }
  netArg(op, c.net);
  return c as RctConfig;
}

/**
 * The optimizer and controller parts of a training state (`{counters, velocity}` and
 * `{sinceBoundary, boundaries}`), else STATE_MISMATCH.
 * @example
 * ```ts
 * checkOptState('rct.bitwidthController', opt, state);
 * ```
 */
export function checkOptState(op: string, opt: unknown, ctrl: unknown): void {
  const o = opt as { counters?: unknown; velocity?: unknown } | null | undefined;
  if (!isPlainObject(o) || !isPlainObject(o.counters) || !isPlainObject(o.velocity)) {
    throw new NumError('STATE_MISMATCH', op, 'optimizer state must come from the RCT optimizer', '{counters, velocity}', describe(opt));
  }
  const c = ctrl as { sinceBoundary?: unknown; boundaries?: unknown } | null | undefined;
  if (!isPlainObject(c) || typeof c.sinceBoundary !== 'number' || typeof c.boundaries !== 'number') {
    throw new NumError('STATE_MISMATCH', op, 'controller state must come from controller.init()', '{sinceBoundary, boundaries}', describe(ctrl));
  }
}

/**
 * A training state from `rct.init` / `rct.loadState`, else STATE_MISMATCH.
 * @example
 * ```ts
 * const st = stateArg('rct.saveState', s);
 * ```
 */
export function stateArg(op: string, st: unknown): RctState {
  const s = st as Partial<RctState> | null | undefined;
  if (!isPlainObject(s) || typeof s.step !== 'number' || !Array.isArray(s.trace)) {
    throw new NumError('STATE_MISMATCH', op, 'state must come from rct.init or rct.loadState', 'RctState', describe(st));
  }
  checkQuantized(s.params, op);
  checkOptState(op, s.opt, s.ctrl);
  return s as RctState;
}
