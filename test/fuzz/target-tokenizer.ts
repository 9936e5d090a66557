/**
 * Fuzz target: `tokenizer.json` documents through `tokenizerFromJson` / `loadTokenizer`, then `encode` and
 * `encodePair` of hostile texts. Documents start valid, from the three model families: a BERT WordPiece, and small
 * cuts of the byte-level BPE (RoBERTa-style, `<pad>` = 1, no unknown token) and Unigram (XLM-R-style, `<pad>` = 1,
 * Nmt/NFKC normalizer, Metaspace) fixtures in test/fixtures/hf/tokenizers; they are then damaged structurally (any
 * value anywhere, deep nesting, huge strings, prototype keys, huge vocabularies) or as text (byte damage, then
 * JSON.parse inside). Every encoding must fit `maxLength`, use ids inside the vocabulary, carry one type id per id,
 * and never contain `padId` when the model has an unknown token to map a literal pad token to.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BERT_SPECIAL_TOKENS, bertTokenizerJson, MAX_VOCAB_SIZE } from '../../src/data/tokenizer/tokenizer-json.js';
import { loadTokenizer } from '../../src/data/tokenizer/tokenizer-files.js';
import { tokenizerFromJson, type HfTextTokenizer } from '../../src/data/tokenizer/tokenizer.js';
import { TfdistillError } from '../../src/errors.js';
import type { Rng } from '../../src/util/rng.js';
import { chance, jsonText, mutateBytes, mutateJson, nastyString, pick } from './random.js';
import type { FuzzTarget } from './target.js';

type Texts = Array<string | [string, string]>;
type TokenizerCase =
  | { kind: 'doc'; doc: unknown; texts: Texts; maxLength: number }
  | { kind: 'text'; text: string; texts: Texts; maxLength: number }
  | { kind: 'file'; bytes: Uint8Array; texts: Texts; maxLength: number };

const VOCAB = [...BERT_SPECIAL_TOKENS, 'win', 'free', 'prize', 'money', '##s', '##ing', 'the', 'a', ',', '!', 'é', '日'];
const HF = fileURLToPath(new URL('../fixtures/hf/tokenizers/', import.meta.url));

/** The fixture's tokenizer.json with only the tokens of id < `keep` (and the merges among them): small and valid. */
function smallFixture(name: 'bpe' | 'unigram', keep: number): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(path.join(HF, name, 'tokenizer.json'), 'utf8'));
  doc.added_tokens = doc.added_tokens.filter((t: { id: number }) => t.id < keep);
  if (name === 'unigram') {
    doc.model.vocab = doc.model.vocab.slice(0, keep);
  } else {
    doc.model.vocab = Object.fromEntries(Object.entries(doc.model.vocab as Record<string, number>).filter(([, id]) => id < keep));
    doc.model.merges = doc.model.merges.filter(([a, b]: [string, string]) => [a, b, a + b].every((t) => t in doc.model.vocab));
  }
  return doc;
}

/** Random code points from every plane, lone surrogates, combining marks and the tokens' own markers. */
function unicodeString(rng: Rng, maxLength: number): string {
  const n = rng.int(maxLength + 1);
  let s = '';
  while (s.length < n) {
    const r = rng.int(10);
    if (r < 3) s += String.fromCodePoint(rng.int(0x80));
    else if (r < 5)
      s += String.fromCodePoint(0x80 + rng.int(0x2f80)); // Latin .. CJK symbols
    else if (r < 6)
      s += String.fromCodePoint(0x4e00 + rng.int(0x5200)); // CJK
    else if (r < 7)
      s += String.fromCodePoint(0x10000 + rng.int(0x100000)); // astral, unassigned too
    else if (r < 8)
      s += String.fromCharCode(0xd800 + rng.int(0x800)); // lone surrogate halves
    else s += pick(rng, ['<pad>', '[PAD]', '<s>', '</s>', '<mask>', '<unk>', '\u2581', '\u0301', '\uFEFF', '\u0085', ' ', '  ', 'Ġ', '##']);
  }
  return s;
}

function text(rng: Rng): string {
  if (chance(rng, 0.02)) return 'free '.repeat(5_000);
  return chance(rng, 0.5) ? nastyString(rng, 60) : unicodeString(rng, 60);
}

/** Whether the model can stand in an unknown token for a literal pad token (byte-level BPE cannot). */
function hasUnknown(tok: HfTextTokenizer): boolean {
  const model = (tok.toJSON() as { model: { type: string; unk_token?: unknown; unk_id?: unknown } }).model;
  return model.type === 'Unigram' ? model.unk_id !== null && model.unk_id !== undefined : typeof model.unk_token === 'string';
}

function check(tok: HfTextTokenizer, ids: Int32Array, maxLength: number, typeIds?: Int32Array): void {
  if (ids.length > maxLength) throw new Error(`${ids.length} ids for maxLength ${maxLength}`);
  if (typeIds && typeIds.length !== ids.length) throw new Error(`${typeIds.length} type ids for ${ids.length} ids`);
  for (const id of ids) if (!(id >= 0 && id < tok.vocabSize)) throw new Error(`id ${id} (vocab ${tok.vocabSize})`);
  if (hasUnknown(tok) && ids.includes(tok.padId)) throw new Error(`padId ${tok.padId} in ${Array.from(ids).join(',')}`);
}

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
  const families = { bpe: JSON.stringify(smallFixture('bpe', 400)), unigram: JSON.stringify(smallFixture('unigram', 400)) };
  return {
    generate(rng) {
      const family = pick(rng, ['wordpiece', 'bpe', 'unigram'] as const);
      const valid =
        family === 'wordpiece'
          ? bertTokenizerJson(VOCAB, { lowercase: chance(rng, 0.5), maxInputCharsPerWord: pick(rng, [1, 5, 100]) })
          : JSON.parse(families[family]);
      const texts: Texts = Array.from({ length: 1 + rng.int(3) }, () => (chance(rng, 0.4) ? [text(rng), text(rng)] : text(rng)));
      const maxLength = pick(rng, [0, 1, 2, 3, 4, 5, 8, 64, 2.5, -1, NaN, 1e9]);
      const doc = chance(rng, 0.15) ? valid : mutateJson(rng, valid);
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
      let tok: HfTextTokenizer;
      if (c.kind === 'doc') tok = tokenizerFromJson(c.doc);
      else if (c.kind === 'text') tok = await loadTokenizer(c.text.trimStart().startsWith('{') ? c.text : `{${c.text}`);
      else {
        await writeFile(file, c.bytes);
        tok = await loadTokenizer(file);
      }
      if (!Number.isSafeInteger(tok.vocabSize) || tok.vocabSize < 1) throw new Error(`vocabSize ${tok.vocabSize}`);
      if (!Number.isSafeInteger(tok.padId) || tok.padId < 0 || tok.padId >= tok.vocabSize) throw new Error(`padId ${tok.padId}`);
      for (const t of c.texts) {
        try {
          if (typeof t === 'string') check(tok, tok.encode(t, c.maxLength), c.maxLength);
          else {
            const { ids, typeIds } = tok.encodePair(t[0], t[1], c.maxLength);
            check(tok, ids, c.maxLength, typeIds);
          }
        } catch (e) {
          // A bad maxLength is reported; a Unigram without an unknown token refuses characters it lacks.
          if (e instanceof TfdistillError && (e.code === 'INVALID_ARGUMENT' || (e.code === 'DATA_INVALID' && !hasUnknown(tok)))) continue;
          throw e;
        }
      }
    },
  };
}
