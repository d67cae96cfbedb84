/**
 * Reference models used by the algorithms and demos.
 */
import type { Params } from '../tree.js';
import { NumError, describe } from '../errors.js';
import { batchNorm1d, batchNorm2d, conv2d, flatten, linear, maxPool2d, relu, sequential } from './layers.js';
import type { Layer } from './layers.js';

/**
 * Multi-layer perceptron: `linear(w₀), relu, linear(w₁), …, linear(wₖ)` (no activation after the last).
 * @example
 * ```ts
 * const model = nn.mlp([256, 10]);          // 784 → 256 → 10 for inputs [N, 784]
 * ```
 */
export function mlp(widths: readonly number[]): Layer<Params[]> {
  if (!Array.isArray(widths) || widths.length === 0) throw new NumError('INVALID_ARGUMENT', 'nn.mlp', 'widths must be a non-empty array', 'number[]', describe(widths));
  const layers: Layer<Params>[] = [];
  widths.forEach((w, i) => {
    layers.push(linear(w) as Layer<Params>);
    if (i < widths.length - 1) layers.push(relu());
  });
  return sequential(...layers);
}

/**
 * LeNet5 as in the ALQ reference code: conv 1→20 k5 → maxpool 2 → ReLU → conv 20→50 k5 →
 * maxpool 2 → ReLU → flatten (800) → fc 500 → ReLU → fc 10. Input `[N, 1, 28, 28]`; 431,080
 * parameters. Parameter names: `0.*` conv1, `3.*` conv2, `7.*` fc1, `9.*` fc2.
 * @example
 * ```ts
 * const { params } = nn.lenet5().init(key(0), [1, 28, 28]);
 * ```
 */
export function lenet5(opts?: { classes?: number | undefined }): Layer<Params[]> {
  return sequential(
    conv2d(20, 5) as Layer<Params>, maxPool2d(2), relu(),
    conv2d(50, 5) as Layer<Params>, maxPool2d(2), relu(),
    flatten(), linear(500) as Layer<Params>, relu(), linear(opts?.classes ?? 10) as Layer<Params>,
  );
}

/**
 * VGG-small as in the ALQ reference code (CIFAR-10, input `[N, 3, 32, 32]`): six 3×3 convs
 * (128, 128, 256, 256, 512, 512; pad 1, bias) with BN and ReLU, max-pool after every second
 * conv (BN after the pool), then fc 1024 + BN + ReLU, fc 1024 + BN + ReLU, fc classes.
 * `width` scales the channel counts (1 = the paper's network).
 * @example
 * ```ts
 * const small = nn.vggSmall({ width: 0.25 });
 * ```
 */
export function vggSmall(opts?: { classes?: number | undefined; width?: number | undefined }): Layer<Params[]> {
  const s = opts?.width ?? 1;
  const ch = (c: number) => Math.max(1, Math.round(c * s));
  const block = (c: number, pool: boolean): Layer<Params>[] => pool
    ? [conv2d(ch(c), 3, { padding: 1 }) as Layer<Params>, maxPool2d(2), batchNorm2d() as Layer<Params>, relu()]
    : [conv2d(ch(c), 3, { padding: 1 }) as Layer<Params>, batchNorm2d() as Layer<Params>, relu()];
  return sequential(
    ...block(128, false), ...block(128, true), ...block(256, false), ...block(256, true),
    ...block(512, false), ...block(512, true), flatten(),
    linear(ch(1024)) as Layer<Params>, batchNorm1d() as Layer<Params>, relu(),
    linear(ch(1024)) as Layer<Params>, batchNorm1d() as Layer<Params>, relu(),
    linear(opts?.classes ?? 10) as Layer<Params>,
  );
}

/**
 * The 4-conv few-shot backbone (MAML, p-Meta): 4 × [conv 3×3 (pad 1), BN, ReLU, max-pool 2],
 * flatten, linear head.
 * @example
 * ```ts
 * const net = nn.conv4({ classes: 5, channels: 32 });
 * net.init(key(0), [3, 84, 84]);
 * ```
 */
export function conv4(opts: { classes: number; channels?: number | undefined }): Layer<Params[]> {
  if (opts === null || typeof opts !== 'object') throw new NumError('INVALID_ARGUMENT', 'nn.conv4', 'opts with classes are required', '{classes, channels?}', describe(opts));
  const c = opts.channels ?? 64;
  const block = (): Layer<Params>[] => [conv2d(c, 3, { padding: 1 }) as Layer<Params>, batchNorm2d() as Layer<Params>, relu(), maxPool2d(2)];
  return sequential(...block(), ...block(), ...block(), ...block(), flatten(), linear(opts.classes) as Layer<Params>);
}
