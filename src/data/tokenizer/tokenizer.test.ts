import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfdistillError } from '../../errors.js';
import { loadTokenizer, saveTokenizer } from './tokenizer-files.js';
import { tokenizerFromJson } from './tokenizer.js';
import { trainWordPiece } from './wordpiece-trainer.js';

const FIXTURES = path.resolve('test/fixtures/tokenizer');
const CORPUS = [
  'Congratulations! You have won a FREE cruise to the Bahamas.',
  'Meeting moved to 3pm tomorrow, please confirm.',
  'Your invoice #4821 is attached. Please pay within 30 days.',
  'Win cash now!!! Click the link to claim your prize.',
  'Can we reschedule the meeting to Thursday afternoon?',
  'Café au lait at the café: résumé attached.',
  'The quarterly report is attached; please review before the meeting.',
  'FREE entry: text WIN to claim the prize, winners announced tomorrow.',
];

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TfdistillError);
    expect((e as TfdistillError).code).toBe(code);
    return;
  }
  throw new Error(`expected TfdistillError(${code})`);
}

async function expectCodeAsync(fn: () => Promise<unknown>, code: string): Promise<void> {
  await expect(fn()).rejects.toMatchObject({ name: 'TfdistillError', code });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tfdistill-tok-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTokenizer against the Python BERT reference (make_reference.py)', () => {
  it.each(['uncased', 'cased'])('%s: every case encodes to the reference ids', async (name) => {
    const reference = JSON.parse(await readFile(path.join(FIXTURES, 'reference.json'), 'utf8'));
    const tok = await loadTokenizer(path.join(FIXTURES, `${name}.tokenizer.json`));
    const cases = reference[name] as { text: string; ids: number[] }[];
    expect(cases.length).toBeGreaterThan(10);
    for (const { text, ids } of cases) {
      expect({ text, ids: Array.from(tok.encode(text, 512)) }).toEqual({ text, ids });
    }
  });
});

describe('trained tokenizer', () => {
  it('round-trips through saveTokenizer/loadTokenizer with identical ids', async () => {
    const tok = trainWordPiece(CORPUS, { vocabSize: 200, minFrequency: 2 });
    const file = path.join(dir, 'nested', 'tokenizer.json');
    await saveTokenizer(tok, file);
    const loaded = await loadTokenizer(file);
    expect(loaded.vocabSize).toBe(tok.vocabSize);
    const probes = [...CORPUS, 'an unseen sentence about prizes and meetings', 'ÜBER 🙂 中文 [CLS] [PAD]'];
    for (const text of probes) expect(Array.from(loaded.encode(text, 64))).toEqual(Array.from(tok.encode(text, 64)));
    // Also from JSON text and from the parsed object.
    const text = await readFile(file, 'utf8');
    expect(Array.from((await loadTokenizer(text)).encode(CORPUS[0], 64))).toEqual(Array.from(tok.encode(CORPUS[0], 64)));
    expect(Array.from(tokenizerFromJson(JSON.parse(text)).encode(CORPUS[1], 64))).toEqual(Array.from(tok.encode(CORPUS[1], 64)));
  });

  it('has [PAD]=0 and never returns 0, even for a literal "[PAD]" in the text', () => {
    const tok = trainWordPiece(CORPUS, { vocabSize: 150 });
    const vocab = (tok.toJSON() as { model: { vocab: Record<string, number> } }).model.vocab;
    expect(vocab['[PAD]']).toBe(0);
    for (const text of [...CORPUS, '[PAD] [PAD]', '', '🙂']) {
      const ids = tok.encode(text, 32);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(Array.from(ids)).not.toContain(0);
    }
  });

  it('truncates to maxLength keeping [CLS] first and [SEP] last', () => {
    const tok = trainWordPiece(CORPUS, { vocabSize: 150 });
    const full = tok.encode(CORPUS[6], 512);
    expect(full.length).toBeGreaterThan(10);
    for (const maxLength of [3, 8, full.length - 1]) {
      const cut = tok.encode(CORPUS[6], maxLength);
      expect(cut.length).toBe(maxLength);
      expect(cut[0]).toBe(full[0]);
      expect(cut[maxLength - 1]).toBe(full[full.length - 1]);
      expect(Array.from(cut.subarray(1, maxLength - 1))).toEqual(Array.from(full.subarray(1, maxLength - 1)));
    }
    expect(Array.from(tok.encode(CORPUS[6], full.length + 5))).toEqual(Array.from(full));
    expectCode(() => tok.encode('x', 2), 'INVALID_ARGUMENT');
    expectCode(() => tok.encode('x', 7.5), 'INVALID_ARGUMENT');
  });

  it('maps characters never seen in training to [UNK]', () => {
    const tok = trainWordPiece(CORPUS, { vocabSize: 150 });
    const vocab = (tok.toJSON() as { model: { vocab: Record<string, number> } }).model.vocab;
    const ids = Array.from(tok.encode('🙂 Ωmega', 16));
    expect(ids).toEqual([vocab['[CLS]'], vocab['[UNK]'], vocab['[UNK]'], vocab['[SEP]']]);
  });
});

