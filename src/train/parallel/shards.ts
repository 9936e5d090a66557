import type { Batch } from '../../data/types.js';

/**
 * Splits a batch into `parts` shards of consecutive rows whose sizes differ by at most one (the first shards get the
 * extra rows; a batch smaller than `parts` gives fewer shards). Every shard owns copies of its arrays, so it can be
 * posted to a worker without cloning the whole batch.
 *
 * @example
 * ```ts
 * const [a, b] = splitBatch(batch, 2); // batch 33 -> 17 + 16 rows
 * ```
 */
export function splitBatch(batch: Batch, parts: number): Batch[] {
  const n = batch.batchSize;
  const shards: Batch[] = [];
  const classes = batch.teacherLogits ? batch.teacherLogits.length / n : 0;
  let start = 0;
  for (let i = 0; i < Math.min(parts, n); i++) {
    const rows = Math.floor(n / parts) + (i < n % parts ? 1 : 0);
    const end = start + rows;
    const slice = (a: Int32Array, seq: number) => a.slice(start * seq, end * seq);
    const t = batch.teacherInput;
    shards.push({
      inputIds: slice(batch.inputIds, batch.seqLength),
      batchSize: rows,
      seqLength: batch.seqLength,
      indices: batch.indices.slice(start, end),
      ...(batch.padId !== undefined ? { padId: batch.padId } : {}),
      ...(batch.attentionMask ? { attentionMask: slice(batch.attentionMask, batch.seqLength) } : {}),
      ...(batch.typeIds ? { typeIds: slice(batch.typeIds, batch.seqLength) } : {}),
      ...(t
        ? {
            teacherInput: {
              ...t,
              inputIds: slice(t.inputIds, t.seqLength),
              attentionMask: slice(t.attentionMask, t.seqLength),
              ...(t.typeIds ? { typeIds: slice(t.typeIds, t.seqLength) } : {}),
            },
          }
        : {}),
      ...(batch.labels ? { labels: batch.labels.slice(start, end) } : {}),
      ...(batch.teacherLogits
        ? { teacherLogits: batch.teacherLogits.slice(start * classes, end * classes), numClasses: batch.numClasses }
        : {}),
    });
    start = end;
  }
  return shards;
}
