/**
 * Where warnings go; `console.warn` by default, a spy in tests.
 *
 * @example
 * ```ts
 * const warn: WarnFn = (m) => logger.info(m);
 * ```
 */
export type WarnFn = (message: string) => void;

const warned = new WeakMap<WarnFn, Set<string>>();

/**
 * Sends `message` to `warn` the first time this (sink, key) pair is seen in this process, so a
 * training loop calling a loss 10,000 times prints a misconfiguration once.
 *
 * @returns true when the message was sent now
 * @example
 * ```ts
 * warnOnce('no-labels', 'no labels: pure soft-target distillation', console.warn);
 * ```
 */
export function warnOnce(key: string, message: string, warn: WarnFn = defaultWarn): boolean {
  let keys = warned.get(warn);
  if (keys === undefined) {
    keys = new Set();
    warned.set(warn, keys);
  }
  if (keys.has(key)) return false;
  keys.add(key);
  warn(message);
  return true;
}

// A stable function identity, so "once per process" holds for the default sink.
const defaultWarn: WarnFn = (message) => console.warn(`tfdistill: ${message}`);
