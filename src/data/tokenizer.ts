/**
 * Loading, using and saving tokenizers. tfdistill's tokenizer is a Hugging Face `tokenizer.json` (WordPiece, BERT
 * normalization and pre-tokenization, `[CLS] ... [SEP]` template), run by the pure-JS `@huggingface/tokenizers`, so
 * the same file encodes identically in Node and the browser and can come from the Hub or from `trainWordPiece`.
 */
import { TfdistillError } from '../errors.js';
import type { TextTokenizer } from './types.js';
import { checkTokenizerJson } from './tokenizer-json.js';
import { createHfTokenizer, type HfTokenizer } from './tokenizer-hf.js';

/** Marks where the text goes when we ask the post-processor which special tokens it adds. */
const SEQUENCE_SENTINEL = '\u0000tfdistill-sequence\u0000';

/**
 * A `TextTokenizer` over a WordPiece `tokenizer.json`. Construct with {@link tokenizerFromJson} or
 * {@link loadTokenizer}.
 */
class WordPieceTextTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  private readonly hf: HfTokenizer;
  private readonly json: Record<string, unknown>;
  private readonly unkId: number;
  /** Ids the post-processor puts before / after the text, e.g. [CLS] / [SEP]. */
  private readonly prefixIds: number[];
  private readonly suffixIds: number[];

  constructor(doc: unknown) {
    const checked = checkTokenizerJson(doc);
    // The package trusts its input: a malformed normalizer or post-processor config surfaces as a TypeError
    // from deep inside it, here or at the first encode. Both are the file's fault, so both are TOKENIZER_INVALID.
    this.hf = hfCall(() => createHfTokenizer(checked.json));
    this.json = checked.json;
    this.vocabSize = checked.vocabSize;
    this.unkId = this.idOf(checked.unkToken);
    // Running the file's own post-processor on a sentinel tells us its specials, so truncation can keep them
    // whatever the template is ([CLS] A [SEP] for BERT).
    const layout = hfCall(() => this.hf.post_processor?.post_process([SEQUENCE_SENTINEL], null, true).tokens ?? [SEQUENCE_SENTINEL]);
    const at = layout.indexOf(SEQUENCE_SENTINEL);
    if (at < 0 || !layout.every((t) => typeof t === 'string')) {
      throw new TfdistillError('TOKENIZER_INVALID', 'invalid tokenizer.json: the post-processor drops or mangles the text');
    }
    this.prefixIds = layout.slice(0, at).map((t) => this.idOf(t));
    this.suffixIds = layout.slice(at + 1).map((t) => this.idOf(t));
  }

  encode(text: string, maxLength: number): Int32Array {
    const specials = this.prefixIds.length + this.suffixIds.length;
    if (!Number.isInteger(maxLength) || maxLength <= specials) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `maxLength must be an integer > ${specials} (the special tokens alone take ${specials}), got ${maxLength}`,
      );
    }
    const body = hfCall(() => this.hf.encode(text, { add_special_tokens: false }).ids);
    const kept = Math.min(body.length, maxLength - specials);
    const out = new Int32Array(specials + kept);
    out.set(this.prefixIds, 0);
    for (let i = 0; i < kept; i++) {
      // A literal "[PAD]" in the text would encode to id 0, which every later stage reads as padding.
      out[this.prefixIds.length + i] = body[i] === 0 ? this.unkId : body[i];
    }
    out.set(this.suffixIds, this.prefixIds.length + kept);
    return out;
  }

  toJSON(): object {
    return this.json;
  }

  private idOf(token: string): number {
    const id = this.hf.token_to_id(token);
    if (id === undefined) throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: token ${JSON.stringify(token)} has no id`);
    if (id === 0) throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: special token ${JSON.stringify(token)} has the padding id 0`);
    return id;
  }
}

/**
 * Largest tokenizer.json file {@link loadTokenizer} reads: 64 MiB (BERT's is 0.7 MB, large multilingual ones ~20 MB).
 *
 * @example
 * ```ts
 * if ((await stat(file)).size > MAX_TOKENIZER_BYTES) throw new Error('tokenizer too large');
 * ```
 */
export const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;

/** Runs a `@huggingface/tokenizers` call, turning its exceptions (bad configs it did not validate) into TOKENIZER_INVALID. */
function hfCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TfdistillError) throw e;
    throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * A tokenizer from a parsed `tokenizer.json` document (no I/O; works in the browser).
 * Throws `TfdistillError('TOKENIZER_INVALID')` for anything but a usable WordPiece tokenizer with `[PAD]` = 0.
 *
 * @example
 * ```ts
 * const tok = tokenizerFromJson(await (await fetch('/tokenizer.json')).json());
 * tok.encode('Hello world', 128); // Int32Array [2, ..., 3]
 * ```
 */
export function tokenizerFromJson(doc: unknown): TextTokenizer {
  return new WordPieceTextTokenizer(doc);
}

/**
 * Loads a tokenizer from a parsed document, from JSON text, or (Node) from a `tokenizer.json` path.
 * A string starting with `{` is JSON text; any other string is a path.
 *
 * @example
 * ```ts
 * const tok = await loadTokenizer('runs/spam/tokenizer.json');
 * const ids = tok.encode('Win a FREE cruise!!!', 64); // [CLS] win a free cruise ! ! ! [SEP]
 * ```
 */
export async function loadTokenizer(source: string | object): Promise<TextTokenizer> {
  if (typeof source !== 'string') return tokenizerFromJson(source);
  let text = source;
  if (!source.trimStart().startsWith('{')) {
    const { readFile, stat } = await import('node:fs/promises');
    let size: number;
    try {
      size = (await stat(source)).size;
    } catch (e) {
      throw new TfdistillError('IO_ERROR', `cannot read tokenizer ${source}: ${(e as Error).message}`);
    }
    // Checked before reading: a hostile checkpoint's "tokenizer.json" must not make us read gigabytes.
    if (size > MAX_TOKENIZER_BYTES) {
      throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: ${source} is ${size} bytes, more than the ${MAX_TOKENIZER_BYTES}-byte limit`);
    }
    try {
      text = await readFile(source, 'utf8');
    } catch (e) {
      throw new TfdistillError('IO_ERROR', `cannot read tokenizer ${source}: ${(e as Error).message}`);
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TfdistillError('TOKENIZER_INVALID', `invalid tokenizer.json: not JSON (${(e as Error).message})`);
  }
  return tokenizerFromJson(doc);
}

/**
 * Writes `tok.toJSON()` as a `tokenizer.json` (Node), creating the parent folder. The file loads with
 * {@link loadTokenizer} and with Hugging Face `tokenizers` / `transformers`.
 *
 * @example
 * ```ts
 * await saveTokenizer(trainWordPiece(texts, { vocabSize: 8000 }), 'runs/spam/tokenizer.json');
 * ```
 */
export async function saveTokenizer(tok: TextTokenizer, path: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(tok.toJSON(), null, 2) + '\n', 'utf8');
  } catch (e) {
    throw new TfdistillError('IO_ERROR', `cannot write tokenizer ${path}: ${(e as Error).message}`);
  }
}
