/**
 * The one error class tfdistill throws for anything a user can fix: bad input data, bad options,
 * a missing backend, a refused checkpoint. Each carries a stable `code` so scripts can branch on it,
 * and the CLI prints `message` (plus `hint`) without a stack trace.
 *
 * @example
 * ```ts
 * try { await loadModel('student/'); }
 * catch (e) { if (e instanceof TfdistillError && e.code === 'CHECKPOINT_INVALID') console.error(e.message); }
 * ```
 */
export class TfdistillError extends Error {
  override readonly name = 'TfdistillError';
  constructor(
    /** Stable machine-readable code, e.g. `BACKEND_UNAVAILABLE`. */
    readonly code: TfdistillErrorCode,
    message: string,
    /** Optional one-line suggestion shown after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Every error code tfdistill uses; documented in the README's "Errors" section. */
export type TfdistillErrorCode =
  | 'BACKEND_UNAVAILABLE'
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'CHECKPOINT_INVALID'
  | 'CHECKPOINT_NOT_FOUND'
  | 'CHECKPOINT_TOO_LARGE'
  | 'IO_ERROR'
  | 'DATA_INVALID'
  | 'TOKENIZER_INVALID'
  | 'CACHE_MISMATCH'
  | 'NON_FINITE'
  | 'OUTPUT_EXISTS'
  | 'INTERRUPTED'
  | 'REPLICA_FAILED'
  | 'OUT_OF_MEMORY';

/** Throws `TfdistillError('INVALID_ARGUMENT')` unless `condition` holds. */
export function require_(condition: unknown, message: string, hint?: string): asserts condition {
  if (!condition) throw new TfdistillError('INVALID_ARGUMENT', message, hint);
}