describe('malformed tokenizer.json', () => {
  const good = () => JSON.parse(JSON.stringify(trainWordPiece(CORPUS, { vocabSize: 120 }).toJSON()));

  it('rejects non-JSON text and unreadable paths', async () => {
    await expectCodeAsync(() => loadTokenizer('{"model": '), 'TOKENIZER_INVALID');
    const file = path.join(dir, 'broken.json');
    await writeFile(file, 'not json at all');
    await expectCodeAsync(() => loadTokenizer(file), 'TOKENIZER_INVALID');
    await expectCodeAsync(() => loadTokenizer(path.join(dir, 'missing.json')), 'IO_ERROR');
  });

  it.each([
    ['not an object', () => [1, 2, 3]],
    ['unsupported model type WordLevel', () => ({ ...good(), model: { ...good().model, type: 'WordLevel' } })],
    ['garbage model type', () => ({ ...good(), model: { ...good().model, type: { evil: true } } })],
    [
      'missing vocab',
      () => {
        const j = good();
        delete j.model.vocab;
        return j;
      },
    ],
    [
      'duplicate ids',
      () => {
        const j = good();
        j.model.vocab.hello = j.model.vocab['[UNK]'];
        return j;
      },
    ],
    [
      'added token disagreeing with the vocab',
      () => {
        const j = good();
        const v = j.model.vocab;
        [v['[PAD]'], v['[UNK]']] = [v['[UNK]'], v['[PAD]']];
        return j;
      },
    ],
    ['BPE with a continuing-subword prefix', () => ({ ...good(), model: { ...good().model, type: 'BPE', merges: [] } })],
    ['merge of tokens outside the vocab', () => ({ ...good(), model: { type: 'BPE', vocab: good().model.vocab, merges: ['q z'] } })],
    [
      'Unigram with byte fallback',
      () => ({
        ...good(),
        model: {
          type: 'Unigram',
          unk_id: 1,
          byte_fallback: true,
          vocab: [
            ['[PAD]', 0],
            ['[UNK]', 0],
          ],
        },
      }),
    ],
    [
      'special token id outside the vocab',
      () => {
        const j = good();
        j.post_processor.special_tokens['[CLS]'].ids = [99999];
        return j;
      },
    ],
    [
      'template placing text A twice',
      () => {
        const j = good();
        j.post_processor.single.push({ Sequence: { id: 'A', type_id: 0 } });
        return j;
      },
    ],
    ['special token that is the pad token', () => ({ ...good(), padding: { pad_token: '[CLS]', pad_id: good().model.vocab['[CLS]'] } })],
    ['unsupported normalizer', () => ({ ...good(), normalizer: { type: 'Mystery' } })],
    [
      'hole in the ids',
      () => {
        const j = good();
        j.model.vocab.extra = 100_000;
        return j;
      },
    ],
    [
      'unknown token missing',
      () => {
        const j = good();
        j.model.unk_token = '[NOPE]';
        return j;
      },
    ],
    ['unsupported post-processor', () => ({ ...good(), post_processor: { type: 'Nonsense' } })],
  ])('%s -> TOKENIZER_INVALID', (_name, make) => {
    expectCode(() => tokenizerFromJson(make()), 'TOKENIZER_INVALID');
  });

  it('accepts the unmodified document (the cases above are the only defect)', () => {
    expect(tokenizerFromJson(good()).vocabSize).toBeGreaterThan(50);
  });

  it('names the model type and the supported ones', () => {
    expect(() => tokenizerFromJson({ ...good(), model: { ...good().model, type: 'WordLevel' } })).toThrow(
      /model type is "WordLevel"; tfdistill supports WordPiece, BPE, Unigram/,
    );
  });
});

describe('any pad id (no longer "[PAD] must be 0")', () => {
  it('takes [PAD] wherever the vocabulary puts it, and maps a literal "[PAD]" to [UNK]', () => {
    const j = JSON.parse(JSON.stringify(trainWordPiece(CORPUS, { vocabSize: 120 }).toJSON()));
    const v = j.model.vocab;
    [v['[PAD]'], v['[UNK]']] = [v['[UNK]'], v['[PAD]']];
    for (const t of j.added_tokens) t.id = v[t.content];
    const tok = tokenizerFromJson(j);
    expect(tok.padId).toBe(1);
    expect(Array.from(tok.encode('[PAD]', 16))).toEqual([v['[CLS]'], v['[UNK]'], v['[SEP]']]);
  });

  it('reads padding.pad_token of tokenizer.json first', () => {
    const doc = trainWordPiece(CORPUS, { vocabSize: 120 }).toJSON() as { model: { vocab: Record<string, number> } };
    const mask = doc.model.vocab['[MASK]'];
    expect(tokenizerFromJson({ ...doc, padding: { pad_token: '[MASK]', pad_id: mask } }).padId).toBe(mask);
  });
});

