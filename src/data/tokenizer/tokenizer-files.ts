/**
 * Loading and saving tokenizer files (Node): a `tokenizer.json`, a Hugging Face tokenizer folder, or JSON text, into
 * the tokenizer of `tokenizer.ts`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TfdistillError } from '../../errors.js';
import type { TextTokenizer } from '../types.js';
import { tokenizerFromJson, type HfTextTokenizer } from './tokenizer.js';
import { parseTokenizerText, readTokenizerSource } from './tokenizer-folder.js';

/**
 * Loads a tokenizer from a parsed document, from JSON text, or (Node) from a path: a `tokenizer.json` file or a
 * Hugging Face tokenizer folder (`tokenizer.json` plus optional `tokenizer_config.json` / `special_tokens_map.json`,
 * as `save_pretrained` and `optimum-cli export onnx` write it). A string starting with `{` is JSON text.
 *
 * @example
 * ```ts
 * const tok = await loadTokenizer('runs/spam/tokenizer.json');
 * const ids = tok.encode('Win a FREE cruise!!!', 64); // [CLS] win a free cruise ! ! ! [SEP]
 * const roberta = await loadTokenizer('exported/roberta-onnx'); // roberta.padId === 1
 * ```
 */
export async function loadTokenizer(source: string | object): Promise<HfTextTokenizer> {
  if (typeof source !== 'string') return tokenizerFromJson(source);
  if (source.trimStart().startsWith('{')) return tokenizerFromJson(parseTokenizerText(source, 'tokenizer.json'));
  const { doc, companions } = await readTokenizerSource(source);
  return tokenizerFromJson(doc, companions);
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
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(tok.toJSON(), null, 2)}\n`, 'utf8');
  } catch (e) {
    throw new TfdistillError('IO_ERROR', `cannot write tokenizer ${path}: ${(e as Error).message}`);
  }
}
