import { require_ } from '../errors.js';

/**
 * Where progress goes: `process.stderr`, or anything with `write` (tests pass a collector).
 *
 * @example
 * ```ts
 * const stream: ProgressStream = process.stderr;
 * ```
 */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal: draw a live bar instead of log lines. */
  isTTY?: boolean;
}

/**
 * Options of {@link ProgressReporter}.
 */
export interface ProgressOptions {
  /** Output stream, e.g. `process.stderr`. */
  stream: ProgressStream;
  /** Optimizer updates in the whole run (for the bar and the ETA). */
  totalSteps: number;
  /** Epochs in the run, shown as `epoch e/E` when given. */
  totalEpochs?: number;
  /** Draw a one-line bar (default: `stream.isTTY`); otherwise print plain lines. */
  tty?: boolean;
  /** Plain mode: print a line every this many steps (and at the last step). Default 50. */
  logEvery?: number;
  /** Bar mode: redraw at most once per this many milliseconds (default 100, i.e. 10 per second). */
  minRedrawMs?: number;
  /** Clock in milliseconds; inject a fake one in tests. Default `performance.now()`. */
  now?: () => number;
}

/**
 * One step's numbers for {@link ProgressReporter.update}.
 */
export interface ProgressUpdate {
  /** 1-based epoch. */
  epoch: number;
  /** Updates done so far (1 after the first), counted over the whole run, including before a resume. */
  step: number;
  /** Samples processed by this step (its batch size); summed for samples/s. */
  samples: number;
  /** Latest known loss; omit on steps where it was not read from the device. */
  loss?: number;
  /** Learning rate used by this step. */
  lr?: number;
}

/**
 * Training progress for humans: on a terminal a single redrawn line
 * `epoch 1/3 step 120/1000 [====>      ] 12% loss 0.4312 lr 4.50e-4 230 samples/s ETA 3m12s`
 * (rewritten with `\r` at most ~10 times per second), otherwise the same text as a plain line every
 * `logEvery` steps, so CI logs and files stay readable. Rates and ETA count only this session
 * (a resumed run does not pretend it did the earlier steps instantly).
 *
 * @example
 * ```ts
 * const progress = new ProgressReporter({ stream: process.stderr, totalSteps: 1000, totalEpochs: 3 });
 * progress.update({ epoch: 1, step: 1, samples: 32, loss: 0.93, lr: 1e-5 });
 * progress.log('eval: accuracy 0.91');
 * progress.finish();
 * ```
 */
export class ProgressReporter {
  private readonly stream: ProgressStream;
  private readonly totalSteps: number;
  private readonly totalEpochs?: number;
  private readonly tty: boolean;
  private readonly logEvery: number;
  private readonly minRedrawMs: number;
  private readonly now: () => number;
  private startTime?: number;
  private startStep = 0;
  private samples = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastLine = '';
  private lastLoss?: number;
  private drawn = false;

  constructor(options: ProgressOptions) {
    require_(
      Number.isInteger(options.totalSteps) && options.totalSteps >= 1,
      `ProgressReporter: totalSteps must be an integer >= 1, got ${options.totalSteps}`,
    );
    this.stream = options.stream;
    this.totalSteps = options.totalSteps;
    this.totalEpochs = options.totalEpochs;
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.logEvery = options.logEvery ?? 50;
    this.minRedrawMs = options.minRedrawMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    require_(
      Number.isInteger(this.logEvery) && this.logEvery >= 1,
      `ProgressReporter: logEvery must be an integer >= 1, got ${this.logEvery}`,
    );
  }

  /**
   * Records a finished step and redraws or logs if it is time to.
   *
   * @example
   * ```ts
   * progress.update({ epoch, step, samples: batch.size, loss: maybeLoss, lr: optimizer.getLearningRate() });
   * ```
   */
  update(u: ProgressUpdate): void {
    const t = this.now();
    if (this.startTime === undefined) {
      // The first update of a session marks the clock start; its own step counts as already done.
      this.startTime = t;
      this.startStep = u.step - 1;
    } else {
      this.samples += u.samples;
    }
    if (u.loss !== undefined) this.lastLoss = u.loss;
    const line = this.format(u, t);
    this.lastLine = line;
    const last = u.step >= this.totalSteps;
    if (this.tty) {
      if (last || t - this.lastDraw >= this.minRedrawMs) {
        this.stream.write(`\r${line}\x1b[K`);
        this.lastDraw = t;
        this.drawn = true;
      }
    } else if (u.step % this.logEvery === 0 || last) {
      this.stream.write(`${line}\n`);
    }
  }

  /**
   * Prints a message on its own line without breaking the bar (evaluation results, checkpoints).
   *
   * @example
   * ```ts
   * progress.log(`step ${step}: eval accuracy ${acc.toFixed(4)}`);
   * ```
   */
  log(message: string): void {
    if (this.tty && this.drawn) {
      this.stream.write(`\r\x1b[K${message}\n${this.lastLine}\x1b[K`);
    } else {
      this.stream.write(`${message}\n`);
    }
  }

  /** Ends the bar line (bar mode); call once when training stops. @example `progress.finish()` */
  finish(): void {
    if (this.tty && this.drawn) {
      this.stream.write(`\r${this.lastLine}\x1b[K\n`);
      this.drawn = false;
    }
  }

  private format(u: ProgressUpdate, t: number): string {
    const parts: string[] = [];
    parts.push(this.totalEpochs ? `epoch ${u.epoch}/${this.totalEpochs}` : `epoch ${u.epoch}`);
    const fraction = Math.min(1, u.step / this.totalSteps);
    const width = 20;
    const filled = Math.round(fraction * width);
    const bar = this.tty ? ` [${'='.repeat(filled)}${' '.repeat(width - filled)}]` : '';
    parts.push(`step ${u.step}/${this.totalSteps}${bar} ${Math.floor(fraction * 100)}%`);
    if (this.lastLoss !== undefined) parts.push(`loss ${this.lastLoss.toFixed(4)}`);
    if (u.lr !== undefined) parts.push(`lr ${u.lr.toExponential(2)}`);
    const seconds = (t - (this.startTime ?? t)) / 1000;
    const done = u.step - this.startStep;
    if (seconds > 0 && done > 1) {
      parts.push(`${formatRate(this.samples / seconds)} samples/s`);
      // Steps after the first over the time since the first: the first step's own time is unknown.
      const perStep = seconds / (done - 1);
      parts.push(`ETA ${formatDuration(perStep * Math.max(0, this.totalSteps - u.step))}`);
    }
    return parts.join(' ');
  }
}

/**
 * `3725` seconds -> `1h02m`, `192` -> `3m12s`, `9.4` -> `9s`.
 *
 * @example
 * ```ts
 * formatDuration(192); // '3m12s'
 * ```
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}
