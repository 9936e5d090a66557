/**
 * The one check every writer runs before it writes: an output that exists (a file, or a folder that is not empty)
 * is refused unless the caller said `force`. `tfdistill <command> --force` passes it on.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';

/**
 * Refuses (`OUTPUT_EXISTS`) to write into an existing non-empty path unless `force` is set.
 *
 * @example
 * ```ts
 * await assertOutputFree('runs/student-int8', { force: false });
 * ```
 */
export async function assertOutputFree(out: string, opts: { force?: boolean }): Promise<void> {
  if (typeof out !== 'string' || out.length === 0) throw new TfdistillError('INVALID_ARGUMENT', 'out must be a path');
  if (opts.force) return;
  const info = await stat(out).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory() || (await readdir(out)).length > 0) {
    throw new TfdistillError('OUTPUT_EXISTS', `${path.resolve(out)} already exists`, 'choose another output or pass --force (force: true)');
  }
}
