/**
 * A tiny seeded fuzz runner shared by the fuzz tests (a few hundred cases in `npm test`) and the stress script
 * (>= 10,000 per parser). Every case gets its own generator seeded from (run seed, case number), so one case id like
 * `csv#7:4211` regenerates exactly that input without replaying the ones before it.
 *
 * A case passes when it ends in success or in ONE `TfdistillError` with a `code` (or an `AcceptedOutcome`, e.g. a CLI
 * exit code 1 or 2). It fails on any other exception type, on a hang (per-case timeout) and on an unhandled
 * rejection raised while it ran.
 */
import { TfdistillError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Thrown by a target's `run` for an answer that is accepted without being a `TfdistillError`, e.g. the CLI exiting
 * 1 (a user error) or 2 (bad arguments); the summary counts it under `code`, like a TfdistillError's code.
 *
 * @example
 * ```ts
 * if (exitCode === 2) throw new AcceptedOutcome('exit 2');
 * ```
 */
export class AcceptedOutcome extends Error {
  constructor(
    readonly code: string,
    message = code,
  ) {
    super(message);
  }
}

/** What one case did. */
export type CaseOutcome = { kind: 'ok' } | { kind: 'error'; code: string } | { kind: 'failure'; reason: string };

/** Options for {@link runFuzz}. */
export interface FuzzOptions<T> {
  /** Parser name, the first part of every case id. */
  name: string;
  seed: number;
  count: number;
  /** Builds the input of one case from its own generator. */
  generate: (rng: Rng, caseNo: number) => T | Promise<T>;
  /** Feeds the input to the parser; resolve = success, throw = error (classified). */
  run: (input: T, caseNo: number) => Promise<unknown>;
  /** A case that takes longer is a hang. Default 10 s. */
  timeoutMs?: number;
  /** Called after each case (e.g. progress in the stress script). */
  onCase?: (caseNo: number, outcome: CaseOutcome) => void;
  /** Only run these case numbers (reproducing a failure). */
  only?: number[];
}

/** Counts per outcome, error codes seen, and the failing case ids with their reasons. */
export interface FuzzSummary {
  name: string;
  cases: number;
  ok: number;
  errors: Record<string, number>;
  failures: Array<{ id: string; reason: string }>;
  seconds: number;
}

/**
 * The generator of case `caseNo` of a run seeded with `seed` (independent of every other case).
 *
 * @example
 * ```ts
 * const rng = caseRng(7, 4211); // the input of case csv#7:4211
 * ```
 */
export function caseRng(seed: number, caseNo: number): Rng {
  // Mix both numbers (murmur3 finalizer) so neighbouring cases do not get correlated streams.
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(caseNo + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return new Rng(h >>> 0);
}

/**
 * Runs `count` seeded cases one after another and classifies each.
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'tok', seed: 1, count: 300, generate: genDoc, run: async (d) => tokenizerFromJson(d) });
 * expect(s.failures).toEqual([]);
 * ```
 */
export async function runFuzz<T>(opts: FuzzOptions<T>): Promise<FuzzSummary> {
  const summary: FuzzSummary = { name: opts.name, cases: 0, ok: 0, errors: {}, failures: [], seconds: 0 };
  const started = performance.now();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    const numbers = opts.only ?? Array.from({ length: opts.count }, (_, i) => i);
    for (const caseNo of numbers) {
      const id = `${opts.name}#${opts.seed}:${caseNo}`;
      const outcome = await runCase(opts, caseNo);
      // Give rejections that nobody awaited a chance to surface before blaming the next case.
      await new Promise((r) => setImmediate(r));
      const final: CaseOutcome =
        unhandled.length > 0 ? { kind: 'failure', reason: `unhandled rejection: ${describe(unhandled.splice(0)[0])}` } : outcome;
      summary.cases++;
      if (final.kind === 'ok') summary.ok++;
      else if (final.kind === 'error') summary.errors[final.code] = (summary.errors[final.code] ?? 0) + 1;
      else summary.failures.push({ id, reason: final.reason });
      opts.onCase?.(caseNo, final);
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

async function runCase<T>(opts: FuzzOptions<T>, caseNo: number): Promise<CaseOutcome> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CaseOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'failure', reason: `hang: no result after ${timeoutMs} ms` }), timeoutMs);
  });
  const attempt = (async (): Promise<CaseOutcome> => {
    try {
      const input = await opts.generate(caseRng(opts.seed, caseNo), caseNo);
      await opts.run(input, caseNo);
      return { kind: 'ok' };
    } catch (e) {
      return classify(e);
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A TfdistillError with a known code (or an {@link AcceptedOutcome}) is an accepted answer; anything else is a bug. */
function classify(e: unknown): CaseOutcome {
  if (e instanceof AcceptedOutcome) return { kind: 'error', code: e.code };
  if (e instanceof TfdistillError && typeof e.code === 'string' && e.code.length > 0 && e.message.length > 0) {
    return { kind: 'error', code: e.code };
  }
  return { kind: 'failure', reason: describe(e) };
}

function describe(e: unknown): string {
  if (e instanceof Error)
    return `${e.constructor.name}: ${e.message.slice(0, 300)}${e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}`;
  return String(e).slice(0, 300);
}

/**
 * One line per failure, with the case id to reproduce it (`only: [caseNo]`).
 *
 * @example
 * ```ts
 * expect(s.failures, formatFailures(s)).toEqual([]);
 * ```
 */
export function formatFailures(s: FuzzSummary): string {
  return s.failures
    .slice(0, 10)
    .map((f) => `${f.id}: ${f.reason}`)
    .join('\n');
}
