/**
 * A small progress bar for terminal output: redraws one line on a TTY, prints a line every
 * `every` fraction of the way otherwise (CI logs stay short and readable).
 */
import type { RunEvent } from '../train/events.js';

/** Options of {@link progressBar}. */
export interface ProgressOptions {
  /** Label before the bar. */
  label: string;
  /** Total number of units (samples, steps). */
  total: number;
  /** Unit name for the rate, e.g. "samples". Default "it". */
  unit?: string;
  /** Output stream; default process.stdout. */
  stream?: NodeJS.WriteStream;
  /** Non-TTY output: print every this fraction of the total. Default 0.25. */
  every?: number;
}

/** A running progress bar. */
export interface ProgressBar {
  /** Advances by `n` units and updates the shown metrics. */
  tick(n: number, metrics?: Record<string, string | number>): void;
  /** Draws the final state and ends the line. */
  done(metrics?: Record<string, string | number>): void;
}

function fmt(metrics: Record<string, string | number> | undefined): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4)) : v}`)
    .join('  ');
}

/**
 * Creates a progress bar.
 * @example
 * ```ts
 * const bar = progressBar({ label: 'epoch 1', total: 8000, unit: 'samples' });
 * bar.tick(64, { loss: 0.31 });
 * bar.done({ acc: '98.1%' });
 * ```
 */
export function progressBar(opts: ProgressOptions): ProgressBar {
  const stream = opts.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const unit = opts.unit ?? 'it';
  const every = Math.max(1, Math.floor(opts.total * (opts.every ?? 0.25)));
  const start = performance.now();
  let done = 0;
  let nextPrint = every;
  let last: Record<string, string | number> | undefined;
  const line = (extra?: Record<string, string | number>): string => {
    const frac = opts.total > 0 ? Math.min(1, done / opts.total) : 1;
    const width = 24;
    const full = Math.round(frac * width);
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const m = fmt({ ...last, ...extra });
    return `${opts.label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${rate.toFixed(0)} ${unit}/s  ${secs.toFixed(1)}s${m ? '  ' + m : ''}`;
  };
  return {
    tick(n, metrics) {
      done += n;
      if (metrics) last = { ...last, ...metrics };
      if (tty) stream.write(`\r${line()}\x1b[K`);
      else if (done >= nextPrint && done < opts.total) {
        stream.write(`${line()}\n`);
        nextPrint += every;
      }
    },
    done(metrics) {
      stream.write(`${tty ? '\r' : ''}${line(metrics)}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}

/**
 * A `RunEvent` sink that draws one progress bar per epoch of a `fit` run: `'step'` events move
 * the bar, an `'epoch'` event closes it with the epoch's loss and any `accuracy` metric.
 *
 * @example
 * ```ts
 * const model = nn.sequential(nn.linear(3));
 * const init = model.init(key(0), [4]);
 * const st = initTrain(init.params, init.state, adam(1e-3));
 * const train = { x: normal(key(1), [32, 4]), y: randint(key(2), [32], 0, 3) };
 * fit(st, { optimizer: adam(1e-3), model, train, batchSize: 16, epochs: 1, key: key(3), onEvent: epochProgress('MLP', 1) });
 * ```
 */
export function epochProgress(label: string, epochs: number, stream?: ProgressOptions['stream']): (e: RunEvent) => void {
  let bar: ProgressBar | undefined;
  let seen = 0;
  return (e) => {
    if (e.kind === 'step') {
      bar ??= progressBar({ label: `${label === '' ? '' : `${label} `}epoch ${e.epoch + 1}/${epochs}`, total: e.metrics['epochSamples']!, unit: 'samples', ...(stream === undefined ? {} : { stream }) });
      bar.tick(e.metrics['samples']! - seen, { loss: e.metrics['trainLoss']! });
      seen = e.metrics['samples']!;
    } else if (e.kind === 'epoch') {
      const acc = e.metrics['accuracy'];
      bar?.done({ loss: e.metrics['trainLoss']!, ...(acc === undefined ? {} : { 'test acc': `${(100 * acc).toFixed(2)}%` }) });
      bar = undefined;
      seen = 0;
    }
  };
}
