import { TfdistillError } from '../errors.js';
import type { Activation } from './layers/ops.js';
import type { Pooling } from './layers/pooling.js';

/**
 * What an encoder returns besides logits: each block's output and/or attention probabilities.
 *
 * @example
 * ```ts
 * createEncoder({ ...options, outputs: ['logits', 'hidden'] });
 * ```
 */
export type EncoderOutputKind = 'logits' | 'hidden' | 'attention';

/**
 * Size hyper-parameters of a transformer encoder (what the presets fix).
 *
 * @example
 * ```ts
 * const shape: EncoderShape = encoderPresets.studentSmall;
 * ```
 */
export interface EncoderShape {
  dModel: number;
  numLayers: number;
  numHeads: number;
  ffnDim: number;
}

/**
 * Options of {@link createEncoder}.
 */
export interface EncoderOptions extends EncoderShape {
  /** Token ids are int32 in [0, vocabSize); `padId` is padding. */
  vocabSize: number;
  /**
   * Id the tokenizer pads with (default 0; 1 for RoBERTa / XLM-R). Every padding mask is `ids != padId`; saved in
   * the blocks' and pooler's configs.
   */
  padId?: number;
  /**
   * Rows of a learned token type table (default 0 = none). With 2 (BERT sentence pairs) the model takes a second
   * input `token_type_ids` int32 [batch, seq] and the embedding adds `T[typeIds]`; see `encoderOutputs`.
   */
  typeVocabSize?: number;
  /** Longest sequence (size of the learned position table). */
  maxLength: number;
  numClasses: number;
  /** Dropout rate at every site (embeddings, attention probabilities, residual branches, FFN). Default 0.1. */
  dropout?: number;
  /** FFN activation, default `'gelu'` (exact erf form). */
  activation?: Activation;
  /** Pre-LN (default true, with a final LayerNorm) or post-LN (BERT / original Transformer). */
  normFirst?: boolean;
  /** `'mean'` over non-padding tokens (default) or `'cls'` (first token). Classification only. */
  pooling?: Pooling;
  /** `'classification'` -> logits [batch, numClasses]; `'token'` -> [batch, seq, numClasses]. */
  task?: 'classification' | 'token';
  /** Rank of the factorised q/k/v projections (1..dModel); undefined = full rank. */
  attentionRank?: number;
  /**
   * ALBERT-style cross-layer sharing: `true` = one block reused numLayers times; a number g = g
   * groups of consecutive layers, each group sharing one block (g must divide numLayers).
   */
  shareLayers?: boolean | number;
  /** Outputs in this order: logits, then hidden[0..L-1], then attention[0..L-1]. Default `['logits']`. */
  outputs?: EncoderOutputKind[];
  /** Weight-initialisation seed; undefined = random initialisation. */
  seed?: number;
  /** LayerNorm epsilon, default 1e-5 (torch). */
  layerNormEpsilon?: number;
  /** Model name. */
  name?: string;
}

/**
 * EncoderOptions with every default filled in.
 *
 * @example
 * ```ts
 * resolveEncoderOptions(options).normFirst; // true unless set
 * ```
 */
export type ResolvedEncoderOptions = Required<Omit<EncoderOptions, 'attentionRank' | 'seed' | 'name'>> &
  Pick<EncoderOptions, 'attentionRank' | 'seed' | 'name'>;

/**
 * Size presets; vocabSize, maxLength and numClasses come from the caller.
 *
 * @example
 * ```ts
 * const student = createEncoder({ ...encoderPresets.studentSmall, vocabSize: 8000, maxLength: 128, numClasses: 2 });
 * ```
 */
export const encoderPresets = {
  teacherBase: { dModel: 256, numLayers: 4, numHeads: 4, ffnDim: 1024 },
  studentSmall: { dModel: 128, numLayers: 2, numHeads: 2, ffnDim: 512 },
  studentTiny: { dModel: 64, numLayers: 2, numHeads: 2, ffnDim: 256 },
} satisfies Record<string, EncoderShape>;

/**
 * Derives a resized configuration from `base`. Overriding `dModel` also sets `ffnDim = 4 * dModel` and
 * `numHeads` = the largest divisor of dModel not above dModel / 64 (at least 1), unless those are given.
 *
 * @example
 * ```ts
 * scaleEncoderOptions(encoderPresets.teacherBase, { dModel: 128 }); // { dModel: 128, numLayers: 4, numHeads: 2, ffnDim: 512 }
 * ```
 */
