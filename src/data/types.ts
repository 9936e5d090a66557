/**
 * The data types that flow through tfdistill: records (parsed rows) -> examples (token ids) -> batches (host-side
 * typed arrays). Batches stay off the tensor heap until the training step turns them into tensors inside its
 * `tf.tidy`, so the data layer can never leak tensors.
 */

/** One parsed input row. `line` is the 1-based line number in the source file (for error messages). */
export interface TextRecord {
  text: string;
  /** Second text of a sentence pair (`textPairColumn`), when the task takes pairs. */
  textPair?: string;
  /** Raw label: a string class name or an integer id. Absent for unlabeled data. */
  label?: string | number;
  /** Logits produced elsewhere (a Python model, an API) for this row, when the file carries them. */
  teacherLogits?: number[];
  line?: number;
}

/** One tokenized example. `index` is its position in the dataset (stable across epochs; keys the teacher cache). */
export interface Example {
  /** The student's token ids (its tokenizer's special tokens included, no padding). */
  ids: Int32Array;
  /** The student's token type ids, same length as `ids`; present for sentence pairs. */
  typeIds?: Int32Array;
  /**
   * The teacher's own tokenization of the same text, when the teacher's tokenizer differs from the student's
   * (absent: the teacher reads `ids` / `typeIds`).
   */
  teacherInput?: TokenizedText;
  label?: number;
  teacherLogits?: Float32Array;
  index: number;
}

/** Token ids of one text (or pair) and, for pairs, their token type ids (0 = first text, 1 = second). */
export interface TokenizedText {
  ids: Int32Array;
  typeIds?: Int32Array;
}

/**
 * Padded token ids of a batch for one model, row-major [batchSize, seqLength]: ids padded with `padId`, the
 * attention mask from the row lengths (1 = real token), type ids when the rows are pairs.
 */
export interface PaddedIds {
  inputIds: Int32Array;
  /** [batchSize, seqLength], 1 for real tokens, 0 for padding (from the row lengths, never from the ids). */
  attentionMask: Int32Array;
  typeIds?: Int32Array;
  seqLength: number;
  padId: number;
}

/**
 * A padded batch, row-major. `inputIds` is [batchSize, seqLength] padded with `padId`; a batch is padded only to its
 * longest row (dynamic padding). `teacherLogits` is [batchSize, numClasses] when present.
 */
export interface Batch {
  inputIds: Int32Array;
  batchSize: number;
  seqLength: number;
  /** Id the rows are padded with (the student tokenizer's; 0 for tfdistill's own WordPiece). */
  padId?: number;
  /** [batchSize, seqLength], 1 for real tokens, 0 for padding (from the row lengths). */
  attentionMask?: Int32Array;
  /** [batchSize, seqLength] student token type ids, for pairs. */
  typeIds?: Int32Array;
  /** The teacher's own padded ids when its tokenizer differs from the student's. */
  teacherInput?: PaddedIds;
  labels?: Int32Array;
  teacherLogits?: Float32Array;
  numClasses?: number;
  /** Dataset indices of the rows, in batch order. */
  indices: Int32Array;
}

/** A tokenizer as the rest of tfdistill sees it. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Id batches are padded with: the file's pad token (0 for tfdistill's WordPiece, 1 for RoBERTa). */
  readonly padId: number;
  /** Token ids for `text`, truncated to `maxLength` (special tokens included). Never returns `padId`. */
  encode(text: string, maxLength: number): Int32Array;
  /**
   * Ids and token type ids of a sentence pair with the file's pair template (`[CLS] A [SEP] B [SEP]`,
   * `<s> A </s></s> B </s>`), truncated longest-first to `maxLength` (special tokens included).
   */
  encodePair(text: string, pair: string, maxLength: number): TokenizedText & { typeIds: Int32Array };
  /** The Hugging Face `tokenizer.json` document for this tokenizer. */
  toJSON(): object;
}
