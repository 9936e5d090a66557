/**
 * Where a `tokenizer.json`'s post-processor puts the special tokens and which type ids it gives, for one text and for
 * a pair: `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with type ids 0 0 0 / 0 0 0 1 1 (BERT), `<s> A </s></s> B </s>`
 * all type 0 (RoBERTa). Worked out once, symbolically, by running the Rust library's post-processors over
 * placeholders, so encoding only fills in the texts' token ids.
 *
 * Written here rather than taken from `@huggingface/tokenizers` 0.2.0 because its post-processors differ from the
 * Rust library: `RobertaProcessing` gives the second text type id 1 (Rust: 0), `TemplateProcessing` inserts the
 * special token's name and looks it up in the vocab instead of using the template's `ids` (which may be several),
 * `BertProcessing`/`RobertaProcessing` ignore their configured ids, and `Sequence` loses the type ids.
 */
import { invalidTokenizer, isObject, preview } from './tokenizer-vocab.js';

/**
 * One position of a layout: a special token id, or the tokens of text 0 / text 1; each with its type id.
 */
export type LayoutItem = { special: number; typeId: number } | { text: 0 | 1; typeId: number };

/**
 * The layouts for one text and for a pair.
 *
 * @example
 * ```ts
 * const { single, pair }: Layouts = buildLayouts(doc.post_processor, vocabSize);
 * ```
 */
export interface Layouts {
  single: LayoutItem[];
  pair: LayoutItem[];
}

/**
 * The post-processor types tfdistill understands.
 *
 * @example
 * ```ts
 * POST_PROCESSOR_TYPES.includes('RobertaProcessing'); // true
 * ```
 */
export const POST_PROCESSOR_TYPES = ['BertProcessing', 'ByteLevel', 'RobertaProcessing', 'Sequence', 'TemplateProcessing'] as const;

/** A partial encoding: the placeholders of one sequence while processors run (Rust works on a Vec<Encoding>). */
type Encoding = LayoutItem[];

function tokenId(value: unknown, what: string, vocabSize: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) >= vocabSize) {
    throw invalidTokenizer(`${what} id ${preview(value)} is not a token id (vocab size ${vocabSize})`);
  }
  return value as number;
}

function typeIdOf(value: unknown, what: string): number {
  const v = value ?? 0;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw invalidTokenizer(`${what} type_id ${preview(value)} must be an integer >= 0`);
  return v as number;
}

/** `["[SEP]", 102]` of Bert/RobertaProcessing: the id is used as given (Rust does not look the token up). */
function pairId(value: unknown, what: string, vocabSize: number): number {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') throw invalidTokenizer(`${what} must be [token, id]`);
  return tokenId(value[1], what, vocabSize);
}

function template(c: Record<string, unknown>, encodings: Encoding[], vocabSize: number): Encoding[] {
  const pieces = encodings.length === 2 ? c.pair : c.single;
  const specials = c.special_tokens ?? {};
  if (!Array.isArray(pieces) || !isObject(specials))
    throw invalidTokenizer('TemplateProcessing needs "single"/"pair" arrays and a "special_tokens" object');
  const out: Encoding = [];
  for (const piece of pieces) {
    if (isObject(piece) && isObject(piece.Sequence)) {
      const index = piece.Sequence.id === 'A' ? 0 : piece.Sequence.id === 'B' ? 1 : -1;
      if (index < 0 || index >= encodings.length)
        throw invalidTokenizer(
          `TemplateProcessing sequence ${preview(piece.Sequence.id)} in the ${encodings.length === 2 ? 'pair' : 'single'} template`,
        );
      const typeId = typeIdOf(piece.Sequence.type_id, 'TemplateProcessing sequence');
      out.push(...encodings[index].map((item) => ({ ...item, typeId })));
    } else if (isObject(piece) && isObject(piece.SpecialToken)) {
      const name = piece.SpecialToken.id;
      const special = typeof name === 'string' && Object.hasOwn(specials, name) ? specials[name] : undefined;
      if (!isObject(special) || !Array.isArray(special.ids) || special.ids.length === 0) {
        throw invalidTokenizer(`TemplateProcessing special token ${preview(name)} is missing from "special_tokens" or has no ids`);
      }
      const typeId = typeIdOf(piece.SpecialToken.type_id, 'TemplateProcessing special token');
      for (const id of special.ids) out.push({ special: tokenId(id, `special token ${String(name)}`, vocabSize), typeId });
    } else {
      throw invalidTokenizer(`TemplateProcessing piece ${preview(piece)} is neither {"Sequence": ...} nor {"SpecialToken": ...}`);
    }
  }
  return [out];
}

