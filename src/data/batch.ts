/**
 * Packing examples into one host-side {@link Batch}: token ids padded with 0 to the longest row of this batch only
 * (dynamic padding), labels and teacher logits laid out row-major next to them.
 */
import { require_ } from '../errors.js';
import type { Batch, Example } from './types.js';

/**
 * Id used for padding; no tokenizer ever emits it for real text.
 *
 * @example
 * ```ts
 * const mask = batch.inputIds.map((id) => (id === PAD_ID ? 0 : 1)); // [batch * seq] attention mask
 * ```
 */
export const PAD_ID = 0;

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
export function batchFromExamples(examples: readonly Example[]): Batch {
  require_(examples.length > 0, 'cannot make a batch from zero examples');
  const batchSize = examples.length;
  // At least 1 so an all-empty batch still has a valid [batch, 1] shape.
  const seqLength = Math.max(1, ...examples.map((e) => e.ids.length));
  const inputIds = new Int32Array(batchSize * seqLength).fill(PAD_ID); // [batch, seq]
  const indices = new Int32Array(batchSize);
  examples.forEach((e, row) => {
    inputIds.set(e.ids, row * seqLength);
    indices[row] = e.index;
  });
  const batch: Batch = { inputIds, batchSize, seqLength, indices };

  const labeled = examples.filter((e) => e.label !== undefined).length;
  require_(labeled === 0 || labeled === batchSize, `only ${labeled} of ${batchSize} examples in a batch have a label`);
  if (labeled > 0) batch.labels = Int32Array.from(examples, (e) => e.label!); // [batch]

  const withLogits = examples.filter((e) => e.teacherLogits !== undefined);
  require_(withLogits.length === 0 || withLogits.length === batchSize,
    `only ${withLogits.length} of ${batchSize} examples in a batch have teacher logits`);
  if (withLogits.length > 0) {
    const numClasses = examples[0].teacherLogits!.length;
    const teacherLogits = new Float32Array(batchSize * numClasses); // [batch, classes]
    examples.forEach((e, row) => {
      require_(e.teacherLogits!.length === numClasses,
        `example ${e.index} has ${e.teacherLogits!.length} teacher logits, expected ${numClasses}`);
      teacherLogits.set(e.teacherLogits!, row * numClasses);
    });
    batch.teacherLogits = teacherLogits;
    batch.numClasses = numClasses;
  }
  return batch;
}
