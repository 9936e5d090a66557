/**
 * `cacheTeacherOutputs`: run the (frozen, big, slow) teacher once over a dataset and store its logits in a compact
 * file, so every distillation epoch reads them instead of re-running the teacher. Node only (writes a file).
 */
import { TfdistillError } from '../../errors.js';
import { batchTeacherLogits } from '../batching/batch-teacher-logits.js';
import type { Teacher } from '../../models/types.js';
import { batchFromExamples, teacherFeed, type BatchPadding } from '../batching/batch.js';
import type { Example } from '../types.js';
import { crc32, inputChecksum } from './checksum.js';
import { CACHE_VERSION, encodeHeader, headerBytesFor, MAX_CLASSES, type CacheDtype, type TeacherCacheHeader } from './format.js';
import { encodeRows } from './rows.js';
import { shardRows, type Shard } from './shard.js';

/**
 * What the cache needs of data-parallel replicas (a `ReplicaPool` holding copies of the teacher): split a block of
 * padded ids across them and this thread, and return the logits in row order.
 *
 * @example
 * ```ts
 * const pool: TeacherReplicas = await ReplicaPool.start({ replicas: 2, backend: 'wasm', teacher });
 * ```
 */
export interface TeacherReplicas {
  shardedTeacherLogits(
    local: Teacher,
    inputIds: Int32Array,
    rows: number,
    seqLength: number,
  ): Promise<{ values: Float32Array; classes: number }>;
}

/**
 * Options for {@link cacheTeacherOutputs}.
 */
export interface CacheTeacherOptions {
  /** Names the teacher (e.g. its checkpoint path + hash); a reader may insist on it. */
  teacherId: string;
  /** `float16` halves the file; values within half precision (relative error <= 2^-11). */
  dtype: CacheDtype;
  /** Rows per teacher forward pass. */
  batchSize: number;
  /** Keep only the K largest logits per row (with their class indices). Default: all logits. */
  topK?: number;
  /** Compute only this shard's rows (merge the shard files with `mergeTeacherCaches`). */
  shard?: Shard;
  /** Data-parallel replicas holding the same teacher: each batch is split across them and this thread. */
  pool?: TeacherReplicas;
  /** Pad ids of the examples' tokenizers (default 0). */
  padding?: BatchPadding;
  /** Called after each batch. */
  onProgress?: (progress: { rowsDone: number; rowsTotal: number }) => void;
}

/**
 * Computes `teacher` logits for `examples` (or one shard of them) and writes them to `file` (via a temporary file
 * and a rename, so a crash never leaves a complete-looking cache). Each batch is padded to its longest row with 0
 * and run inside `tf.tidy`; the teacher must return `logits` [batch, classes].
 *
 * @example
 * ```ts
 * const info = await cacheTeacherOutputs(teacher, examples, 'runs/spam/teacher.tfdc', {
 *   teacherId: 'bert-base-spam@3f2a', dtype: 'float16', batchSize: 64,
 * });
 * console.log(`${info.rowEnd - info.rowStart} rows x ${info.numClasses} classes`);
 * ```
 */
