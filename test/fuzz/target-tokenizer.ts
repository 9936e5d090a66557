/**
 * Fuzz target: `tokenizer.json` documents through `tokenizerFromJson` / `loadTokenizer`, then `encode` of hostile
 * texts. Inputs start from a valid BERT WordPiece document and are damaged structurally (any value anywhere, deep
 * nesting, huge strings, prototype keys, huge vocabularies) or as text (byte damage, then JSON.parse inside).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson, MAX_VOCAB_SIZE } from '../../src/data/tokenizer-json.js';
import { loadTokenizer, tokenizerFromJson } from '../../src/data/tokenizer.js';
import { TfdistillError } from '../../src/errors.js';
import { chance, jsonText, mutateBytes, mutateJson, nastyString, pick } from './random.js';
import type { FuzzTarget } from './target.js';

type TokenizerCase = { kind: 'doc'; doc: unknown; texts: string[]; maxLength: number }
  | { kind: 'text'; text: string; texts: string[]; maxLength: number }
  | { kind: 'file'; bytes: Uint8Array; texts: string[]; maxLength: number };

const VOCAB = [...BERT_SPECIAL_TOKENS, 'win', 'free', 'prize', 'money', '##s', '##ing', 'the', 'a', ',', '!', 'é', '日'];

/**
 * The tokenizer target; `file` cases are written into `dir`.
 *
 * @example
 * ```ts
 * const s = await runFuzz({ name: 'tokenizer', seed: 1, count: 300, ...tokenizerTarget({ dir }) });
 * ```
 */
export function tokenizerTarget(opts: { dir: string; hugeVocab?: number }): FuzzTarget<TokenizerCase> {
  const file = path.join(opts.dir, 'tokenizer.json');
  return {
    generate(rng) {
      const valid = bertTokenizerJson(VOCAB, { lowercase: chance(rng, 0.5), maxInputCharsPerWord: pick(rng, [1, 5, 100]) });
      const texts = Array.from({ length: 1 + rng.int(3) }, () => chance(rng, 0.02) ? 'free '.repeat(5_000) : nastyString(rng, 60));
      const maxLength = pick(rng, [0, 1, 2, 3, 8, 64, 2.5, -1, NaN, 1e9]);
      const doc = chance(rng, 0.1) ? valid : mutateJson(rng, valid);
      if (chance(rng, 0.01)) {
        // A huge vocab: refused before the tokenizer package builds its tables (default), or loaded without blowing
        // the stack (the stress script also tries sizes under the cap).
        const vocab: Record<string, number> = {};
        for (let i = 0; i < (opts.hugeVocab ?? MAX_VOCAB_SIZE + 1); i++) vocab[i < 5 ? BERT_SPECIAL_TOKENS[i] : `t${i}`] = i;
        // A fresh document: `valid` may just have been mutated in place (even lost its "model").
        const doc = bertTokenizerJson(VOCAB, { lowercase: true, maxInputCharsPerWord: 100 }) as { model: { vocab: unknown } };
        doc.model.vocab = vocab;
        return { kind: 'doc', doc, texts, maxLength };
      }
      const kind = pick(rng, ['doc', 'doc', 'text', 'file'] as const);
      if (kind === 'doc') return { kind, doc, texts, maxLength };
      let bytes: Uint8Array = new TextEncoder().encode(jsonText(doc));
      if (chance(rng, 0.5)) bytes = mutateBytes(rng, bytes);
      if (kind === 'file') return { kind, bytes, texts, maxLength };
      return { kind, text: new TextDecoder().decode(bytes), texts, maxLength };
    },
    async run(c) {
      let tok;
      if (c.kind === 'doc') tok = tokenizerFromJson(c.doc);
      else if (c.kind === 'text') tok = await loadTokenizer(c.text.trimStart().startsWith('{') ? c.text : `{${c.text}`);
      else {
        await writeFile(file, c.bytes);
        tok = await loadTokenizer(file);
      }
      if (!Number.isSafeInteger(tok.vocabSize) || tok.vocabSize < 1) throw new Error(`vocabSize ${tok.vocabSize}`);
      for (const text of c.texts) {
        let ids: Int32Array;
        try {
          ids = tok.encode(text, c.maxLength);
        } catch (e) {
          if (e instanceof TfdistillError && e.code === 'INVALID_ARGUMENT') continue; // a bad maxLength, reported
          throw e;
        }
        if (ids.length > c.maxLength) throw new Error(`encode returned ${ids.length} ids for maxLength ${c.maxLength}`);
        for (const id of ids) if (!(id > 0 && id < tok.vocabSize)) throw new Error(`encode returned id ${id} (vocab ${tok.vocabSize})`);
      }
    },
  };
}
