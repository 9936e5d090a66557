import * as tf from '@tensorflow/tfjs';
import { AutoModelForSequenceClassification, env } from '@huggingface/transformers';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { batchFromExamples } from '../data/batching/batch.js';
import { loadRecords } from '../data/readers/read-records.js';
import { distill } from '../train/distill.js';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';
import { teacherFromTransformersJs, type TransformersJsModel } from './transformers-js-teacher.js';

const HF = path.resolve('test/fixtures/hf');

beforeAll(async () => {
  await useBackend('wasm');
  env.allowRemoteModels = false; // the fixtures only: never the Hub
  env.localModelPath = `${HF}/`;
});

/** bert-tiny keeps model.onnx at the top (optimum's layout), roberta-tiny in onnx/ (the Hub's, transformers.js' default). */
async function load(name: string): Promise<TransformersJsModel> {
  const subfolder = name === 'bert-tiny' ? '' : 'onnx';
  return (await AutoModelForSequenceClassification.from_pretrained(name, {
    local_files_only: true,
    dtype: 'fp32',
    subfolder,
  })) as unknown as TransformersJsModel;
}

describe('teacherFromTransformersJs', () => {
  it.each([
    ['bert-tiny', true],
    ['roberta-tiny', false],
  ] as const)("%s loaded by transformers.js: logits equal PyTorch's within 1e-4, labels from id2label", async (name, types) => {
    const teacher = await teacherFromTransformersJs(await load(name));
    expect(teacher.async).toBe(true);
    expect(teacher.labels).toEqual(['ham', 'spam']);
    const want = JSON.parse(await fs.readFile(path.join(HF, name, 'expected.json'), 'utf8')) as {
      pad_token_id: number;
      examples: Array<{ input_ids: number[]; token_type_ids?: number[]; attention_mask: number[]; logits: number[] }>;
    };
    await expectNoLeaks(async () => {
      const examples = want.examples.map((e, index) => {
        const n = e.attention_mask.reduce((a, b) => a + b, 0);
        return {
          ids: Int32Array.from(e.input_ids.slice(0, n)),
          ...(types ? { typeIds: Int32Array.from(e.token_type_ids!.slice(0, n)) } : {}),
          index,
        };
      });
      const { values } = await batchTeacherLogits(teacher, batchFromExamples(examples, { padId: want.pad_token_id }));
      expect(
        maxAbsDiff(
          values,
          want.examples.flatMap((e) => e.logits),
        ),
      ).toBeLessThan(1e-4);
    });
  });

  it('distills: the live transformers.js teacher reads its own tokenization of sentence pairs, labels from its config', async () => {
    const { records } = await loadRecords(path.join(HF, 'pairs.csv'), { textPairColumn: 'text_pair', limit: 48 });
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-tjs-'));
    try {
      await expectNoLeaks(async () => {
        const result = await distill({
          teacher: await teacherFromTransformersJs(await load('bert-tiny')),
          train: records.map((r) => ({ text: r.text, textPair: r.textPair!, label: r.label })),
          out,
          student: { dModel: 16, numLayers: 1, numHeads: 2, ffnDim: 32 },
          data: { tokenizer: path.join(HF, 'bert-tiny'), maxLength: 32, vocabSize: 300 },
          schedule: { epochs: 1, batchSize: 16 },
          runtime: { handleSignals: false },
          logging: { progress: false },
        });
        expect(result.labels).toEqual(['ham', 'spam']);
        expect(result.history[0].metrics.teacherAccuracy).toBeGreaterThan(0.5);
        result.student.dispose();
      });
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('refuses what is not a model, and a missing transformers.js is BACKEND_UNAVAILABLE', async () => {
    await expectTfdistillError(() => teacherFromTransformersJs({} as unknown as TransformersJsModel), 'INVALID_ARGUMENT');
    const model = (async () => ({})) as unknown as TransformersJsModel;
    await expectTfdistillError(
      () =>
        teacherFromTransformersJs(model, { importer: () => Promise.reject(new Error("Cannot find package '@huggingface/transformers'")) }),
      'BACKEND_UNAVAILABLE',
    );
    const noLogits = await teacherFromTransformersJs(model);
    const ids = tf.tensor2d([[0, 5, 2]], undefined, 'int32');
    await expectTfdistillError(() => noLogits.predict(ids), 'SHAPE_MISMATCH');
    ids.dispose();
  });
});
