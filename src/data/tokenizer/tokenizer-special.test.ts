import { describe, expect, it } from 'vitest';
import { modelMaxLength, resolvePadId } from './tokenizer-special.js';

// A RoBERTa-like vocabulary: <s>=0 <pad>=1 </s>=2 <unk>=3, plus [PAD]=7 and <PAD>=8 to tell the rules apart.
const VOCAB = new Map([
  ['<s>', 0],
  ['<pad>', 1],
  ['</s>', 2],
  ['<unk>', 3],
  ['[PAD]', 7],
  ['<PAD>', 8],
]);
const base = { idOf: (t: string) => VOCAB.get(t), vocabSize: 10 };
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('resolvePadId', () => {
  it('rule 1: tokenizer.json padding, by pad_token, else pad_id; a contradiction is refused', () => {
    expect(resolvePadId({ ...base, padding: { pad_token: '<PAD>', pad_id: 8 } })).toBe(8);
    expect(resolvePadId({ ...base, padding: { pad_id: 2 } })).toBe(2);
    expect(code(() => resolvePadId({ ...base, padding: { pad_token: '<PAD>', pad_id: 1 } }))).toBe('TOKENIZER_INVALID');
    // enable_padding()'s defaults ("[PAD]", 0) left on a vocab without "[PAD]": ignored, the next rules decide.
    const noBracket = { ...base, idOf: (t: string) => (t === '[PAD]' ? undefined : VOCAB.get(t)) };
    expect(resolvePadId({ ...noBracket, padding: { pad_token: '[PAD]', pad_id: 0 } })).toBe(1);
  });

  it('rule 2: tokenizer_config.json, then special_tokens_map.json (string or {content}); unknown names are refused', () => {
    expect(resolvePadId({ ...base, padding: null, companions: { tokenizerConfig: { pad_token: '<PAD>' } } })).toBe(8);
    expect(resolvePadId({ ...base, padding: null, companions: { specialTokensMap: { pad_token: { content: '<PAD>' } } } })).toBe(8);
    expect(
      resolvePadId({
        ...base,
        padding: null,
        companions: { tokenizerConfig: { pad_token: '</s>' }, specialTokensMap: { pad_token: '<PAD>' } },
      }),
    ).toBe(2);
    expect(code(() => resolvePadId({ ...base, padding: null, companions: { tokenizerConfig: { pad_token: '<nope>' } } }))).toBe(
      'TOKENIZER_INVALID',
    );
    expect(code(() => resolvePadId({ ...base, padding: null, companions: { tokenizerConfig: { pad_token: 5 } } }))).toBe(
      'TOKENIZER_INVALID',
    );
  });

  it('rule 3: the conventional names [PAD], then <pad>; rule 4: 0 when there is no pad token at all', () => {
    expect(resolvePadId({ ...base, padding: null })).toBe(7);
    expect(resolvePadId({ ...base, padding: null, idOf: (t) => (t === '[PAD]' ? undefined : VOCAB.get(t)) })).toBe(1);
    // GPT-2: tokenizer_config says pad_token null, and no conventional name exists.
    const gpt2 = (t: string) => (t === '<|endoftext|>' ? 5 : undefined);
    expect(resolvePadId({ idOf: gpt2, vocabSize: 10, padding: null, companions: { tokenizerConfig: { pad_token: null } } })).toBe(0);
  });
});

describe('modelMaxLength', () => {
  it('reads real limits and ignores transformers\' 1e30 "no limit"', () => {
    expect(modelMaxLength({ model_max_length: 512 })).toBe(512);
    expect(modelMaxLength({ model_max_length: 1e30 })).toBeUndefined();
    expect(modelMaxLength(undefined)).toBeUndefined();
  });
});
