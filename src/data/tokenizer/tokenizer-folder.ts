/**
 * Reading a tokenizer from disk (Node): a `tokenizer.json` file, or a Hugging Face tokenizer folder holding
 * `tokenizer.json` and optionally `tokenizer_config.json` / `special_tokens_map.json` (which name the pad token).
 * Every file is size-checked before it is read: a hostile checkpoint's "tokenizer.json" must not make us read
 * gigabytes.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TfdistillError } from '../../errors.js';
import type { TokenizerCompanions } from './tokenizer-special.js';

/**
 * Largest tokenizer file read: 64 MiB (BERT's tokenizer.json is 0.7 MB, large multilingual ones ~20 MB).
 *
 * @example
 * ```ts
 * if ((await stat(file)).size > MAX_TOKENIZER_BYTES) throw new Error('tokenizer too large');
 * ```
 */
export const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;

/**
 * A parsed `tokenizer.json` and, for a folder, its parsed companion files.
 *
 * @example
 * ```ts
 * const { doc, companions }: TokenizerSource = await readTokenizerSource('exported/model');
 * ```
 */
export interface TokenizerSource {
  doc: unknown;
  companions: TokenizerCompanions;
}

/**
 * Parses tokenizer JSON text; bad JSON is `TOKENIZER_INVALID` naming `what`.
 *
 * @example
 * ```ts
 * const doc = parseTokenizerText(text, 'tokenizer.json');
 * ```
 */
export function parseTokenizerText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TfdistillError('TOKENIZER_INVALID', `invalid ${what}: not JSON (${(e as Error).message})`);
  }
}

/** Reads and parses one file; `undefined` when `optional` and it does not exist. */
async function readJson(file: string, what: string, optional: boolean): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TfdistillError('IO_ERROR', `cannot read tokenizer ${file}: ${(e as Error).message}`);
  }
  if (size > MAX_TOKENIZER_BYTES) {
    throw new TfdistillError(
      'TOKENIZER_INVALID',
      `invalid ${what}: ${file} is ${size} bytes, more than the ${MAX_TOKENIZER_BYTES}-byte limit`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TfdistillError('IO_ERROR', `cannot read tokenizer ${file}: ${(e as Error).message}`);
  }
  return parseTokenizerText(text, what);
}

/**
 * Reads a `tokenizer.json` file, or a folder with `tokenizer.json` (required) and `tokenizer_config.json` /
 * `special_tokens_map.json` (optional). Unreadable or missing: `IO_ERROR`; too large or not JSON: `TOKENIZER_INVALID`.
 *
 * @example
 * ```ts
 * const { doc, companions } = await readTokenizerSource('exported/roberta-onnx');
 * ```
 */
export async function readTokenizerSource(path: string): Promise<TokenizerSource> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (e) {
    throw new TfdistillError('IO_ERROR', `cannot read tokenizer ${path}: ${(e as Error).message}`);
  }
  if (!isDirectory) return { doc: await readJson(path, 'tokenizer.json', false), companions: {} };
  const doc = await readJson(join(path, 'tokenizer.json'), 'tokenizer.json', true);
  if (doc === undefined) {
    throw new TfdistillError(
      'IO_ERROR',
      `no tokenizer.json in the folder ${path}`,
      'a Hugging Face tokenizer folder (save_pretrained, optimum-cli export onnx) holds tokenizer.json; slow-only tokenizers have none',
    );
  }
  return {
    doc,
    companions: {
      tokenizerConfig: await readJson(join(path, 'tokenizer_config.json'), 'tokenizer_config.json', true),
      specialTokensMap: await readJson(join(path, 'special_tokens_map.json'), 'special_tokens_map.json', true),
    },
  };
}
