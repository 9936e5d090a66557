/**
 * The one timing rule of every benchmark, in Node and in the web bench's browser page alike (no Node imports): the
 * median of timed calls after untimed warm-up calls.
 */

/** Median of `xs` (the upper one of an even count). @example `median([3, 1, 2]); // 2` */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Median seconds of `fn` over `n` calls after `warmup` untimed calls; `after` runs (untimed) after each timed call.
 *
 * @example
 * ```ts
 * const s = await timeMedian(() => contender.kdStep(true), { warmup: 3, n: 10 });
 * ```
 */
export async function timeMedian(fn: () => unknown, o: { warmup: number; n: number; after?: () => void }): Promise<number> {
  for (let i = 0; i < o.warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < o.n; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
    o.after?.();
  }
  return median(times);
}