describe('Hugging Face tokenizer folders (test/fixtures/hf/tokenizers)', () => {
  const HF = path.resolve('test/fixtures/hf/tokenizers');

  it.each([
    ['wordpiece', 0],
    ['bpe', 1],
    ['unigram', 1],
  ])('%s: padId %i, maxLength 512 from tokenizer_config.json', async (name, padId) => {
    const tok = await loadTokenizer(path.join(HF, name));
    expect(tok.padId).toBe(padId);
    expect(tok.maxLength).toBe(512);
    // The file alone (no companions) finds the same pad token by its conventional name.
    expect((await loadTokenizer(path.join(HF, name, 'tokenizer.json'))).padId).toBe(padId);
  });

  it('a companion naming a different pad token wins over the conventional name', async () => {
    const folder = path.join(dir, 'companion');
    await mkdir(folder, { recursive: true });
    await copyFile(path.join(HF, 'bpe', 'tokenizer.json'), path.join(folder, 'tokenizer.json'));
    await writeFile(path.join(folder, 'special_tokens_map.json'), JSON.stringify({ pad_token: { content: '<mask>' } }));
    const tok = await loadTokenizer(folder);
    expect(tok.padId).toBe(4);
    // Saved alone (as a checkpoint saves it), the file keeps that pad token in its "padding" field.
    await saveTokenizer(tok, path.join(folder, 'saved', 'tokenizer.json'));
    const saved = await loadTokenizer(path.join(folder, 'saved', 'tokenizer.json'));
    expect(saved.padId).toBe(4);
    expect(Array.from(saved.encode('hello there', 32))).toEqual(Array.from(tok.encode('hello there', 32)));
    // A tokenizer whose file already says it writes the file unchanged.
    expect((await loadTokenizer(path.join(HF, 'bpe'))).toJSON()).toEqual(
      JSON.parse(await readFile(path.join(HF, 'bpe', 'tokenizer.json'), 'utf8')),
    );
    await writeFile(path.join(folder, 'tokenizer_config.json'), '{ not json');
    await expectCodeAsync(() => loadTokenizer(folder), 'TOKENIZER_INVALID');
  });

  it('a folder without tokenizer.json, or a missing path, is IO_ERROR', async () => {
    await mkdir(path.join(dir, 'empty'), { recursive: true });
    await expectCodeAsync(() => loadTokenizer(path.join(dir, 'empty')), 'IO_ERROR');
    await expectCodeAsync(() => loadTokenizer(path.join(dir, 'no-such-folder')), 'IO_ERROR');
  });

  it('a literal pad token becomes the unknown token where the model has one (WordPiece, Unigram), else stays', async () => {
    const unigram = await loadTokenizer(path.join(HF, 'unigram'));
    expect(Array.from(unigram.encode('<pad>', 8))).toEqual([0, 3, 2]); // <s> <unk> </s>
    expect(Array.from(unigram.encodePair('<pad>', 'x <pad>', 16).ids)).not.toContain(1);
    const wordpiece = await loadTokenizer(path.join(HF, 'wordpiece'));
    expect(Array.from(wordpiece.encode('[PAD]', 8))).toEqual([2, 1, 3]);
    // Byte-level BPE has no unknown token: the id stays 1, and masks (from lengths) still attend to it.
    const bpe = await loadTokenizer(path.join(HF, 'bpe'));
    expect(Array.from(bpe.encode('<pad>', 8))).toEqual([0, 1, 2]);
  });

  it("pairs use the file's pair template and type ids", async () => {
    const wordpiece = await loadTokenizer(path.join(HF, 'wordpiece'));
    const w = wordpiece.encodePair('free money', 'meeting', 32);
    expect(w.ids[0]).toBe(2);
    expect(Array.from(w.typeIds)).toEqual([0, ...new Array(w.ids.length - 1).fill(0)].map((t, i) => (i > w.ids.indexOf(3) ? 1 : t)));
    const bpe = await loadTokenizer(path.join(HF, 'bpe'));
    const b = bpe.encodePair('free money', 'meeting', 32);
    expect(Array.from(b.ids.subarray(0, 1))).toEqual([0]);
    expect(Array.from(b.ids).filter((id) => id === 2).length).toBe(3); // <s> A </s></s> B </s>
    expect(Array.from(b.typeIds).every((t) => t === 0)).toBe(true); // RoBERTa: all 0
  });

  it('a Unigram model without an unknown token refuses characters it cannot encode (DATA_INVALID)', () => {
    const doc = JSON.parse(readFileSync(path.join(HF, 'unigram', 'tokenizer.json'), 'utf8'));
    doc.model.unk_id = null;
    const tok = tokenizerFromJson(doc);
    expect(tok.encode('hello', 16).length).toBeGreaterThan(2);
    expectCode(() => tok.encode('hello 🙂', 16), 'DATA_INVALID');
  });
});
