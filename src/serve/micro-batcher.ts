/**
 * Dynamic micro-batching: callers submit one item each and get one result back, while the batcher groups items
 * that arrive close together into one call of `run`. A batch runs as soon as it is full (`maxBatchSize`) or when
 * its oldest item has waited `maxWaitMs`; one batch runs at a time (inference is CPU bound, two would only
 * compete), and items that arrive meanwhile form the next batch.
 */
import { require_, TfdistillError } from '../errors.js';

/**
 * Options for {@link MicroBatcher}.
 */
export interface MicroBatcherOptions {
  /** Largest batch handed to `run`. */
  maxBatchSize: number;
  /** Longest an item waits for companions before its batch runs anyway (0 = only same-tick callers are grouped). */
  maxWaitMs: number;
}

/**
 * Counters since creation.
 *
 * @example
 * ```ts
 * const { items, batches } = batcher.stats(); // mean batch size = items / batches
 * ```
 */
export interface MicroBatcherStats {
  items: number;
  batches: number;
}

interface Pending<I, O> {
  item: I;
  enqueuedAt: number;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Groups concurrent `submit` calls into batches for `run`, which must return one output per input, in order.
 * When `run` throws, every item of that batch is rejected with the error; other batches are unaffected.
 *
 * @example
 * ```ts
 * const batcher = new MicroBatcher(async (xs: number[]) => xs.map((x) => x * 2), { maxBatchSize: 8, maxWaitMs: 2 });
 * const [a, b] = await Promise.all([batcher.submit(1), batcher.submit(2)]); // one run([1, 2]) call
 * ```
 */
export class MicroBatcher<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private busy = false;
  private closed = false;
  private readonly counters: MicroBatcherStats = { items: 0, batches: 0 };
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
  ) {
    require_(
      Number.isInteger(options.maxBatchSize) && options.maxBatchSize >= 1,
      `maxBatchSize must be an integer >= 1, got ${options.maxBatchSize}`,
    );
    require_(Number.isFinite(options.maxWaitMs) && options.maxWaitMs >= 0, `maxWaitMs must be >= 0, got ${options.maxWaitMs}`);
  }

  /** Queues one item; resolves with its output once its batch has run. */
  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new TfdistillError('INVALID_ARGUMENT', 'the predictor is closed'));
    return new Promise<O>((resolve, reject) => {
      if (this.queue.length === 0 && !this.busy)
        this.idle = new Promise((r) => {
          this.markIdle = r;
        });
      this.queue.push({ item, enqueuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Items and batches run so far. */
  stats(): MicroBatcherStats {
    return { ...this.counters };
  }

  /** Refuses new items and resolves once every queued item has been answered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0 && !this.busy) void this.flush();
    await this.idle;
  }

  private schedule(): void {
    if (this.busy || this.queue.length === 0) return;
    const waited = performance.now() - this.queue[0].enqueuedAt;
    if (this.queue.length >= this.options.maxBatchSize || this.closed) {
      void this.flush();
    } else if (this.timer === undefined) {
      // Even an expired wait goes through a timer, so callers of the same tick still share a batch.
      const remaining = Math.max(0, this.options.maxWaitMs - waited);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, remaining);
    }
  }

  private async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.counters.items += batch.length;
    this.counters.batches++;
    try {
      const outs = await this.run(batch.map((p) => p.item));
      if (outs.length !== batch.length) throw new Error(`micro-batch run returned ${outs.length} results for ${batch.length} items`);
      batch.forEach((p, i) => {
        p.resolve(outs[i]);
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.busy = false;
    }
    if (this.queue.length === 0) this.markIdle();
    else this.schedule();
  }
}
