/**
 * The data types that flow through tfdistill: records (parsed rows) -> examples (token ids) -> batches (host-side
 * typed arrays). Batches stay off the tensor heap until the training step turns them into tensors inside its
 * `tf.tidy`, so the data layer can never leak tensors.
 */

/** One parsed input row. `line` is the 1-based line number in the source file (for error messages). */
export interface TextRecord {
  text: string;
  /** Raw label: a string class name or an integer id. Absent for unlabeled data. */
  label?: string | number;
  /** Logits produced elsewhere (a Python model, an API) for this row, when the file carries them. */
  teacherLogits?: number[];
  line?: number;
}

/** One tokenized example. `index` is its position in the dataset (stable across epochs; keys the teacher cache). */
export interface Example {
  ids: Int32Array;
  label?: number;
  teacherLogits?: Float32Array;
  index: number;
}

/**
 * A padded batch, row-major. `inputIds` is [batchSize, seqLength] with 0 as padding; a batch is padded only to its
 * longest row (dynamic padding). `teacherLogits` is [batchSize, numClasses] when present.
 */
export interface Batch {
  inputIds: Int32Array;
  batchSize: number;
  seqLength: number;
  labels?: Int32Array;
  teacherLogits?: Float32Array;
  numClasses?: number;
  /** Dataset indices of the rows, in batch order. */
  indices: Int32Array;
}

/** A tokenizer as the rest of tfdistill sees it. Id 0 is always padding. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Token ids for `text`, truncated to `maxLength` (special tokens included). Never returns padding. */
  encode(text: string, maxLength: number): Int32Array;
  /** The Hugging Face `tokenizer.json` document for this tokenizer. */
  toJSON(): object;
}
