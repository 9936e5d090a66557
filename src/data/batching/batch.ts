/**
 * Packing examples into one host-side {@link Batch}: token ids padded with the tokenizer's pad id to the longest row
 * of this batch only (dynamic padding), token type ids for pairs, the teacher's own ids when its tokenizer differs,
 * and labels and teacher logits laid out row-major next to them.
 */
import { require_ } from '../../errors.js';
import type { Batch, Example, PaddedIds, TokenizedText } from '../types.js';

/**
 * The pad id of tfdistill's own WordPiece tokenizers (`[PAD]`); other tokenizers bring their own (`TextTokenizer.padId`).
 *
 * @example
 * ```ts
 * const b = batchFromExamples(examples, { padId: tokenizer.padId ?? PAD_ID });
 * ```
 */
export const PAD_ID = 0;

/**
 * The pad ids a batch is padded with.
 */
export interface BatchPadding {
  /** The student tokenizer's pad id. Default {@link PAD_ID}. */
  padId?: number;
  /** The teacher tokenizer's pad id, for examples that carry the teacher's own ids. Default {@link PAD_ID}. */
  teacherPadId?: number;
}

/**
 * Pads token id rows into one [rows, seqLength] block: ids padded with `padId`, the attention mask from the row
 * lengths (never from the ids, so a tokenizer whose pad id is also a real token stays correct), type ids when every row
 * has them.
 *
 * @example
 * ```ts
 * padRows([{ ids: Int32Array.from([0, 9, 2]) }, { ids: Int32Array.from([0, 2]) }], 1);
 * // { inputIds: [0, 9, 2, 0, 2, 1], attentionMask: [1, 1, 1, 1, 1, 0], seqLength: 3, padId: 1 }
 * ```
 */
export function padRows(rows: readonly TokenizedText[], padId: number): PaddedIds {
  // At least 1 so an all-empty batch still has a valid [batch, 1] shape.
  const seqLength = Math.max(1, ...rows.map((r) => r.ids.length));
  const inputIds = new Int32Array(rows.length * seqLength).fill(padId); // [batch, seq]
  const attentionMask = new Int32Array(rows.length * seqLength); // [batch, seq]
  const typed = rows.filter((r) => r.typeIds !== undefined).length;
  require_(typed === 0 || typed === rows.length, `only ${typed} of ${rows.length} rows in a batch are sentence pairs`);
  const typeIds = typed > 0 ? new Int32Array(rows.length * seqLength) : undefined;
  rows.forEach((r, row) => {
    inputIds.set(r.ids, row * seqLength);
    attentionMask.fill(1, row * seqLength, row * seqLength + r.ids.length);
    if (typeIds) typeIds.set(r.typeIds!, row * seqLength);
  });
  return { inputIds, attentionMask, ...(typeIds ? { typeIds } : {}), seqLength, padId };
}

/**
 * Packs `examples` (in the given order) into a {@link Batch}. Labels and teacher logits are packed when every
 * example has them; having them on only some examples, or logits of different lengths, throws
 * `TfdistillError('INVALID_ARGUMENT')`.
 *
 * @example
 * ```ts
 * const b = batchFromExamples([
 *   { ids: Int32Array.from([101, 7, 102]), label: 1, index: 0 },
 *   { ids: Int32Array.from([101, 102]), label: 0, index: 1 },
 * ]);
 * // b.seqLength === 3, b.inputIds = [101, 7, 102, 101, 102, 0], b.labels = [1, 0]
 * ```
 */
export function batchFromExamples(examples: readonly Example[], padding: BatchPadding = {}): Batch {
  require_(examples.length > 0, 'cannot make a batch from zero examples');
  const batchSize = examples.length;
  const student = padRows(examples, padding.padId ?? PAD_ID);
  const indices = Int32Array.from(examples, (e) => e.index);
  const batch: Batch = {
    inputIds: student.inputIds,
    batchSize,
    seqLength: student.seqLength,
    padId: student.padId,
    attentionMask: student.attentionMask,
    indices,
  };
  if (student.typeIds) batch.typeIds = student.typeIds;

  const withTeacherIds = examples.filter((e) => e.teacherInput !== undefined).length;
  require_(
    withTeacherIds === 0 || withTeacherIds === batchSize,
    `only ${withTeacherIds} of ${batchSize} examples in a batch carry the teacher's own token ids`,
  );
  if (withTeacherIds > 0)
    batch.teacherInput = padRows(
      examples.map((e) => e.teacherInput!),
      padding.teacherPadId ?? PAD_ID,
    );

  const labeled = examples.filter((e) => e.label !== undefined).length;
  require_(labeled === 0 || labeled === batchSize, `only ${labeled} of ${batchSize} examples in a batch have a label`);
  if (labeled > 0) batch.labels = Int32Array.from(examples, (e) => e.label!); // [batch]

  const withLogits = examples.filter((e) => e.teacherLogits !== undefined);
  require_(
    withLogits.length === 0 || withLogits.length === batchSize,
    `only ${withLogits.length} of ${batchSize} examples in a batch have teacher logits`,
  );
  if (withLogits.length > 0) {
    const numClasses = examples[0].teacherLogits!.length;
    const teacherLogits = new Float32Array(batchSize * numClasses); // [batch, classes]
    examples.forEach((e, row) => {
      require_(
        e.teacherLogits!.length === numClasses,
        `example ${e.index} has ${e.teacherLogits!.length} teacher logits, expected ${numClasses}`,
      );
      teacherLogits.set(e.teacherLogits!, row * numClasses);
    });
    batch.teacherLogits = teacherLogits;
    batch.numClasses = numClasses;
  }
  return batch;
}

/**
 * The student's attention mask of a batch [batch * seq], 1 for real tokens: the one made from the row lengths, or for
 * a batch built by hand, `id != padId` (tokenizers never emit the pad id for real text).
 *
 * @example
 * ```ts
 * const mask = attentionMaskOf(batch); // Int32Array [batch * seq]
 * ```
 */
export function attentionMaskOf(batch: Batch): Int32Array {
  const padId = batch.padId ?? PAD_ID;
  return batch.attentionMask ?? Int32Array.from(batch.inputIds, (id) => (id === padId ? 0 : 1));
}

/**
 * What the teacher reads from a batch: its own padded ids when its tokenizer differs from the student's, else the
 * student's ids with their attention mask and type ids.
 *
 * @example
 * ```ts
 * const feed = teacherFeed(batch); // { inputIds, attentionMask, typeIds?, seqLength, padId }
 * ```
 */
export function teacherFeed(batch: Batch): PaddedIds {
  if (batch.teacherInput) return batch.teacherInput;
  return {
    inputIds: batch.inputIds,
    attentionMask: attentionMaskOf(batch),
    ...(batch.typeIds ? { typeIds: batch.typeIds } : {}),
    seqLength: batch.seqLength,
    padId: batch.padId ?? PAD_ID,
  };
}
