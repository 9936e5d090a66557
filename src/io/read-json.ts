import { open } from 'node:fs/promises';
import { TfdistillError } from '../errors.js';

/** JSON files in a checkpoint (model.json, tfdistill.json, optimizer/weights.json) are refused above this size. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Options for {@link readJsonObject}. */
export interface ReadJsonOptions {
  /** Refuse the file (CHECKPOINT_TOO_LARGE) when it is bigger than this; default {@link MAX_JSON_BYTES}. */
  maxBytes?: number;
}

/**
 * Reads and parses a JSON file that must hold a JSON object, checking its size before reading it so a
 * hostile or corrupt checkpoint cannot make us allocate gigabytes for a "small" metadata file.
 * A missing file is `CHECKPOINT_NOT_FOUND`, an oversize one `CHECKPOINT_TOO_LARGE`, anything that is
 * not a JSON object `CHECKPOINT_INVALID`; every message starts with the file's path.
 *
 * @example
 * ```ts
 * const modelJson = await readJsonObject('student/model.json');
 * ```
 */
export async function readJsonObject(file: string, opts: ReadJsonOptions = {}): Promise<Record<string, unknown>> {
  const maxBytes = opts.maxBytes ?? MAX_JSON_BYTES;
  const handle = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new TfdistillError('CHECKPOINT_NOT_FOUND', `${file}: file not found`);
    throw new TfdistillError('IO_ERROR', `${file}: cannot open (${e.code ?? e.message})`);
  });
  let text: string;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new TfdistillError('CHECKPOINT_INVALID', `${file}: not a regular file`);
    const size = info.size;
    if (size > maxBytes) {
      throw new TfdistillError('CHECKPOINT_TOO_LARGE', `${file}: JSON file is ${size} bytes, more than the ${maxBytes}-byte limit`);
    }
    // Read at most maxBytes + 1 so a file that grew after the stat is still caught.
    const buf = Buffer.alloc(size + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buf.length) {
        throw new TfdistillError('CHECKPOINT_INVALID', `${file}: file changed size while being read`);
      }
    }
    text = buf.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: malformed JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) {
    throw new TfdistillError('CHECKPOINT_INVALID', `${file}: expected a JSON object at the top level`);
  }
  return parsed;
}

/** True for `{...}` values (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short description of an untrusted JSON value for error messages. `JSON.stringify` recurses, so a value nested
 * 100,000 levels deep (a JSON bomb the iterative parser accepted) would overflow the stack inside a `throw`.
 *
 * @example
 * ```ts
 * preview([[[[1]]]]); // '[[[[1]]]]'
 * ```
 */
export function preview(value: unknown): string {
  const seen: unknown[] = [value];
  // Only small, shallow values are printed in full.
  for (let depth = 0; seen.length > 0; depth++) {
    if (depth > 8 || seen.length > 64) return Array.isArray(value) ? `(an array of ${value.length})` : '(a nested object)';
    const next: unknown[] = [];
    for (const v of seen) if (typeof v === 'object' && v !== null) next.push(...Object.values(v).slice(0, 65));
    seen.splice(0, seen.length, ...next);
  }
  return String(JSON.stringify(value)).slice(0, 120);
}
