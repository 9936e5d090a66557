import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { findHfExport } from './hf-export.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfd-hf-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

const config = (extra: object) => JSON.stringify({ model_type: 'bert', max_position_embeddings: 512, ...extra });

describe('findHfExport', () => {
  it('reads the optimum layout: model.onnx, config.json id2label in logit order, tokenizer.json', async () => {
    const dir = await folder({
      'model.onnx': 'x',
      'tokenizer.json': '{}',
      'config.json': config({ id2label: { 1: 'POSITIVE', 0: 'NEGATIVE', 2: 'NEUTRAL' } }),
    });
    const hf = await findHfExport(dir);
    expect(hf).toEqual({
      dir,
      modelFile: path.join(dir, 'model.onnx'),
      labels: ['NEGATIVE', 'POSITIVE', 'NEUTRAL'],
      maxLength: 512,
      modelType: 'bert',
      tokenizerDir: dir,
    });
  });

  it("finds onnx/model.onnx with config and tokenizer in the folder above (the Hub's layout), and RoBERTa's position offset", async () => {
    const dir = await folder({
      'onnx/model.onnx': 'x',
      'tokenizer.json': '{}',
      'config.json': JSON.stringify({ model_type: 'roberta', max_position_embeddings: 514, pad_token_id: 1, id2label: { 0: 'a', 1: 'b' } }),
    });
    const hf = await findHfExport(dir);
    expect(hf?.modelFile).toBe(path.join(dir, 'onnx', 'model.onnx'));
    expect(hf?.tokenizerDir).toBe(dir);
    expect(hf?.maxLength).toBe(512);
    expect(await findHfExport(path.join(dir, 'onnx', 'model.onnx'))).toEqual(hf);
  });

  it('is undefined for a folder without an ONNX model; a bare .onnx file has no labels', async () => {
    expect(await findHfExport(await folder({ 'model.json': '{}' }))).toBeUndefined();
    const dir = await folder({ 'teacher.onnx': 'x' });
    expect(await findHfExport(path.join(dir, 'teacher.onnx'))).toEqual({ dir, modelFile: path.join(dir, 'teacher.onnx') });
  });

  it('refuses config.json files it cannot trust', async () => {
    for (const text of [
      '{',
      '[1]',
      config({ id2label: { 0: 'a', 2: 'b' } }),
      config({ id2label: { 0: 'a', 1: 'a' } }),
      config({ id2label: ['a', 'b'] }),
      config({ id2label: { 0: '' } }),
    ]) {
      await expectTfdistillError(async () => findHfExport(await folder({ 'model.onnx': 'x', 'config.json': text })), 'CHECKPOINT_INVALID');
    }
  });
});
