/**
 * A teacher from transformers.js (`@huggingface/transformers`): many JavaScript users already run a Hugging Face
 * sequence classifier with it. transformers.js is an optional peer: it is imported only when this adapter is used.
 */
import * as tf from '@tensorflow/tfjs';
import { TfdistillError } from '../errors.js';
import type { EncoderOutputs, Teacher } from './types.js';

/** The transformers.js tensor (subset). */
interface TjsTensor {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
  dispose?(): void;
}

/**
 * What tfdistill uses of a loaded transformers.js model (`AutoModelForSequenceClassification.from_pretrained(...)`):
 * it is callable on named tensors and has a config.
 *
 * @example
 * ```ts
 * const model: TransformersJsModel = await AutoModelForSequenceClassification.from_pretrained('out/');
 * ```
 */
export interface TransformersJsModel {
  (inputs: Record<string, unknown>): Promise<Record<string, unknown>>;
  config?: { id2label?: Record<string, string> };
  sessions?: Record<string, { inputNames?: readonly string[] }>;
}

type TensorCtor = new (type: string, data: BigInt64Array, dims: number[]) => TjsTensor;

/**
 * Wraps a transformers.js sequence classifier as an asynchronous {@link Teacher}. It is fed `input_ids`,
 * `attention_mask` and, when its graph takes them, `token_type_ids`; its `labels` come from `config.id2label`. The
 * model reads the teacher tokenizer's ids, so give `distill` that tokenizer too (the folder it was loaded from).
 * `importer` replaces `import('@huggingface/transformers')` (tests). Throws `BACKEND_UNAVAILABLE` without the package.
 *
 * @example
 * ```ts
 * import { AutoModelForSequenceClassification } from '@huggingface/transformers';
 * const model = await AutoModelForSequenceClassification.from_pretrained('distilbert-sst2/', { local_files_only: true });
 * await distill({ teacher: await teacherFromTransformersJs(model), data: { tokenizer: 'distilbert-sst2/' }, train: 'train.csv' });
 * ```
 */
export async function teacherFromTransformersJs(
  model: TransformersJsModel,
  options: { importer?: () => Promise<unknown> } = {},
): Promise<Teacher> {
  if (typeof model !== 'function') {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      'expected a loaded transformers.js model (AutoModelForSequenceClassification.from_pretrained)',
    );
  }
  let mod: { Tensor?: TensorCtor };
  try {
    mod = (await (options.importer ?? (() => import('@huggingface/transformers')))()) as { Tensor?: TensorCtor };
  } catch (e) {
    throw new TfdistillError(
      'BACKEND_UNAVAILABLE',
      `transformers.js does not load: ${(e as Error).message.split('\n')[0]}`,
      'npm install @huggingface/transformers --onnxruntime-node-install=skip',
    );
  }
  const Tensor = mod.Tensor;
  if (typeof Tensor !== 'function') throw new TfdistillError('BACKEND_UNAVAILABLE', '@huggingface/transformers has no Tensor export');
  const takesTypes = Object.values(model.sessions ?? {}).some((s) => s.inputNames?.includes('token_type_ids'));
  const id2label = model.config?.id2label;
  const labels = id2label
    ? Object.keys(id2label)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => id2label[k])
    : undefined;
  const int64 = (t: tf.Tensor2D) =>
    new Tensor(
      'int64',
      BigInt64Array.from(t.dataSync() as Int32Array, (v) => BigInt(v)),
      [...t.shape],
    );
  return {
    async: true,
    ...(labels ? { labels } : {}),
    async predict(inputIds, attentionMask, tokenTypeIds): Promise<EncoderOutputs> {
      const [rows] = inputIds.shape;
      const feeds: Record<string, unknown> = { input_ids: int64(inputIds) };
      if (attentionMask) feeds.attention_mask = int64(attentionMask);
      if (takesTypes && tokenTypeIds) feeds.token_type_ids = int64(tokenTypeIds);
      const out = (await model(feeds)).logits as TjsTensor | undefined;
      if (out?.dims.length !== 2 || out.dims[0] !== rows) {
        throw new TfdistillError(
          'SHAPE_MISMATCH',
          `the transformers.js model gave no [${rows}, classes] logits`,
          'load it with AutoModelForSequenceClassification',
        );
      }
      const logits = tf.tensor2d(Float32Array.from(out.data), [rows, out.dims[1]]);
      out.dispose?.();
      return { logits };
    },
  };
}
