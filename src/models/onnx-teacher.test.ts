import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { batchFromExamples } from '../data/batching/batch.js';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { expectNoLeaks, maxAbsDiff } from '../../test/helpers.js';
import { loadOnnxRuntime } from './onnx-runtime.js';
import { loadOnnxTeacher } from './onnx-teacher.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';

/** PyTorch's logits for padded batches of reference-tokenized rows (scripts/fixtures/make_onnx_teachers.py). */
interface Expected {
  pad_token_id: number;
  examples: Array<{ input_ids: number[]; token_type_ids?: number[]; attention_mask: number[]; logits: number[] }>;
}

const HF = path.resolve('test/fixtures/hf');
const MODELS = { bert: path.join(HF, 'bert-tiny', 'model.onnx'), roberta: path.join(HF, 'roberta-tiny', 'onnx', 'model.onnx') };
const expected = async (name: 'bert-tiny' | 'roberta-tiny'): Promise<Expected> =>
  JSON.parse(await fs.readFile(path.join(HF, name, 'expected.json'), 'utf8'));

const temp: string[] = [];
beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => Promise.all(temp.map((d) => fs.rm(d, { recursive: true, force: true }))));

describe('loadOnnxTeacher against PyTorch', () => {
  it.each([
    ['bert-tiny', MODELS.bert, true],
    ['roberta-tiny', MODELS.roberta, false],
  ] as const)("%s: ONNX Runtime logits equal PyTorch's within 1e-4 on padded batches", async (name, file, types) => {
    const want = await expected(name);
    const teacher = await loadOnnxTeacher(file, { threads: 1, padId: want.pad_token_id });
    try {
      expect(teacher.takesTokenTypes).toBe(types);
      expect(teacher.inputs.map((i) => i.name)).toEqual(
        types ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'],
      );
      expect(teacher.logitsOutput).toBe('logits');
      await expectNoLeaks(async () => {
        // The fixture's rows are padded to one length; unpadded again, they make a batch of rows of different
        // lengths, which tfdistill pads and masks itself.
        const examples = want.examples.map((e, index) => {
          const n = e.attention_mask.reduce((a, b) => a + b, 0);
          return {
            ids: Int32Array.from(e.input_ids.slice(0, n)),
            ...(types ? { typeIds: Int32Array.from(e.token_type_ids!.slice(0, n)) } : {}),
            index,
          };
        });
        expect(new Set(examples.map((e) => e.ids.length)).size).toBeGreaterThan(3);
        const batch = batchFromExamples(examples, { padId: want.pad_token_id });
        const { values, classes } = await batchTeacherLogits(teacher, batch);
        expect(classes).toBe(2);
        expect(
          maxAbsDiff(
            values,
            want.examples.flatMap((e) => e.logits),
          ),
        ).toBeLessThan(1e-4);
      });
    } finally {
      await teacher.dispose();
    }
  });
});

describe('loadOnnxTeacher errors', () => {
  const scratch = async (name: string, bytes: Uint8Array | string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-onnx-'));
    temp.push(dir);
    await fs.writeFile(path.join(dir, name), bytes);
    return path.join(dir, name);
  };

  it('a missing file is CHECKPOINT_NOT_FOUND; a non-ONNX or truncated file is CHECKPOINT_INVALID', async () => {
    await expectTfdistillError(() => loadOnnxTeacher(path.join(HF, 'nope.onnx')), 'CHECKPOINT_NOT_FOUND');
    await expectTfdistillError(async () => loadOnnxTeacher(await scratch('text.onnx', 'this is not a protobuf')), 'CHECKPOINT_INVALID');
    const whole = await fs.readFile(MODELS.bert);
    await expectTfdistillError(
      async () => loadOnnxTeacher(await scratch('cut.onnx', whole.subarray(0, whole.length >> 1))),
      'CHECKPOINT_INVALID',
    );
  });

  it('an output name the graph lacks is CHECKPOINT_INVALID naming the outputs; bad thread counts are INVALID_ARGUMENT', async () => {
    const err = await expectTfdistillError(() => loadOnnxTeacher(MODELS.bert, { logitsOutput: 'pooler_output' }), 'CHECKPOINT_INVALID');
    expect(err.message).toContain('outputs: logits');
    await expectTfdistillError(() => loadOnnxTeacher(MODELS.bert, { threads: 0 }), 'INVALID_ARGUMENT');
  });

  it('without onnxruntime-node: BACKEND_UNAVAILABLE with the install command', async () => {
    const missing = () =>
      Promise.reject(Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const err = await expectTfdistillError(() => loadOnnxTeacher(MODELS.bert, { importer: missing }), 'BACKEND_UNAVAILABLE');
    expect(err.hint).toContain('npm install onnxruntime-node');
    const broken = () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file'));
    expect((await expectTfdistillError(() => loadOnnxRuntime(broken), 'BACKEND_UNAVAILABLE')).message).toContain('does not load');
    await expectTfdistillError(() => loadOnnxRuntime(async () => ({ default: {} })), 'BACKEND_UNAVAILABLE');
  });

  it('a disposed teacher refuses work', async () => {
    const teacher = await loadOnnxTeacher(MODELS.bert, { threads: 1 });
    await teacher.dispose();
    const ids = tf.tensor2d([[2, 3]], undefined, 'int32');
    await expectTfdistillError(() => teacher.predict(ids), 'INVALID_ARGUMENT');
    ids.dispose();
  });
});
