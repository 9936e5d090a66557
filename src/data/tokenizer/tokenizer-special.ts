/**
 * Which id pads a batch (`padId`) and the other hints a Hugging Face tokenizer folder gives beside `tokenizer.json`:
 * `tokenizer_config.json` and `special_tokens_map.json` (what `save_pretrained` / `optimum-cli export onnx` write).
 *
 * The pad id, first rule that applies:
 * 1. `tokenizer.json` `padding` (set when padding was enabled on the tokenizer): its `pad_token`'s id; a `pad_id`
 *    that names a different token is refused as contradictory. Without a `pad_token`, its `pad_id`. A `pad_token`
 *    that is not in the vocabulary (`enable_padding()`'s default "[PAD]" left on a RoBERTa vocab) is ignored.
 * 2. The `pad_token` of `tokenizer_config.json`, else of `special_tokens_map.json` (a string or `{ "content": ... }`);
 *    one that names no token of the vocabulary is refused. `null` (GPT-2) says "no pad token": next rule.
 * 3. The conventional names, in order: `[PAD]`, `<pad>`.
 * 4. Id 0, when the tokenizer has no pad token at all (GPT-2 style). Rows are masked by length, not by id, so a real
 *    token with id 0 inside a text stays attended to.
 */
import { invalidTokenizer, isObject, preview } from './tokenizer-vocab.js';

/**
 * The companion files of a Hugging Face tokenizer folder, parsed (both optional).
 */
export interface TokenizerCompanions {
  /** `tokenizer_config.json`: `pad_token`, `model_max_length`. */
  tokenizerConfig?: unknown;
  /** `special_tokens_map.json`: `pad_token`. */
  specialTokensMap?: unknown;
}

/**
 * The conventional pad token names, tried in order (rule 3).
 *
 * @example
 * ```ts
 * CONVENTIONAL_PAD_TOKENS[0]; // '[PAD]'
 * ```
 */
export const CONVENTIONAL_PAD_TOKENS = ['[PAD]', '<pad>'] as const;

/** `"<pad>"` or `{ "content": "<pad>", ... }` (both appear in the wild); null when absent or null. */
function tokenName(value: unknown, file: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  throw invalidTokenizer(`${file} pad_token is ${preview(value)}, expected a string or {"content": ...}`);
}

/**
 * The pad id of a tokenizer, by the rules in this file's header. `idOf` looks a token up (vocab and added tokens).
 *
 * @example
 * ```ts
 * const padId = resolvePadId({ padding: doc.padding, companions: { tokenizerConfig }, idOf: (t) => hfTok.token_to_id(t), vocabSize });
 * ```
 */
export function resolvePadId(opts: {
  padding: unknown;
  companions?: TokenizerCompanions;
  idOf: (token: string) => number | undefined;
  vocabSize: number;
}): number {
  const { padding, idOf, vocabSize } = opts;
  if (isObject(padding)) {
    const token = typeof padding.pad_token === 'string' ? padding.pad_token : undefined;
    const given = padding.pad_id;
    const hasId = Number.isSafeInteger(given) && (given as number) >= 0 && (given as number) < vocabSize;
    const id = token === undefined ? undefined : idOf(token);
    if (id !== undefined) {
      if (given !== undefined && given !== id) {
        throw invalidTokenizer(`"padding" says pad_token ${JSON.stringify(token)} (id ${id}) but pad_id ${preview(given)}`);
      }
      return id;
    }
    if (token === undefined && hasId) return given as number;
  }
  const files: Array<[unknown, string]> = [
    [opts.companions?.tokenizerConfig, 'tokenizer_config.json'],
    [opts.companions?.specialTokensMap, 'special_tokens_map.json'],
  ];
  for (const [doc, file] of files) {
    if (!isObject(doc) || !Object.hasOwn(doc, 'pad_token')) continue;
    const name = tokenName(doc.pad_token, file);
    if (name === null) break; // an explicit "no pad token"
    const id = idOf(name);
    if (id === undefined) throw invalidTokenizer(`${file} names pad_token ${JSON.stringify(name)}, which is not a token of tokenizer.json`);
    return id;
  }
  for (const name of CONVENTIONAL_PAD_TOKENS) {
    const id = idOf(name);
    if (id !== undefined) return id;
  }
  return 0;
}

/**
 * The `model_max_length` of `tokenizer_config.json` when it is a real limit (transformers writes 1e30 for "none").
 *
 * @example
 * ```ts
 * modelMaxLength({ model_max_length: 512 }); // 512
 * ```
 */
export function modelMaxLength(tokenizerConfig: unknown): number | undefined {
  const n = isObject(tokenizerConfig) ? tokenizerConfig.model_max_length : undefined;
  return Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= 1_000_000 ? (n as number) : undefined;
}