export function scaleEncoderOptions<T extends EncoderShape>(
  base: T,
  scale: { dModel: number; numLayers?: number; numHeads?: number; ffnDim?: number },
): T {
  requirePositiveInt('dModel', scale.dModel);
  let heads = Math.max(1, Math.floor(scale.dModel / 64));
  while (scale.dModel % heads !== 0) heads--;
  return {
    ...base,
    dModel: scale.dModel,
    numLayers: scale.numLayers ?? base.numLayers,
    numHeads: scale.numHeads ?? heads,
    ffnDim: scale.ffnDim ?? 4 * scale.dModel,
  };
}

function requirePositiveInt(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TfdistillError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`);
  }
}

function requireOneOf<T>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new TfdistillError('INVALID_ARGUMENT', `${name} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  }
}

/**
 * Validates encoder options and fills in defaults. Throws `TfdistillError('INVALID_ARGUMENT')`.
 *
 * @example
 * ```ts
 * const o = resolveEncoderOptions({ ...encoderPresets.studentTiny, vocabSize: 100, maxLength: 32, numClasses: 2 });
 * o.dropout; // 0.1
 * ```
 */
export function resolveEncoderOptions(options: EncoderOptions): ResolvedEncoderOptions {
  for (const key of ['vocabSize', 'maxLength', 'dModel', 'numLayers', 'numHeads', 'ffnDim', 'numClasses'] as const) {
    requirePositiveInt(key, options[key]);
  }
  const o: ResolvedEncoderOptions = {
    dropout: 0.1,
    activation: 'gelu',
    normFirst: true,
    pooling: 'mean',
    task: 'classification',
    shareLayers: false,
    outputs: ['logits'],
    layerNormEpsilon: 1e-5,
    ...options,
    padId: options.padId ?? 0,
    typeVocabSize: options.typeVocabSize ?? 0,
  };
  if (!(Number.isInteger(o.padId) && o.padId >= 0 && o.padId < o.vocabSize)) {
    throw new TfdistillError('INVALID_ARGUMENT', `padId must be an integer in [0, vocabSize = ${o.vocabSize}), got ${String(o.padId)}`);
  }
  if (!(Number.isInteger(o.typeVocabSize) && o.typeVocabSize >= 0)) {
    throw new TfdistillError('INVALID_ARGUMENT', `typeVocabSize must be a non-negative integer, got ${String(o.typeVocabSize)}`);
  }
  if (o.dModel % o.numHeads !== 0) {
    throw new TfdistillError('INVALID_ARGUMENT', `dModel (${o.dModel}) must be divisible by numHeads (${o.numHeads})`);
  }
  if (!(typeof o.dropout === 'number' && o.dropout >= 0 && o.dropout < 1)) {
    throw new TfdistillError('INVALID_ARGUMENT', `dropout must be in [0, 1), got ${String(o.dropout)}`);
  }
  if (!(o.layerNormEpsilon > 0)) throw new TfdistillError('INVALID_ARGUMENT', 'layerNormEpsilon must be > 0');
  requireOneOf('activation', o.activation, ['gelu', 'relu']);
  requireOneOf('pooling', o.pooling, ['mean', 'cls']);
  requireOneOf('task', o.task, ['classification', 'token']);
  requireOneOf('normFirst', o.normFirst, [true, false]);
  if (o.attentionRank !== undefined) {
    requirePositiveInt('attentionRank', o.attentionRank);
    if (o.attentionRank > o.dModel) {
      throw new TfdistillError('INVALID_ARGUMENT', `attentionRank (${o.attentionRank}) must be <= dModel (${o.dModel})`);
    }
  }
  if (typeof o.shareLayers === 'number') {
    requirePositiveInt('shareLayers', o.shareLayers);
    if (o.numLayers % o.shareLayers !== 0) {
      throw new TfdistillError('INVALID_ARGUMENT', `shareLayers groups (${o.shareLayers}) must divide numLayers (${o.numLayers})`);
    }
  } else {
    requireOneOf('shareLayers', o.shareLayers, [true, false]);
  }
  if (!Array.isArray(o.outputs) || !o.outputs.includes('logits')) {
    throw new TfdistillError('INVALID_ARGUMENT', "outputs must be a list that includes 'logits'");
  }
  for (const kind of o.outputs) requireOneOf('outputs entry', kind, ['logits', 'hidden', 'attention']);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) {
    throw new TfdistillError('INVALID_ARGUMENT', `seed must be an integer, got ${String(o.seed)}`);
  }
  return o;
}

/**
 * Number of distinct blocks (weight sets) the options create.
 *
 * @example
 * ```ts
 * blockGroups({ numLayers: 6, shareLayers: 3 }); // 3
 * ```
 */
export function blockGroups(o: Pick<ResolvedEncoderOptions, 'numLayers' | 'shareLayers'>): number {
  if (o.shareLayers === true) return 1;
  if (typeof o.shareLayers === 'number') return o.shareLayers;
  return o.numLayers;
}
