import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../backend/use-backend.js';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { resolveTeacher } from './resolve-teacher.js';

const HF = path.resolve('test/fixtures/hf');
let tmp: string;
beforeAll(async () => {
  await useBackend('wasm');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-onnx-teacher-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** A copy of the bert-tiny export with one file replaced. */
async function variant(name: string, file: string, content: string | ((text: string) => string)): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.cp(path.join(HF, 'bert-tiny'), dir, { recursive: true });
  const text = typeof content === 'string' ? content : content(await fs.readFile(path.join(dir, file), 'utf8'));
  await fs.writeFile(path.join(dir, file), text);
  return dir;
}

describe('resolveTeacher with Hugging Face ONNX exports', () => {
  it.each([
    ['bert-tiny', 0],
    ['roberta-tiny', 1],
  ] as const)('%s: folder -> async teacher, labels from id2label, its tokenizer', async (name, padId) => {
    const t = await resolveTeacher(path.join(HF, name), { threads: 1 });
    try {
      expect(t.teacher.async).toBe(true);
      expect(t.external).toBe(true);
      expect(t.labels).toEqual(['ham', 'spam']);
      expect(t.maxLength).toBe(128);
      expect(t.tokenizer?.padId).toBe(padId);
      expect(t.stableId).toBe(true);
      expect(t.id).toMatch(/^onnx:.*model\.onnx:/);
    } finally {
      await t.dispose();
    }
  });

  it('a bare .onnx file in an export folder finds its config and tokenizer; one elsewhere needs a tokenizer', async () => {
    const t = await resolveTeacher(path.join(HF, 'roberta-tiny', 'onnx', 'model.onnx'), { threads: 1 });
    expect(t.labels).toEqual(['ham', 'spam']);
    await t.dispose();
    const lone = path.join(tmp, 'lone.onnx');
    await fs.copyFile(path.join(HF, 'bert-tiny', 'model.onnx'), lone);
    await expectTfdistillError(() => resolveTeacher(lone), 'INVALID_ARGUMENT');
    const withTokenizer = await resolveTeacher(lone, { tokenizer: path.join(HF, 'bert-tiny', 'tokenizer.json'), threads: 1 });
    expect(withTokenizer.labels).toBeUndefined(); // no config.json: the data's labels are used
    await withTokenizer.dispose();
  });

  it('refuses what it cannot use, each with its code', async () => {
    await expectTfdistillError(async () => resolveTeacher(await variant('not-onnx', 'model.onnx', 'garbage')), 'CHECKPOINT_INVALID');
    const wide = await variant('wide', 'config.json', (t) => JSON.stringify({ ...JSON.parse(t), id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
    await expectTfdistillError(() => resolveTeacher(wide), 'SHAPE_MISMATCH');
    const badTok = await variant('bad-tokenizer', 'tokenizer.json', (t) =>
      JSON.stringify({ ...JSON.parse(t), model: { type: 'CharLevel' } }),
    );
    await expectTfdistillError(() => resolveTeacher(badTok), 'TOKENIZER_INVALID');
    // A feature-extraction export: no logits output.
    const features = path.join(tmp, 'features');
    await fs.cp(path.join(HF, 'feature-extraction'), features, { recursive: true });
    await fs.cp(path.join(HF, 'bert-tiny', 'tokenizer.json'), path.join(features, 'tokenizer.json'));
    const err = await expectTfdistillError(() => resolveTeacher(features), 'CHECKPOINT_INVALID');
    expect(err.message).toContain('no usable logits output (outputs: last_hidden_state, pooler_output)');
  });
});
