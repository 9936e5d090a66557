/**
 * Atomic replacement of a whole directory, so a checkpoint is never seen half-written.
 *
 * rename(2) is atomic but cannot replace a non-empty directory, so a save is four steps:
 *
 *   1. write every file into `.<name>.tmp-<pid>-<rand>` beside the target, fsync each file and directory;
 *   2. if `<name>` exists, rename it to `.<name>.old-<pid>` and fsync the parent;
 *   3. rename the temp directory to `<name>` and fsync the parent;
 *   4. delete `.<name>.old-<pid>`.
 *
 * A crash during 1 leaves the old checkpoint untouched (plus a stray temp dir). A crash between 2 and 3
 * leaves no `<name>` but a complete `.<name>.old-*`: readers ({@link findReadableDir}) fall back to it
 * and the next writer ({@link recoverDir}) renames it back. After 3 `<name>` is the new complete
 * checkpoint and leftover `.old-*` / `.tmp-*` siblings are garbage the next writer deletes.
 * One writer per directory at a time (like git's index): two concurrent saves may fail, never mix.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TfdistillError } from '../errors.js';

/**
 * The points between save steps; tests throw from `afterStep` to simulate a crash there.
 */
export type SaveStep = 'temp-written' | 'old-moved-aside' | 'new-in-place' | 'old-removed';

/**
 * Test hooks; `afterStep` runs after each step and may throw to simulate a crash.
 *
 * @example
 * ```ts
 * const hooks: SaveHooks = { afterStep(step) { if (step === 'temp-written') throw new Error('crash'); } };
 * ```
 */
export interface SaveHooks {
  afterStep?(step: SaveStep): void;
}

/** Options for {@link writeDirAtomic}. */
export interface WriteDirOptions {
  /** Target directory; replaced as a whole. */
  dir: string;
  /** Relative `/`-separated path -> content. Subdirectories are created. */
  files: Map<string, Uint8Array>;
  hooks?: SaveHooks;
}

/**
 * Writes `files` as the new content of `dir`, atomically (see the file comment for the steps).
 *
 * @example
 * ```ts
 * await writeDirAtomic({ dir: 'ckpt', files: new Map([['a.txt', new TextEncoder().encode('hi')]]) });
 * ```
 */
export async function writeDirAtomic(opts: WriteDirOptions): Promise<void> {
  const { target, parent, base } = locate(opts.dir);
  await mkdir(parent, { recursive: true });
  await recoverDir(target);
  const tmp = path.join(parent, `.${base}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeTree(tmp, opts.files);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new TfdistillError('IO_ERROR', `${target}: writing the checkpoint failed (${(e as Error).message})`);
  }
  opts.hooks?.afterStep?.('temp-written');

  const old = path.join(parent, `.${base}.old-${process.pid}`);
  const hadOld = await exists(target);
  if (hadOld) {
    await rename(target, old);
    await fsyncDir(parent);
    opts.hooks?.afterStep?.('old-moved-aside');
  }
  await rename(tmp, target);
  await fsyncDir(parent);
  opts.hooks?.afterStep?.('new-in-place');
  if (hadOld) {
    await rm(old, { recursive: true, force: true });
    opts.hooks?.afterStep?.('old-removed');
  }
}

/**
 * Writer-side recovery after a crash: if `dir` is missing but a `.<name>.old-*` sibling exists, rename
 * the newest back; then delete every other `.old-*` and `.tmp-*` sibling. Safe to call any time no
 * other writer is active on `dir`.
 *
 * @example
 * ```ts
 * await recoverDir('runs/student'); // before writing to runs/student by other means
 * ```
 */
export async function recoverDir(dir: string): Promise<void> {
  const { target, parent } = locate(dir);
  const { olds, tmps } = await siblings(target);
  if (!(await exists(target)) && olds.length > 0) {
    await rename(olds[0], target);
    await fsyncDir(parent);
    olds.shift();
  }
  for (const stale of [...olds, ...tmps]) await rm(stale, { recursive: true, force: true });
}

/**
 * Reader-side view: `dir` itself if it exists, else the newest `.<name>.old-*` sibling left by a save
 * that crashed between its two renames, else `undefined`. Never modifies anything.
 *
 * @example
 * ```ts
 * const root = await findReadableDir('runs/student'); // 'runs/student' or 'runs/.student.old-1234'
 * ```
 */
export async function findReadableDir(dir: string): Promise<string | undefined> {
  const { target } = locate(dir);
  if (await exists(target)) return target;
  const { olds } = await siblings(target);
  return olds[0];
}

/**
 * Refuses (OUTPUT_EXISTS) to replace something that is not a checkpoint: a file, or a non-empty
 * directory without `marker` (e.g. model.json). Protects `saveModel(model, '.')` from moving a project away.
 *
 * @example
 * ```ts
 * await assertReplaceable('runs/student', 'model.json');
 * ```
 */
export async function assertReplaceable(dir: string, marker: string): Promise<void> {
  const target = path.resolve(dir);
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory()) throw new TfdistillError('OUTPUT_EXISTS', `${target}: exists and is not a directory`);
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(marker)) {
    throw new TfdistillError(
      'OUTPUT_EXISTS',
      `${target}: directory is not empty and holds no ${marker}; refusing to replace it with a checkpoint`,
      'choose a new or empty directory',
    );
  }
}

function locate(dir: string): { target: string; parent: string; base: string } {
  const target = path.resolve(dir);
  return { target, parent: path.dirname(target), base: path.basename(target) };
}

/** `.old-*` siblings newest first, and `.tmp-*` siblings. */
async function siblings(target: string): Promise<{ olds: string[]; tmps: string[] }> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const names = await readdir(parent).catch(() => [] as string[]);
  const olds = names.filter((n) => n.startsWith(`.${base}.old-`)).map((n) => path.join(parent, n));
  const tmps = names.filter((n) => n.startsWith(`.${base}.tmp-`)).map((n) => path.join(parent, n));
  const mtimes = new Map<string, number>();
  for (const o of olds) mtimes.set(o, (await stat(o)).mtimeMs);
  olds.sort((a, b) => mtimes.get(b)! - mtimes.get(a)!);
  return { olds, tmps };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Writes each file with fsync, then fsyncs every directory bottom-up so the entries are durable too. */
async function writeTree(root: string, files: Map<string, Uint8Array>): Promise<void> {
  await mkdir(root);
  const dirs = new Set<string>([root]);
  for (const [rel, bytes] of files) {
    const file = path.join(root, ...rel.split('/'));
    const dir = path.dirname(file);
    if (!dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      dirs.add(dir);
    }
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(dir);
}

/** fsync a directory so renames and new entries in it survive a power cut (a no-op where unsupported). */
async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    // Windows cannot open or fsync directories; there rename durability is the filesystem's business.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await handle?.close();
  }
}