export async function cacheTeacherOutputs(
  teacher: Teacher,
  examples: readonly Example[],
  file: string,
  options: CacheTeacherOptions,
): Promise<TeacherCacheHeader> {
  const { teacherId, dtype, batchSize, topK = 0, shard = { index: 0, count: 1 }, onProgress } = options;
  checkOptions(options);
  const { start, end } = shardRows(shard, examples.length);
  if (end === start) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `shard ${shard.index}/${shard.count} of ${examples.length} rows is empty`,
      'use fewer shards than rows',
    );
  }
  for (let r = start; r < end; r++) {
    if (examples[r].ids.length === 0) throw new TfdistillError('DATA_INVALID', `example at row ${r} has no token ids`);
  }

  const { open, rename, rm } = await import('node:fs/promises');
  const tmp = `${file}.tmp-${Date.now()}`;
  const handle = await open(tmp, 'w');
  let done = false;
  try {
    let position = headerBytesFor(teacherId); // the header is written last, once the payload CRC is known
    let payloadChecksum = 0;
    let numClasses = 0;
    for (let r = start; r < end; r += batchSize) {
      const rows = examples.slice(r, Math.min(r + batchSize, end));
      const logits = await teacherLogits(teacher, rows, r, options); // [rows, classes]
      if (numClasses === 0) numClasses = checkClasses(logits.classes, topK);
      if (logits.classes !== numClasses) {
        throw new TfdistillError('SHAPE_MISMATCH', `teacher gave ${logits.classes} classes at row ${r}, ${numClasses} before`);
      }
      const bytes = encodeRows(logits.values, rows.length, { numClasses, topK, dtype });
      payloadChecksum = crc32(payloadChecksum, bytes);
      await handle.write(bytes, 0, bytes.length, position);
      position += bytes.length;
      onProgress?.({ rowsDone: r + rows.length - start, rowsTotal: end - start });
    }
    const header = {
      totalRows: examples.length,
      rowStart: start,
      rowEnd: end,
      numClasses,
      topK,
      dtype,
      shardIndex: shard.index,
      shardCount: shard.count,
      inputChecksum: inputChecksum(examples, start, end),
      payloadChecksum,
      teacherId,
    };
    const headerBytes = encodeHeader(header);
    await handle.write(headerBytes, 0, headerBytes.length, 0);
    await handle.close();
    await rename(tmp, file);
    done = true;
    return { version: CACHE_VERSION, headerBytes: headerBytes.length, ...header };
  } finally {
    if (!done) {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }
}

/**
 * Runs the teacher on one batch (padded to its longest row; split across `pool`'s replicas when it has one and the rows
 * are single texts) and downloads its logits. An asynchronous teacher (ONNX) runs on its own threads meanwhile.
 */
async function teacherLogits(
  teacher: Teacher,
  rows: readonly Example[],
  firstRow: number,
  options: Pick<CacheTeacherOptions, 'pool' | 'padding'>,
): Promise<{ values: Float32Array; classes: number }> {
  const batch = batchFromExamples(
    rows.map(({ ids, typeIds, teacherInput, index }) => ({ ids, typeIds, teacherInput, index })),
    options.padding,
  );
  const feed = teacherFeed(batch);
  const { values, classes } =
    options.pool && !feed.typeIds
      ? await options.pool.shardedTeacherLogits(teacher, feed.inputIds, rows.length, feed.seqLength)
      : await batchTeacherLogits(teacher, batch);
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    const row = firstRow + Math.floor(bad / classes);
    throw new TfdistillError('NON_FINITE', `teacher logit for row ${row} is ${values[bad]}`);
  }
  return { values, classes };
}

function checkClasses(classes: number, topK: number): number {
  if (classes < 1 || classes > MAX_CLASSES) throw new TfdistillError('SHAPE_MISMATCH', `teacher gave ${classes} classes`);
  if (topK > classes) throw new TfdistillError('INVALID_ARGUMENT', `topK ${topK} exceeds the teacher's ${classes} classes`);
  return classes;
}

function checkOptions(o: CacheTeacherOptions): void {
  if (typeof o.teacherId !== 'string') throw new TfdistillError('INVALID_ARGUMENT', 'teacherId must be a string');
  if (o.dtype !== 'float16' && o.dtype !== 'float32') {
    throw new TfdistillError('INVALID_ARGUMENT', `dtype must be "float16" or "float32", got ${JSON.stringify(o.dtype)}`);
  }
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new TfdistillError('INVALID_ARGUMENT', `batchSize must be an integer >= 1, got ${o.batchSize}`);
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 1)) {
    throw new TfdistillError('INVALID_ARGUMENT', `topK must be an integer >= 1, got ${o.topK}`);
  }
}
