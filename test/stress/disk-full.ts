/**
 * Disk full and read-only output on real filesystems (needs root to mount; otherwise it reports "not run"): a
 * checkpoint saved into a 200 KiB tmpfs, then a bigger one over it that cannot fit (ENOSPC), then a save after the
 * tmpfs is remounted read-only (EROFS). Each failure must be one IO_ERROR, and the first checkpoint must still load
 * with its exact weights.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { useBackend } from '../../src/backend/use-backend.js';
import { TfdistillError } from '../../src/errors.js';
import { loadModel } from '../../src/io/load-model.js';
import { saveModel } from '../../src/io/save-model.js';
import { tinyEncoder } from '../integration/tiny-task.js';

/** One scenario's outcome. */
export interface DiskCase {
  scenario: string;
  error: string;
  previousIntact: boolean;
}

/**
 * Runs the scenarios; returns undefined when tmpfs cannot be mounted (not root).
 *
 * @example
 * ```ts
 * const cases = await diskFull(); // [{ scenario: 'disk full', error: 'IO_ERROR', previousIntact: true }, ...]
 * ```
 */
export async function diskFull(): Promise<DiskCase[] | undefined> {
  await useBackend('wasm');
  const mnt = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    await rm(mnt, { recursive: true, force: true });
    return undefined;
  }
  const small = tinyEncoder({ seed: 1 }); // ~30 KB of weights: fits
  const big = tinyEncoder({ seed: 2, dModel: 64, ffnDim: 256 }); // ~300 KB: does not fit
  const dir = path.join(mnt, 'ckpt');
  const out: DiskCase[] = [];
  try {
    await mkdir(mnt, { recursive: true });
    await saveModel(small, dir);
    const before = small.getWeights().map((w) => Array.from(w.dataSync()));
    const intact = async () => {
      const { model } = await loadModel(dir);
      const same = model.getWeights().every((w, i) => Array.from(w.dataSync()).every((x, j) => x === before[i][j]));
      model.dispose();
      return same;
    };
    const attempt = async (scenario: string, model = big) => {
      const e = await saveModel(model, dir).then(
        () => undefined,
        (err: unknown) => err,
      );
      out.push({
        scenario,
        error: e instanceof TfdistillError ? `${e.code}: ${e.message.slice(0, 120)}` : `NOT A TfdistillError: ${String(e)}`,
        previousIntact: await intact(),
      });
    };
    await attempt('disk full (200 KiB tmpfs, ENOSPC)');
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    await attempt('read-only filesystem (EROFS)', small);
  } finally {
    small.dispose();
    big.dispose();
    execFileSync('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await diskFull(), null, 1));
