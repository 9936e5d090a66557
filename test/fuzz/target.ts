/** The shape every fuzz target has: how to build one input and how to feed it to the parser under test. */
import type { FuzzOptions } from './harness.js';

/**
 * A parser under fuzz, ready to spread into `runFuzz({ name, seed, count, ...target })`.
 *
 * @example
 * ```ts
 * const target: FuzzTarget<string> = { generate: (rng) => String(rng.next()), run: async (s) => JSON.parse(s) };
 * ```
 */
export type FuzzTarget<T> = Pick<FuzzOptions<T>, 'generate' | 'run'> & { timeoutMs?: number };
