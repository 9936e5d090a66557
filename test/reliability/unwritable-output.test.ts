/**
 * Disk full and unwritable output directories: saving fails with one clear `IO_ERROR` and the previous checkpoint
 * stays intact and loadable. Here the OS errors (ENOSPC, EROFS) are injected at the file-write call, so the test runs
 * anywhere without root; `test/stress/disk-full.ts` repeats it on a real 200 KiB tmpfs and a read-only remount.
 */
import type * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/use-backend.js';
import { TfdistillError } from '../../src/errors.js';
import { loadModel } from '../../src/io/load-model.js';
import { saveModel } from '../../src/io/save-model.js';
import { expectNoLeaks, maxAbsDiff } from '../helpers.js';
import { makeTinyCheckpoint } from '../tiny-checkpoint.js';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = await mkdtemp(path.join(os.tmpdir(), 'tfdistill-unwritable-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Saves a first checkpoint with seed 1; returns its weights and a second, different model to save over it. */
async function previousCheckpoint(dir: string): Promise<{ before: Float32Array[]; next: tf.LayersModel }> {
  const first = await makeTinyCheckpoint(dir, { seed: 1 });
  const before = first.model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  first.model.dispose();
  const second = await makeTinyCheckpoint(path.join(dir, '..', `${path.basename(dir)}-second`), { seed: 2 });
  return { before, next: second.model };
}

async function expectIntact(dir: string, before: Float32Array[]): Promise<void> {
  const { model } = await loadModel(dir);
  const after = model.getWeights().map((w) => w.dataSync());
  model.dispose();
  expect(after.length).toBe(before.length);
  after.forEach((w, i) => {
    expect(maxAbsDiff(w, before[i])).toBe(0);
  });
}

/** Makes every file write of the next save fail with `code`, as the OS would on a full disk or a read-only mount. */
async function failingWrites<T>(code: 'ENOSPC' | 'EROFS', work: () => Promise<T>): Promise<T> {
  // FileHandle is not exported by node:fs/promises; take its prototype from a handle. Every file of a checkpoint is
  // written through FileHandle.writeFile (src/io/atomic-dir.ts), so this is exactly where the OS error would surface.
  const handle = await open(path.join(root, 'probe'), 'w');
  const proto = Object.getPrototypeOf(handle) as { writeFile: (...args: unknown[]) => Promise<void> };
  await handle.close();
  const original = proto.writeFile;
  proto.writeFile = async () => {
    throw Object.assign(new Error(`${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'read-only file system'}, write`), { code });
  };
  try {
    return await work();
  } finally {
    proto.writeFile = original;
  }
}

describe('unwritable output (simulated; test/stress/disk-full.ts does it on a real 200 KiB tmpfs and a read-only mount)', () => {
  it.each([
    ['disk full', 'ENOSPC', /no space left on device/],
    ['read-only filesystem', 'EROFS', /read-only file system/],
  ] as const)('%s is one IO_ERROR, and the previous checkpoint is intact', async (_name, code, reason) => {
    const dir = path.join(root, code, 'ckpt');
    await mkdir(path.dirname(dir), { recursive: true });
    const { before, next } = await previousCheckpoint(dir);
    await expectNoLeaks(async () => {
      const error = await failingWrites(code, () =>
        saveModel(next, dir, { meta: { labels: ['ham', 'spam'] } }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error).toBeInstanceOf(TfdistillError);
      expect((error as TfdistillError).code).toBe('IO_ERROR');
      expect((error as TfdistillError).message).toMatch(/writing the checkpoint failed/);
      expect((error as TfdistillError).message).toMatch(reason);
      await expectIntact(dir, before);
      // No half-written temp directory is left beside it.
      expect((await readdir(path.dirname(dir))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    });
    next.dispose();
  });
});