/** Runs one post-processor (Rust `process_encodings` with special tokens added) over the placeholders. */
function apply(config: unknown, encodings: Encoding[], vocabSize: number, depth: number): Encoding[] {
  if (config === null || config === undefined) return encodings;
  if (!isObject(config)) throw invalidTokenizer('"post_processor" must be an object or null');
  if (depth > 16) throw invalidTokenizer('post-processors nested more than 16 deep');
  switch (config.type) {
    case 'ByteLevel':
      return encodings; // trims offsets only
    case 'BertProcessing': {
      const cls = pairId(config.cls, 'BertProcessing cls', vocabSize);
      const sep = pairId(config.sep, 'BertProcessing sep', vocabSize);
      return encodings.map((e, i) =>
        i === 0 ? [{ special: cls, typeId: 0 }, ...e, { special: sep, typeId: 0 }] : [...e, { special: sep, typeId: 1 }],
      );
    }
    case 'RobertaProcessing': {
      const cls = pairId(config.cls, 'RobertaProcessing cls', vocabSize);
      const sep = pairId(config.sep, 'RobertaProcessing sep', vocabSize);
      // "Roberta is weird, and every encoding is type_id=0" (the Rust source).
      return encodings.map((e, i) => {
        const body = e.map((item) => ({ ...item, typeId: 0 }));
        return [{ special: i === 0 ? cls : sep, typeId: 0 }, ...body, { special: sep, typeId: 0 }];
      });
    }
    case 'TemplateProcessing':
      return template(config, encodings, vocabSize);
    case 'Sequence': {
      if (!Array.isArray(config.processors)) throw invalidTokenizer('Sequence post-processor without a "processors" array');
      return config.processors.reduce((acc: Encoding[], p) => apply(p, acc, vocabSize, depth + 1), encodings);
    }
    default:
      throw invalidTokenizer(
        `post-processor type ${preview(config.type)} is not supported (supported: ${POST_PROCESSOR_TYPES.join(', ')})`,
      );
  }
}

/** The merged layout, checked to place each text exactly once (else truncation could not bound the length). */
function layout(config: unknown, texts: 1 | 2, vocabSize: number): LayoutItem[] {
  const start: Encoding[] = texts === 1 ? [[{ text: 0, typeId: 0 }]] : [[{ text: 0, typeId: 0 }], [{ text: 1, typeId: 1 }]];
  const merged = apply(config, start, vocabSize, 0).flat();
  for (const index of texts === 1 ? [0] : [0, 1]) {
    const n = merged.filter((item) => 'text' in item && item.text === index).length;
    if (n !== 1)
      throw invalidTokenizer(`the post-processor's ${texts === 1 ? 'single' : 'pair'} template places text ${'AB'[index]} ${n} times`);
  }
  return merged;
}

/**
 * The single and pair layouts of a `tokenizer.json` `post_processor` (null: the texts alone, pair type ids 0 / 1).
 * Throws `TfdistillError('TOKENIZER_INVALID')` for unsupported processors, special ids outside the vocab, or a
 * template that does not place each text exactly once.
 *
 * @example
 * ```ts
 * const { pair } = buildLayouts({ type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] }, 100);
 * // [{ special: 2, typeId: 0 }, { text: 0, typeId: 0 }, { special: 3, typeId: 0 }, { text: 1, typeId: 1 }, { special: 3, typeId: 1 }]
 * ```
 */
export function buildLayouts(postProcessor: unknown, vocabSize: number): Layouts {
  return { single: layout(postProcessor, 1, vocabSize), pair: layout(postProcessor, 2, vocabSize) };
}
