/**
 * What {@link StopSignal} listens on: `process`, or an EventEmitter in tests.
 *
 * @example
 * ```ts
 * const source: SignalSource = new EventEmitter(); // tests emit 'SIGINT' on it
 * ```
 */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: () => void): unknown;
  removeListener(event: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Options of {@link StopSignal}.
 *
 * @example
 * ```ts
 * const stop = new StopSignal({ signals: ['SIGINT'], exit: (code) => process.exit(code) });
 * ```
 */
export interface StopSignalOptions {
  /** Signals that ask for a graceful stop. Default `['SIGINT', 'SIGTERM']`. */
  signals?: NodeJS.Signals[];
  /** Where signals come from. Default `process`. */
  source?: SignalSource;
  /** Where the "stopping..." notice goes. Default `process.stderr`. */
  stream?: { write(chunk: string): unknown };
  /** Called on a second signal to quit at once. Default `process.exit`. */
  exit?: (code: number) => void;
}

// Shell convention: a process killed by signal N exits with 128 + N.
const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Graceful stop for long runs. The first Ctrl-C (or SIGTERM, or `request()`) only records the
 * request: the loop checks `requested` after each step, writes a checkpoint and returns, printing
 * `resumeMessage`. A second signal quits immediately (no checkpoint), for when saving hangs.
 * `dispose()` removes the listeners, so Node's default Ctrl-C behaviour comes back after training.
 *
 * @example
 * ```ts
 * const stop = new StopSignal();
 * try {
 *   for (let step = start; step < total && !stop.requested; step++) await runStep(step);
 *   if (stop.requested) { await saveCheckpoint(); console.error(resumeMessage({ step, checkpointDir })); }
 * } finally {
 *   stop.dispose();
 * }
 * ```
 */
export class StopSignal {
  private why?: string;
  private readonly controller = new AbortController();
  private readonly source: SignalSource;
  private readonly stream: { write(chunk: string): unknown };
  private readonly exit: (code: number) => void;
  private readonly listeners: Array<[NodeJS.Signals, () => void]>;

  constructor(options: StopSignalOptions = {}) {
    this.source = options.source ?? process;
    this.stream = options.stream ?? process.stderr;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.listeners = (options.signals ?? ['SIGINT', 'SIGTERM']).map((sig) => [sig, () => this.onSignal(sig)]);
    for (const [sig, fn] of this.listeners) this.source.on(sig, fn);
  }

  /** True once a stop was asked for. @example `if (stop.requested) break;` */
  get requested(): boolean {
    return this.why !== undefined;
  }

  /** What asked for the stop (`'SIGINT'`, `'SIGTERM'` or the `request` reason). @example `log(stop.reason)` */
  get reason(): string | undefined {
    return this.why;
  }

  /** Aborted on the stop request, for cancelable waits (`fetch`, timers). @example `await sleep(1000, { signal: stop.signal })` */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Asks for a graceful stop from code (a time budget, a callback, a test). Idempotent.
   *
   * @example
   * ```ts
   * if (Date.now() > deadline) stop.request('time budget reached');
   * ```
   */
  request(reason = 'requested'): void {
    if (this.why !== undefined) return;
    this.why = reason;
    this.controller.abort(reason);
  }

  /** Removes the signal listeners (call in `finally`). @example `stop.dispose()` */
  dispose(): void {
    for (const [sig, fn] of this.listeners) this.source.removeListener(sig, fn);
    this.listeners.length = 0;
  }

  private onSignal(sig: NodeJS.Signals): void {
    if (this.requested) {
      this.stream.write(`\n${sig} again: quitting now without a checkpoint.\n`);
      this.exit(EXIT_CODES[sig] ?? 1);
      return;
    }
    this.stream.write(
      `\n${sig}: stopping after the current step and writing a checkpoint (${sig === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to quit now).\n`,
    );
    this.request(sig);
  }
}

/**
 * The message printed after a graceful stop, telling the user how to continue.
 *
 * @example
 * ```ts
 * console.error(resumeMessage({ step: 1200, checkpointDir: 'out/checkpoint-1200' }));
 * // Stopped at step 1200; checkpoint saved in out/checkpoint-1200.
 * // Resume with: tfdistill distill --resume out/checkpoint-1200
 * ```
 */
export function resumeMessage(options: { step: number; checkpointDir: string; command?: string }): string {
  const command = options.command ?? `tfdistill distill --resume ${options.checkpointDir}`;
  return `Stopped at step ${options.step}; checkpoint saved in ${options.checkpointDir}.\nResume with: ${command}`;
}
