import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfdistillError } from '../errors.js';
import { loadTokenizer, saveTokenizer, tokenizerFromJson } from './tokenizer.js';
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
    ['wrong model type', () => ({ ...good(), model: { ...good().model, type: 'BPE', merges: [] } })],
    ['missing vocab', () => { const j = good(); delete j.model.vocab; return j; }],
    ['duplicate ids', () => { const j = good(); j.model.vocab.hello = j.model.vocab['[UNK]']; return j; }],
    ['[PAD] not at 0', () => { const j = good(); const v = j.model.vocab; [v['[PAD]'], v['[UNK]']] = [v['[UNK]'], v['[PAD]']]; return j; }],
    ['hole in the ids', () => { const j = good(); j.model.vocab.extra = 100_000; return j; }],
    ['unknown token missing', () => { const j = good(); j.model.unk_token = '[NOPE]'; return j; }],
    ['unsupported post-processor', () => ({ ...good(), post_processor: { type: 'Nonsense' } })],
  ])('%s -> TOKENIZER_INVALID', (_name, make) => {
    expectCode(() => tokenizerFromJson(make()), 'TOKENIZER_INVALID');
  });

  it('accepts the unmodified document (the cases above are the only defect)', () => {
    expect(tokenizerFromJson(good()).vocabSize).toBeGreaterThan(50);
  });
});
