/**
 * The last check before tfdistill deletes a directory it was told to replace (`distill({ checkpoints: { force: true } })`,
 * `tfdistill train --force`, the demo's output folder): never the filesystem root, the home directory, the working
 * directory or a directory that contains it. `--out .`, `--out ..`, `--out ""` or `--out ~` is a typo, not a request
 * to wipe a project.
 */
import os from 'node:os';
import path from 'node:path';
import { TfdistillError } from '../errors.js';

/**
 * Throws `OUTPUT_EXISTS` when deleting `dir` would delete the working directory (or one of its parents), the home
 * directory or the filesystem root.
 *
 * @example
 * ```ts
 * assertRemovable('runs/old');   // fine
 * assertRemovable('..');         // throws OUTPUT_EXISTS
 * ```
 */
export function assertRemovable(dir: string): void {
  const target = path.resolve(dir);
  const cwd = path.resolve(process.cwd());
  const why =
    target === path.parse(target).root
      ? 'is the filesystem root'
      : target === path.resolve(os.homedir())
        ? 'is the home directory'
        : cwd === target || cwd.startsWith(target.endsWith(path.sep) ? target : target + path.sep)
          ? 'is or contains the working directory'
          : undefined;
  if (why !== undefined) {
    throw new TfdistillError(
      'OUTPUT_EXISTS',
      `${target} ${why}; refusing to delete it to make room for the output`,
      'choose a new directory for the output (e.g. --out runs/new)',
    );
  }
}
