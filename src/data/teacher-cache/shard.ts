/**
 * Sharding the teacher pass across machines: shard i of n (0-based) covers rows [floor(i*N/n), floor((i+1)*N/n)),
 * so n shards tile the dataset exactly; `mergeTeacherCaches` joins their files.
 */
import { TfdistillError } from '../../errors.js';

/**
 * Shard `index` of `count`, 0-based.
 */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The rows [start, end) of `shard` in a dataset of `totalRows` rows.
 *
 * @example
 * ```ts
 * shardRows({ index: 1, count: 4 }, 10); // { start: 2, end: 5 }
 * ```
 */
export function shardRows(shard: Shard, totalRows: number): { start: number; end: number } {
  checkShard(shard);
  return { start: Math.floor((shard.index * totalRows) / shard.count), end: Math.floor(((shard.index + 1) * totalRows) / shard.count) };
}

function checkShard({ index, count }: Shard): void {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new TfdistillError('INVALID_ARGUMENT', `invalid shard ${index}/${count}: need integers 0 <= index < count`);
  }
}

const parseIntStrict = (s: string): number => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN);

/**
 * The shard from a Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` (set by Kubernetes for each pod) and
 * `JOB_COMPLETIONS` (set it in the pod's env to the Job's `spec.completions`; Kubernetes does not). Undefined when
 * neither is set; throws `INVALID_ARGUMENT` when only one is, or when they are not a valid 0-based shard.
 *
 * @example
 * ```ts
 * shardFromEnv({ JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '8' }); // { index: 2, count: 8 }
 * ```
 */
export function shardFromEnv(env: Record<string, string | undefined>): Shard | undefined {
  const index = env.JOB_COMPLETION_INDEX;
  const count = env.JOB_COMPLETIONS;
  if (index === undefined && count === undefined) return undefined;
  if (index === undefined || count === undefined) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `JOB_COMPLETION_INDEX=${index ?? '(unset)'} but JOB_COMPLETIONS=${count ?? '(unset)'}: both are needed to shard`,
      'add `env: [{ name: JOB_COMPLETIONS, value: "<spec.completions>" }]` to the Job\'s pod template',
    );
  }
  const shard = { index: parseIntStrict(index), count: parseIntStrict(count) };
  checkShard(shard);
  return shard;
}

/**
 * Parses `--shard i/n` (0-based i). Without a flag, falls back to {@link shardFromEnv} (by default on
 * `process.env`); returns undefined when neither gives a shard (an unsharded run).
 *
 * @example
 * ```ts
 * parseShard('1/4'); // { index: 1, count: 4 }: rows [N/4, N/2)
 * parseShard(undefined, { JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '3' }); // { index: 0, count: 3 }
 * ```
 */
export function parseShard(flag: string | undefined, env: Record<string, string | undefined> = defaultEnv()): Shard | undefined {
  if (flag === undefined || flag === '') return shardFromEnv(env);
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flag);
  if (!match) {
    throw new TfdistillError('INVALID_ARGUMENT', `invalid shard "${flag}": expected "i/n" with 0-based i, e.g. "0/4"`);
  }
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  checkShard(shard);
  return shard;
}

/** `process.env` in Node; empty in the browser. */
function defaultEnv(): Record<string, string | undefined> {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return g.process?.env ?? {};
}
